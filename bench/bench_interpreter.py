"""Benchmark of the interpreter: `python bench/bench_interpreter.py [N] [ROUNDS]`.

Runs N contacts (default 100,000) through the example project's inbound-support flow and
compares the per-step time with two hand-written Python functions that implement the same flow
with plain if/else, measured in the same run:

* `hand_written_trace` produces what a run produces: the outcome and, per step, the block, the
  branch and the same facts (compared values, capacity figures, attribute changes, prompts).
  The benchmark checks that its trace equals the interpreter's, so the baseline does exactly
  the interpreter's job, no more.  This is the issue's "per-step overhead" figure.
* `hand_written_minimal` keeps only the decisions and a thin trace (no compared values, no
  attribute changes): a lower bound that no trace-producing interpreter can reach; printed for
  reference.

The contacts run in ROUNDS rounds (default 25); each round times a batch of each function back
to back, and the ratios reported are the medians of the per-round ratios, so a noisy, shared
machine slows both sides of a ratio alike.  Targets: per-step overhead within 5x of the
hand-written function, >= 300,000 block steps per second on one core, 100,000 contacts through
the flow in under 5 s.  Prints figures, checks that the baselines are faithful, and exits 1 when a target is missed.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowrt.project.driver import load_project
from flowrt.scenario.model import prepare_contact, prepare_world

ROOT = Path(__file__).resolve().parent.parent

WORLD = {
    "clock": "2026-11-23T09:00:00-05:00",
    "queues": {
        "BasicQueue": {
            "contacts-in-queue": 3,
            "oldest-contact-age": 45,
            "agents": {"online": 4, "available": 2, "staffed": 4},
        },
        "Premium": {"contacts-in-queue": 2, "agents": {"online": 2, "available": 1, "staffed": 2}},
    },
    "lambdas": {
        "customer-lookup": {
            "1": {
                "returns": {
                    "tier": "silver",
                    "firstName": "Lee",
                    "openCases": "1",
                    "lastAgent": "jdoe",
                }
            }
        }
    },
    "input": {"menu": ["2"]},
}
CONTACT = {
    "channel": "VOICE",
    "customer-endpoint": "+15555550100",
    "system-endpoint": "+18005550111",
}

# What the hand-written functions read: the same world, as plain dicts.  What the interpreter
# works out once per world (the hours at the clock, a queue's metrics as text) is given worked
# out here too, so the baselines are as fast as they can be.
HW_WORLD: dict[str, Any] = {
    "calls": {},
    "lambda": WORLD["lambdas"]["customer-lookup"]["1"]["returns"],  # type: ignore[index]
    "hours": (True, ("hours", "Business", "Monday 2026-11-23 09:00 EST", "08:00-20:00", True)),
    "input": ["2"],
    "queues": {
        "BasicQueue": {
            "contacts": 3,
            "oldest": 45,
            "available": 2,
            "max": 50,
            "metrics": (
                ("Queue.Size", "3"),
                ("Queue.OldestContactAge", "45"),
                ("Agents.Online.Count", "4"),
                ("Agents.Available.Count", "2"),
                ("Agents.Staffed.Count", "4"),
            ),
        }
    },
}
HW_CONTACT: dict[str, Any] = {"attributes": {}, "channel": "VOICE", "customer": "+15555550100"}

GREET = "Thanks for calling AnyCompany support."
MENU = (
    "For billing, press 1. For technical support, press 2. To reach your account manager, press 3."
)
BUSY = '$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0'
CROWDED = "$.Metrics.Queue.Size > 20"
TIER, SIZE = ("Attributes", "tier"), ("Metrics", "Queue", "Size")
AVAILABLE = ("Metrics", "Agents", "Available", "Count")
NOT_HERE = "not on the path this benchmark drives"
TIER_TEXT = "$.Attributes.tier"
MENU_2 = ("compare", "input", "2", "equals 2")
SOURCE = "the queue's maximum contacts in queue"
LIMIT = 32_768  # bytes of attributes (seed 004)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def hand_written_trace(contact: dict[str, Any], world: dict[str, Any]) -> tuple[Any, list[Any]]:
    """inbound-support by hand: the same decisions and the same trace as a flowrt run."""
    trace: list[Any] = []
    add = trace.append
    attrs = dict(contact["attributes"])
    add(("enable-logging", "success", [("not-simulated", "UpdateFlowLoggingBehavior")]))
    add(("set-voice", "success", [("not-simulated", "UpdateContactTextToSpeechVoice")]))
    channel = contact["channel"]
    if channel in ("CHAT", "EMAIL"):
        raise NotImplementedError(NOT_HERE)  # written-welcome
    add(("check-channel", "no-match", [("compare", "$.Channel", channel, None)]))
    add(("greet", "success", [("prompt", GREET)]))
    calls = world["calls"]
    n = calls["customer-lookup"] = calls.get("customer-lookup", 0) + 1
    external = world["lambda"]
    params = {"customerAddress": contact["customer"], "channel": channel}
    add(("lookup", "success", [("lambda", "customer-lookup", n, params, external, None)]))
    facts = []
    chars = sum(map(len, attrs)) + sum(map(len, attrs.values()))
    for key in ("tier", "firstName", "openCases", "lastAgent"):
        new = external.get(key, "")
        facts.append(("set", key, attrs.get(key), new))
        attrs[key] = new
        chars += len(key) + len(new)
    if (
        4 * chars > LIMIT
        and sum(len(k.encode()) + len(v.encode()) for k, v in attrs.items()) > LIMIT
    ):
        raise NotImplementedError(NOT_HERE)  # attributes over the limit
    add(("remember-customer", "success", facts))
    is_open, hours = world["hours"]
    if not is_open:
        raise NotImplementedError(NOT_HERE)  # to-after-hours
    add(("hours", "in-hours", [hours]))
    tier = attrs["tier"]
    if tier == "gold" or not tier.startswith("silver"):
        raise NotImplementedError(NOT_HERE)  # premium-queue, menu without check-cases
    add(("check-tier", "condition-2", [("compare", TIER_TEXT, tier, "text-starts-with silver")]))
    cases = attrs["openCases"]
    count = _number(cases)
    if count is not None and count > 2:
        raise NotImplementedError(NOT_HERE)  # last-agent
    add(("check-cases", "no-match", [("compare", "$.Attributes.openCases", cases, None)]))
    digits = world["input"][0]
    if digits != "2":
        raise NotImplementedError(NOT_HERE)  # the other menu choices
    add(("menu", "condition-2", [("prompt", MENU), ("input", digits), MENU_2]))
    queue = "BasicQueue"
    add(("basic-queue", "success", [("working-queue", queue, "(none)")]))
    state = world["queues"][queue]
    available = state["available"]
    if available <= 0:
        raise NotImplementedError(NOT_HERE)  # overflow-announce
    add(("staffing", "true", [("staffing", queue, "available", available)]))
    metrics = state["metrics"]
    add(("metrics", "success", [("metrics", queue, metrics)]))
    available_text, size = metrics[3][1], metrics[0][1]
    facts = [("when", BUSY, {TIER: tier, AVAILABLE: available_text})]
    if tier == "gold" and float(available_text) > 0:
        raise NotImplementedError(NOT_HERE)  # to-queue straight away
    facts.append(("when", CROWDED, {SIZE: size}))
    if float(size) > 20:
        raise NotImplementedError(NOT_HERE)  # overflow-announce
    add(("busy-check", "no-match", facts))
    oldest = state["oldest"]
    if oldest > 600:
        raise NotImplementedError(NOT_HERE)  # overflow-announce
    add(
        (
            "queue-status",
            "no-match",
            [
                ("metric", queue, "oldest-contact-age", oldest),
                ("compare", "oldest-contact-age", str(oldest), None),
            ],
        )
    )
    contacts, maximum = state["contacts"], state["max"]
    full = contacts >= maximum
    if full:
        raise NotImplementedError(NOT_HERE)  # overflow-announce
    capacity = ("capacity", queue, contacts, maximum, SOURCE, full)
    add(("to-queue", "success", [capacity, ("queued", queue)]))
    add(("queued", "", []))
    return ("queued", queue), trace


def hand_written_minimal(
    contact: dict[str, Any], world: dict[str, Any]
) -> tuple[tuple[str, str], list[Any]]:
    """inbound-support by hand, decisions only: a thin trace (no compared values or changes)."""
    trace: list[Any] = []
    add = trace.append
    attrs = dict(contact["attributes"])
    add(("enable-logging", "success"))
    add(("set-voice", "success"))
    channel = contact["channel"]
    if channel in ("CHAT", "EMAIL"):
        add(("check-channel", "condition"))
    else:
        add(("check-channel", "no-match"))
        add(("greet", "success", GREET))
    calls = world["calls"]
    calls["customer-lookup"] = calls.get("customer-lookup", 0) + 1
    external = dict(world["lambda"])
    add(("lookup", "success", {"customerAddress": contact["customer"], "channel": channel}))
    for key in ("tier", "firstName", "openCases", "lastAgent"):
        attrs[key] = external.get(key, "")
    add(("remember-customer", "success"))
    add(("hours", "in-hours" if world["hours"][0] else "out-of-hours"))
    tier = attrs["tier"]
    if tier == "gold":
        queue = "Premium"
    elif tier.startswith("silver"):
        add(("check-tier", "condition-2"))
        cases = _number(attrs["openCases"])
        add(("check-cases", "no-match" if cases is None or cases <= 2 else "condition-1"))
        digits = world["input"][0]
        add(("menu", "condition-2" if digits == "2" else "no-match"))
        queue = "BasicQueue"
    else:
        queue = "BasicQueue"
    add(("basic-queue", "success", queue))
    state = world["queues"][queue]
    add(("staffing", "true" if state["available"] > 0 else "false"))
    metrics = {"size": str(state["contacts"]), "available": str(state["available"])}
    add(("metrics", "success", metrics))
    busy = (tier == "gold" and float(metrics["available"]) > 0) or float(metrics["size"]) > 20
    add(("busy-check", "condition" if busy else "no-match"))
    add(("queue-status", "condition-1" if state["oldest"] > 600 else "no-match"))
    full = state["contacts"] >= state["max"]
    add(("to-queue", "at-capacity" if full else "success", state["contacts"], state["max"]))
    add(("queued", ""))
    return ("queued", queue), trace


def _batch(fn: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t0


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    program = load_project(str(ROOT / "flows")).compile()
    world = prepare_world(WORLD)
    contact = prepare_contact(CONTACT)
    flow = "inbound-support"
    first = program.run(contact, world, flow=flow)
    steps = len(first.trace)
    print(f"path: {steps} steps, outcome: {first.outcome.describe()}")

    # The baselines are faithful: the same outcome, and (full) the very same trace.
    ours = [
        (node.name, branch, list(facts or ())) for _, node, branch, facts, _ in first.trace.records
    ]
    outcome, theirs = hand_written_trace(HW_CONTACT, HW_WORLD)
    assert outcome == ("queued", "BasicQueue") == (first.outcome.kind, first.outcome.queue)
    assert theirs == ours, "hand_written_trace no longer produces the interpreter's trace"
    assert [s[:2] for s in hand_written_minimal(HW_CONTACT, HW_WORLD)[1]] == [s[:2] for s in ours]

    run = program.run
    batch = max(1, n // rounds)

    def interpreted() -> Any:
        return run(contact, world, flow=flow)

    def by_hand() -> Any:
        return hand_written_trace(HW_CONTACT, HW_WORLD)

    def minimal() -> Any:
        return hand_written_minimal(HW_CONTACT, HW_WORLD)

    times: dict[str, list[float]] = {"flowrt": [], "trace": [], "minimal": []}
    for _ in range(rounds):
        times["trace"].append(_batch(by_hand, batch))
        times["minimal"].append(_batch(minimal, batch))
        times["flowrt"].append(_batch(interpreted, batch))
    contacts = batch * rounds
    total = sum(times["flowrt"])

    def per_step(name: str) -> float:
        return min(times[name]) / batch / steps * 1e9

    def ratio(name: str) -> float:
        return statistics.median(f / b for f, b in zip(times["flowrt"], times[name], strict=True))

    print(f"{contacts:,} contacts in {rounds} rounds, each side timed back to back per round")
    print(f"hand-written, same trace : {per_step('trace'):7,.0f} ns/step (best round)")
    print(f"hand-written, decisions  : {per_step('minimal'):7,.0f} ns/step (best round)")
    print(f"flowrt run               : {per_step('flowrt'):7,.0f} ns/step (best round)")
    print(f"per-step overhead, flowrt / hand-written with the same trace: {ratio('trace'):.2f}x")
    print("  (target <= 5x; median of the rounds' ratios)")
    print(f"flowrt / hand-written decisions only (reference): {ratio('minimal'):.2f}x")
    print(f"block steps per second: {contacts * steps / total:,.0f} (target >= 300,000)")
    print(
        f"{contacts:,} contacts: {total:.2f} s = {total / contacts * 1e5:.2f} s per 100,000"
        " (target < 5 s)"
    )
    ok = ratio("trace") <= 5 and contacts * steps / total >= 300_000
    ok = ok and total / contacts * 1e5 < 5
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of the interpreter: `python bench/bench_interpreter.py [N]`.

Runs contacts through the example project's inbound-support flow and compares the per-step time
with a hand-written Python function that implements the same flow with plain if/else (measured in
the same run, so the ratio does not depend on the machine).  Targets: per-step overhead within 5x
of the hand-written function, >= 300,000 block steps per second on one core, 100,000 contacts
through the flow in under 5 s.  Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from flowrt.project import load_project
from flowrt.scenario import prepare_contact, prepare_world

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


def hand_written(contact: dict[str, Any], world: dict[str, Any]) -> tuple[str, list[Any]]:
    """inbound-support for this path, written by hand: the same decisions, a minimal trace."""
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
        add(("greet", "success", "Thanks for calling AnyCompany support."))
    calls = world["calls"]
    calls["customer-lookup"] = calls.get("customer-lookup", 0) + 1
    external = dict(world["lambda"])
    add(("lookup", "success", {"customerAddress": contact["customer"], "channel": channel}))
    for key in ("tier", "firstName", "openCases", "lastAgent"):
        attrs[key] = external.get(key, "")
    add(("remember-customer", "success"))
    add(("hours", "in-hours" if world["open"] else "out-of-hours"))
    tier = attrs["tier"]
    if tier == "gold":
        queue = "Premium"
    elif tier.startswith("silver"):
        add(("check-tier", "condition-2"))
        try:
            cases = float(attrs["openCases"])
        except ValueError:
            cases = None
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
    full = state["contacts"] >= 50
    add(("to-queue", "at-capacity" if full else "success", state["contacts"], 50))
    add(("queued", ""))
    return ("queued", queue), trace


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    program = load_project(str(ROOT / "flows")).compile()
    world = prepare_world(WORLD)
    contact = prepare_contact(CONTACT)
    flow = "inbound-support"
    first = program.run(contact, world, flow=flow)
    steps = len(first.trace)
    print(f"path: {steps} steps, outcome: {first.outcome.describe()}")

    hw_world = {
        "calls": {},
        "lambda": WORLD["lambdas"]["customer-lookup"]["1"]["returns"],
        "open": True,
        "input": ["2"],
        "queues": {"BasicQueue": {"contacts": 3, "available": 2, "oldest": 45}},
    }
    hw_contact = {"attributes": {}, "channel": "VOICE", "customer": "+15555550100"}
    assert hand_written(hw_contact, hw_world)[0] == ("queued", "BasicQueue")

    t0 = time.perf_counter()
    for _ in range(n):
        hand_written(hw_contact, hw_world)
    base = time.perf_counter() - t0

    run = program.run
    t0 = time.perf_counter()
    for _ in range(n):
        run(contact, world, flow=flow)
    ours = time.perf_counter() - t0

    total_steps = n * steps
    print(
        f"hand-written : {n:,} contacts in {base:.3f} s = {base / total_steps * 1e9:,.0f} ns/step"
    )
    print(
        f"flowrt run   : {n:,} contacts in {ours:.3f} s = {ours / total_steps * 1e9:,.0f} ns/step"
    )
    print(f"ratio flowrt / hand-written per step: {ours / base:.2f}x (target <= 5x)")
    print(f"block steps per second: {total_steps / ours:,.0f} (target >= 300,000)")
    print(f"{n:,} contacts: {ours:.2f} s (target < 5 s for 100,000)")


if __name__ == "__main__":
    main()

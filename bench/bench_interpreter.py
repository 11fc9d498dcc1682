"""Benchmark of the interpreter: `python bench/bench_interpreter.py [N] [ROUNDS]`.

Runs N contacts (default 100,000) through the example project's inbound-support flow and
through a 10-block chain (bench/gen.py's blocks: prompt, check, set, working queue, Lambda,
twice), prepared contact and world reused, and compares each with a hand-written Python function
that implements the same flow with plain if/else, measured in the same rounds:

* `inbound_by_hand` and `chain_by_hand` write the very log a run writes: the run's log is flat
  (each step's fact tuples, then the step's marker `(node, branch)`), and so is theirs, with the
  same fact tuples and the same compiled nodes in the markers.  The benchmark checks that the two
  logs are equal, so the baseline does exactly the interpreter's job, no more (no list or tuple
  per step that the interpreter does not build).  The ratio is the interpreter's overhead.
* `hand_written_minimal` keeps only inbound-support's decisions and a thin trace (no compared
  values, no attribute changes): a floor no trace-producing run can reach; printed for reference.
* **the run loop alone** (`replayed`): each flow compiled again, and every step of its run
  replaced by one that only writes the facts the real step wrote (and the end and queue it set)
  and returns its branch.  Its runs write the very same log (checked), so their ratio to the
  hand-written function is what a run costs apart from its blocks' work: the loop, a step's
  call, the run's set-up and result.  What is left of 2x is what the blocks' own work (reading
  the world, comparing, rendering) may cost; printed for reference.

The contacts run in ROUNDS interleaved rounds (default 25); each round times a batch of every
function back to back, and the ratios reported are the medians of the rounds' ratios, so a
noisy, shared machine slows both sides of a ratio alike.  Targets: flowrt within 2x of the
hand-written log on both flows, >= 300,000 block steps per second on one core, 100,000 contacts
through inbound-support in under 5 s.  Prints its figures and what each is against, checks that
the baselines are faithful, and exits 1 when a target is missed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
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
                "metrics",
                "BasicQueue",
                (
                    ("Queue.Size", "3"),
                    ("Queue.OldestContactAge", "45"),
                    ("Agents.Online.Count", "4"),
                    ("Agents.Available.Count", "2"),
                    ("Agents.Staffed.Count", "4"),
                ),
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


def inbound_by_hand(nodes: dict[str, Any]) -> Callable[[dict[str, Any], dict[str, Any]], Any]:
    """inbound-support by hand: the same decisions, and the very log a flowrt run writes.

    The log is flat, like the interpreter's (`flowrt.run.interpreter._loop`): each step's fact
    tuples, then the step's marker `(node, branch)` naming the same compiled node.  Nothing more
    is built: no list or tuple per step.  What a run reads from its world cache (the hours at the
    clock, a queue's metrics) is read ready-made here too.
    """
    enable, voice, channel_node = (
        nodes["enable-logging"],
        nodes["set-voice"],
        nodes["check-channel"],
    )
    greet, lookup, remember = nodes["greet"], nodes["lookup"], nodes["remember-customer"]
    hours_node, check_tier, check_cases = nodes["hours"], nodes["check-tier"], nodes["check-cases"]
    menu, basic, staffing = nodes["menu"], nodes["basic-queue"], nodes["staffing"]
    metrics_node, busy, status = nodes["metrics"], nodes["busy-check"], nodes["queue-status"]
    to_queue, queued = nodes["to-queue"], nodes["queued"]
    logging_fact = ("setting", "flow logging", "Enabled")
    voice_fact = ("not-simulated", "UpdateContactTextToSpeechVoice")
    greet_fact, menu_fact = ("prompt", GREET), ("prompt", MENU)

    def hand_written(contact: dict[str, Any], world: dict[str, Any]) -> tuple[Any, list[Any]]:
        log: list[Any] = []
        add = log.append
        attrs = dict(contact["attributes"])
        add(logging_fact)
        add((enable, "success"))
        add(voice_fact)
        add((voice, "success"))
        channel = contact["channel"]
        if channel in ("CHAT", "EMAIL"):
            raise NotImplementedError(NOT_HERE)  # written-welcome
        add(("compare", "$.Channel", channel, None))
        add((channel_node, "no-match"))
        add(greet_fact)
        add((greet, "success"))
        calls: dict[str, int] = {}  # per run, like the run's counters
        n = calls["customer-lookup"] = calls.get("customer-lookup", 0) + 1
        external = world["lambda"]
        params = {"customerAddress": contact["customer"], "channel": channel}
        add(("lambda", "customer-lookup", n, params, external, None))
        add((lookup, "success"))
        chars = sum(map(len, attrs)) + sum(map(len, attrs.values()))
        for key in ("tier", "firstName", "openCases", "lastAgent"):
            new = external.get(key, "")
            add(("set", key, attrs.get(key), new))
            attrs[key] = new
            chars += len(key) + len(new)
        if (
            4 * chars > LIMIT
            and sum(len(k.encode()) + len(v.encode()) for k, v in attrs.items()) > LIMIT
        ):
            raise NotImplementedError(NOT_HERE)  # attributes over the limit
        add((remember, "success"))
        is_open, hours = world["hours"]
        if not is_open:
            raise NotImplementedError(NOT_HERE)  # to-after-hours
        add(hours)
        add((hours_node, "in-hours"))
        tier = attrs["tier"]
        if tier == "gold" or not tier.startswith("silver"):
            raise NotImplementedError(NOT_HERE)  # premium-queue, menu without check-cases
        add(("compare", TIER_TEXT, tier, "text-starts-with silver"))
        add((check_tier, "condition-2"))
        cases = attrs["openCases"]
        count = _number(cases)
        if count is not None and count > 2:
            raise NotImplementedError(NOT_HERE)  # last-agent
        add(("compare", "$.Attributes.openCases", cases, None))
        add((check_cases, "no-match"))
        digits = world["input"][0]
        if digits != "2":
            raise NotImplementedError(NOT_HERE)  # the other menu choices
        add(menu_fact)
        add(("input", digits))
        add(("compare", "input", digits, "equals 2"))
        add((menu, "condition-2"))
        queue = "BasicQueue"
        add(("working-queue", queue, "(none)"))
        add((basic, "success"))
        state = world["queues"][queue]
        available = state["available"]
        if available <= 0:
            raise NotImplementedError(NOT_HERE)  # overflow-announce
        add(("staffing", queue, "available", available))
        add((staffing, "true"))
        metrics = state["metrics"]
        add(metrics)
        add((metrics_node, "success"))
        values = metrics[2]
        available_text, size = values[3][1], values[0][1]
        add(("when", BUSY, {TIER: tier, AVAILABLE: available_text}))
        if tier == "gold" and float(available_text) > 0:
            raise NotImplementedError(NOT_HERE)  # to-queue straight away
        add(("when", CROWDED, {SIZE: size}))
        if float(size) > 20:
            raise NotImplementedError(NOT_HERE)  # overflow-announce
        add((busy, "no-match"))
        oldest = state["oldest"]
        if oldest > 600:
            raise NotImplementedError(NOT_HERE)  # overflow-announce
        add(("metric", queue, "oldest-contact-age", oldest))
        add(("compare", "oldest-contact-age", str(oldest), None))
        add((status, "no-match"))
        contacts, maximum = state["contacts"], state["max"]
        full = contacts >= maximum
        if full:
            raise NotImplementedError(NOT_HERE)  # overflow-announce
        add(("capacity", queue, contacts, maximum, SOURCE, full))
        add(("queued", queue))
        add((to_queue, "success"))
        add((queued, ""))
        return ("queued", queue), log

    return hand_written


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
    calls: dict[str, int] = {}
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


# -- the 10-block chain: bench/gen.py's blocks (prompt, check, set, working queue, Lambda) twice

CHAIN_CONTACT = {
    "channel": "VOICE",
    "customer-endpoint": "+15555550100",
    "attributes": {"tier": "silver", "firstName": "Lee"},
}
CHAIN_WORLD = {"lambdas": {"lookup": {"1-2": {"returns": {"id": "c-1", "status": "open"}}}}}
HW_CHAIN_CONTACT: dict[str, Any] = {
    "attributes": {"tier": "silver", "firstName": "Lee"},
    "customer": "+15555550100",
}
HW_CHAIN_WORLD: dict[str, Any] = {"lookup": [(1, 2, {"id": "c-1", "status": "open"})]}


def chain_by_hand(nodes: dict[str, Any]) -> Callable[[dict[str, Any], dict[str, Any]], Any]:
    """The 10-block chain by hand, straight-line: the same decisions and the same flat log."""
    b0, b1, b2, b3, b4 = (nodes[f"b{i}"] for i in range(5))
    b5, b6, b7, b8, b9 = (nodes[f"b{i}"] for i in range(5, 10))
    done = nodes["done"]
    tier_ref = "$.Attributes.tier"

    def hand_written(contact: dict[str, Any], world: dict[str, Any]) -> tuple[Any, list[Any]]:
        log: list[Any] = []
        add = log.append
        attrs = dict(contact["attributes"])
        chars = sum(map(len, attrs)) + sum(map(len, attrs.values()))
        calls: dict[str, int] = {}
        queue = None
        for prompt, check, setter, working, invoke, said, step in (
            (b0, b1, b2, b3, b4, "0", "2"),
            (b5, b6, b7, b8, b9, "5", "7"),
        ):
            name = attrs.get("firstName")
            if name is None:
                raise NotImplementedError(NOT_HERE)  # a missing reference
            add(("prompt", f"Step {said} for {name}."))
            add((prompt, "success"))
            tier = attrs.get("tier")
            if tier is None or tier == "gold":
                raise NotImplementedError(NOT_HERE)
            number = _number(tier)
            if number is not None:
                raise NotImplementedError(NOT_HERE)  # number-greater-than 5
            add(("not-a-number", tier))
            add(("compare", tier_ref, tier, None))
            add((check, "no-match"))
            add(("set", "step", attrs.get("step"), step))
            attrs["step"] = step
            chars += 4 + len(step)
            add(("set", "who", attrs.get("who"), name))
            attrs["who"] = name
            chars += 3 + len(name)
            if 4 * chars > LIMIT:
                raise NotImplementedError(NOT_HERE)  # attributes over the limit
            add((setter, "success"))
            add(("working-queue", "BasicQueue", queue or "(none)"))
            queue = "BasicQueue"
            add((working, "success"))
            n = calls["lookup"] = calls.get("lookup", 0) + 1
            returns = None
            for lo, hi, ret in world["lookup"]:
                if lo <= n <= hi:
                    returns = ret
                    break
            if returns is None:
                raise NotImplementedError(NOT_HERE)  # no mock
            add(("lambda", "lookup", n, {"id": contact["customer"]}, returns, None))
            add((invoke, "success"))
        add((done, ""))
        return ("disconnected",), log

    return hand_written


def _batch(fn: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t0


def _chain_program(tmp: Path) -> Any:
    """A project of one flow, bench/gen.py's 10-block chain, with gen's instance file."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import gen

    (tmp / "instance.yaml").write_text(gen.INSTANCE, encoding="utf-8")
    (tmp / "chain.flow.yaml").write_text(gen.flow_text("chain", 10), encoding="utf-8")
    return load_project(str(tmp)).compile()


def _faithful(name: str, result: Any, outcome: Any, log: list[Any], kinds: tuple[Any, ...]) -> None:
    """The baseline writes the very log the run wrote (same facts, same markers) and ends alike."""
    assert (result.outcome.kind, *kinds) == outcome, f"{name}: the outcomes differ"
    assert log == result.trace._log, f"{name}: the hand-written log is not the interpreter's"


def replayed(program: Any, contact: Any, world: Any, flow: str) -> Any:
    """A run of `flow` in `program`, after which every step it took is replaced by one that only
    writes what the real step wrote (its facts, the end and the queue it set) and returns its
    branch: runs of the changed program cost what a run costs apart from its blocks' work (the
    run loop, set-up and result).  Returns the real run's result; `program` must be one of its
    own (its nodes are changed)."""
    recorded: dict[int, tuple[tuple[Any, ...], str, Any, Any]] = {}
    nodes = [node for cf in program.flows.values() for node in cf.nodes]

    def recorder(step: Any) -> Any:
        def record(node: Any, rt: Any) -> str:
            start, queued = len(rt.facts), rt.queued
            branch = step(node, rt)
            assert id(node) not in recorded, "each block runs once in the benchmark's runs"
            now = rt.queued if rt.queued is not queued else None
            recorded[id(node)] = (tuple(rt.facts[start:]), branch, rt.stop, now)
            return branch

        return record

    real = {id(node): node.step for node in nodes}
    for node in nodes:
        node.step = recorder(node.step)
    first = program.run(contact, world, flow=flow)
    for node in nodes:
        node.step = _replay(*recorded[id(node)]) if id(node) in recorded else real[id(node)]
    return first


def _named(log: list[Any]) -> list[Any]:
    """A log with each marker's node named: the same in two compilations of a flow."""
    return [(e[0].name, *e[1:]) if type(e[0]) is not str else e for e in log]


def _replay(facts: tuple[Any, ...], branch: str, stop: Any, queued: Any) -> Any:
    def replay(node: Any, rt: Any) -> str:
        if facts:
            rt.facts.extend(facts)
        if stop is not None:
            rt.stop = stop
        if queued is not None:
            rt.queued = queued
        return branch

    return replay


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    program = load_project(str(ROOT / "flows")).compile()
    world = prepare_world(WORLD)
    contact = prepare_contact(CONTACT)
    flow = "inbound-support"
    first = program.run(contact, world, flow=flow)
    steps = sum(1 for e in first.trace._log if type(e[0]) is not str)
    print(f"inbound-support: {steps} steps, outcome: {first.outcome.describe()}")
    nodes = {node.name: node for node in program.flows[flow].nodes}
    inbound = inbound_by_hand(nodes)
    outcome, log = inbound(HW_CONTACT, HW_WORLD)
    _faithful("inbound-support", first, outcome, log, ("BasicQueue",))
    theirs = [(m[0].name, m[1]) for m in log if type(m[0]) is not str]
    assert [s[:2] for s in hand_written_minimal(HW_CONTACT, HW_WORLD)[1]] == theirs

    with tempfile.TemporaryDirectory() as tmp:
        chain_program = _chain_program(Path(tmp))
    chain_contact, chain_world = prepare_contact(CHAIN_CONTACT), prepare_world(CHAIN_WORLD)
    chain_first = chain_program.run(chain_contact, chain_world, flow="chain")
    chain_steps = sum(1 for e in chain_first.trace._log if type(e[0]) is not str)
    print(f"10-block chain: {chain_steps} steps, outcome: {chain_first.outcome.describe()}")
    chain = chain_by_hand({node.name: node for node in chain_program.flows["chain"].nodes})
    outcome, log = chain(HW_CHAIN_CONTACT, HW_CHAIN_WORLD)
    _faithful("10-block chain", chain_first, outcome, log, ())

    # The run loop alone: the same programs compiled again, their steps replaced by replays.
    loop_program = load_project(str(ROOT / "flows")).compile()
    real = replayed(loop_program, contact, world, flow)
    again = loop_program.run(contact, world, flow=flow)
    assert (again.trace._log, again.outcome) == (real.trace._log, real.outcome), "inbound-support"
    assert _named(again.trace._log) == _named(first.trace._log), "inbound-support: replay differs"
    assert again.outcome == first.outcome, "inbound-support: the replay ends otherwise"
    with tempfile.TemporaryDirectory() as tmp:
        loop_chain = _chain_program(Path(tmp))
    real = replayed(loop_chain, chain_contact, chain_world, "chain")
    again = loop_chain.run(chain_contact, chain_world, flow="chain")
    assert (again.trace._log, again.outcome) == (real.trace._log, real.outcome), "10-block chain"
    assert _named(again.trace._log) == _named(chain_first.trace._log), (
        "10-block chain: replay differs"
    )
    assert again.outcome == chain_first.outcome, "10-block chain: the replay ends otherwise"

    run, chain_run = program.run, chain_program.run
    loop_run, loop_chain_run = loop_program.run, loop_chain.run
    batch = max(1, n // rounds)

    sides: dict[str, Callable[[], Any]] = {
        "flowrt": lambda: run(contact, world, flow=flow),
        "trace": lambda: inbound(HW_CONTACT, HW_WORLD),
        "minimal": lambda: hand_written_minimal(HW_CONTACT, HW_WORLD),
        "chain flowrt": lambda: chain_run(chain_contact, chain_world, flow="chain"),
        "chain trace": lambda: chain(HW_CHAIN_CONTACT, HW_CHAIN_WORLD),
        "loop": lambda: loop_run(contact, world, flow=flow),
        "chain loop": lambda: loop_chain_run(chain_contact, chain_world, flow="chain"),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):  # interleaved: each round times every side back to back
        for name, fn in sides.items():
            times[name].append(_batch(fn, batch))
    contacts = batch * rounds
    total = sum(times["flowrt"])

    def per_step(name: str, count: int) -> float:
        return min(times[name]) / batch / count * 1e9

    def ratio(ours: str, theirs: str) -> float:
        return statistics.median(f / b for f, b in zip(times[ours], times[theirs], strict=True))

    inbound_ratio, chain_ratio = ratio("flowrt", "trace"), ratio("chain flowrt", "chain trace")
    print(f"{contacts:,} contacts a side in {rounds} interleaved rounds; ratios are the medians")
    print("of the rounds' ratios, each against a hand-written function that writes the very same")
    print("flat log (the same fact tuples and step markers, checked equal to the run's)")
    print(f"inbound-support, hand-written, same log : {per_step('trace', steps):7,.0f} ns/step")
    print(f"inbound-support, hand-written, decisions: {per_step('minimal', steps):7,.0f} ns/step")
    print(f"inbound-support, flowrt run (prepared)  : {per_step('flowrt', steps):7,.0f} ns/step")
    print(f"10-block chain, hand-written, same log  : {per_step('chain trace', chain_steps):7,.0f}")
    print(
        f"10-block chain, flowrt run (prepared)   : {per_step('chain flowrt', chain_steps):7,.0f}"
    )
    print("  (ns/step of the best round)")
    print(f"inbound-support: flowrt / hand-written with the same log: {inbound_ratio:.2f}x")
    print("  (target <= 2x)")
    print(f"10-block chain : flowrt / hand-written with the same log: {chain_ratio:.2f}x")
    print("  (target <= 2x)")
    print(
        f"inbound-support: flowrt / decisions only (reference): {ratio('flowrt', 'minimal'):.2f}x"
    )
    loop, chain_loop = ratio("loop", "trace"), ratio("chain loop", "chain trace")
    print("the run loop alone (every step replaced by one that only writes the facts the real step")
    print("wrote and returns its branch; the same log), against the same hand-written function:")
    print(
        f"  inbound-support: {loop:.2f}x, 10-block chain: {chain_loop:.2f}x; what the blocks' own"
    )
    print(f"  work may cost within 2x: {2 - loop:.2f}x and {2 - chain_loop:.2f}x of the function")
    print(f"block steps per second: {contacts * steps / total:,.0f} (target >= 300,000)")
    print(
        f"{contacts:,} contacts: {total:.2f} s = {total / contacts * 1e5:.2f} s per 100,000"
        " (target < 5 s)"
    )
    missed = [
        name
        for name, ok in (
            ("inbound-support <= 2x", inbound_ratio <= 2),
            ("10-block chain <= 2x", chain_ratio <= 2),
            (">= 300,000 steps/s", contacts * steps / total >= 300_000),
            ("100,000 contacts < 5 s", total / contacts * 1e5 < 5),
        )
        if not ok
    ]
    print("targets met" if not missed else "TARGET MISSED: " + ", ".join(missed))
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())

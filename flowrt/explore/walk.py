"""Walk every path: run a flow again and again, each time with the next script of answers.

`run_path` runs one path: the run loop of flowrt.run.interpreter (a step per block, the marker,
the exit) over a `ChoiceRuntime`, plus what exploring needs: a block with a connected failure
branch may fail (the world's `errors:`), a block whose step asks the world something explore
does not model has each connected branch as a choice, and the path is cut when it takes loop
back edges (`flowrt.explore.graph`) more than `loops` times.  `explore_flow` enumerates the
paths of one flow depth first: after a run, every choice it made with answers left is a
branch point, and each untried answer is a script to run next.  Paths are kept by their
sequence of (flow, block, branch); different answers that take the same steps are one path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from flowrt.explore.derive import CHANNELS
from flowrt.explore.graph import TRANSFER, Ahead, Graph
from flowrt.explore.world import ChoiceRuntime, ChoiceWorld, Chooser, _sample
from flowrt.run.world import DEFAULT_CLOCK, PreparedContact, parse_clock

if TYPE_CHECKING:
    from flowrt.explore.derive import Derived
    from flowrt.lang.compiler import Node, Program

Step = tuple[str, str, str]
#: The outcome kinds of a path (the run's kinds, and `loop-bound` for a path cut by --loops).
END_KINDS = (
    "queued",
    "transferred-to-number",
    "disconnected",
    "ended",
    "error",
    "step-limit",
    "loop-bound",
)


#: Facts of a step that speaks to or hears from the contact.
TALK = frozenset({"prompt", "message", "input", "wait"})


@dataclass(frozen=True)
class Path:
    """One path: its steps, how it ended and the answers the world gave on it."""

    flow: str
    steps: tuple[Step, ...]
    end: str
    #: The path ended on a branch that is not connected (Amazon Connect disconnects).
    fell: bool
    answers: tuple[tuple[tuple[Any, ...], Any], ...]
    clock: str
    #: Blocks whose branch was chosen without a world that gives it (not modelled): no case.
    forced: tuple[str, ...] = ()
    prompts: int = 0
    prompt_seconds: int = 0
    #: Steps before the first queue or agent (transfer to queue, or a queue the contact waits
    #: in); None when the path never reaches one.
    prompts_before_queue: int | None = None
    #: The queue the contact ends in (queued paths), and the attributes at the end.
    queue: str | None = None
    attrs: tuple[tuple[str, str], ...] = ()
    #: Indexes of the steps that spoke to or heard from the contact (prompts, messages, input).
    talk: tuple[int, ...] = ()
    #: The block a path cut by the loop bound was about to run again (`flow/block`).
    head: str | None = None

    @property
    def signature(self) -> tuple[Any, ...]:
        return (self.flow, self.steps, self.end)


@dataclass
class Space:
    """What every run of a program shares: the program, derived answers and the graph."""

    program: Program
    derived: Derived
    graph: Graph
    loops: int = 2
    max_steps: int = 1000
    #: (flow, block, type, service) of blocks whose step asked an unmodelled service.
    unmodelled: set[tuple[str, str, str, str]] = field(default_factory=set)
    #: Per block, the block names still reachable from it (`graph.ahead`).
    ahead: list[Ahead] | None = None
    #: Whether the prompts played so far are part of a run's state (for --max-prompts).
    track_prompts: bool = False


def failure_branch(node: Node) -> str:
    """The branch a block the world makes fail takes (as the interpreter does)."""
    targets = node.targets
    if "error" in targets or node.type != "connect-action":
        return "error"
    return next((b for b in targets if b != "success" and not b.startswith("condition-")), "error")


def _end_kind(rt: ChoiceRuntime, branch: str) -> str:
    stop = rt.stop
    if stop is None:
        return "error" if branch == "error" else "disconnected"
    kind = stop[0]
    if kind == "end":
        return "queued" if rt.queued is not None else "ended"
    return {
        "queued": "queued",
        "number": "transferred-to-number",
        "disconnect": "disconnected",
    }.get(kind, "error")


def _words_seconds(text: str) -> int:
    """Seconds a prompt takes to speak, estimated at 150 words a minute."""
    words = len(str(text).split())
    return (words * 60 + 149) // 150


def run_path(space: Space, flow: str, chooser: Chooser) -> Path:
    """Run one path of `flow`, answering the world's questions with `chooser`."""
    program, g = space.program, space.graph
    cflow = program.flows[flow]
    # An outbound email flow runs for email contacts only (an agent's forward or reply).
    channels = (
        ["EMAIL"]
        if cflow.type == "outbound-email"
        else ["VOICE", *(c for c in space.derived.values.get(("Channel",), ()) if c in CHANNELS)]
    )
    channel = chooser.choose(("channel",), list(dict.fromkeys(channels)))
    queue = None
    inst = program.instance
    if cflow.type in ("customer-queue", "queue-transfer", "agent-transfer") and inst is not None:
        queue = chooser.choose(("contact-queue",), [*sorted(inst.queues)[:1], None])
    caller = None
    if space.derived.reads_customer:
        # A step may read the caller's address directly: the contact has one (no choice).
        caller = chooser.choose(
            ("endpoint", "CustomerEndpoint", "Address"),
            [_sample(("CustomerEndpoint", "Address"), channel)],
        )
    contact = PreparedContact(channel=channel, queue=queue, customer_endpoint=caller)
    world = ChoiceWorld(clock=parse_clock(DEFAULT_CLOCK), clock_default=False)
    rt = ChoiceRuntime(program, contact, world, "explore", chooser, space.derived)
    chooser.runtime = rt
    rt.loop_bound = space.loops
    rt.email_start = cflow.type == "contact"
    if queue is not None:
        rt.queue = ("queue", queue)
        if cflow.type == "customer-queue":
            rt.queued = rt.queue
    steps: list[Step] = []
    forced: list[str] = []
    node = cflow.nodes[cflow.start]
    loops = 0
    end = "step-limit"
    fell = False
    visits: dict[int, int] = {}
    talk: list[int] = []
    head: str | None = None
    prompts = seconds = 0
    before_queue: int | None = None
    facts = rt.facts
    for _ in range(space.max_steps):
        nid = g.ids[(cflow.name, node.name)]
        rt.where = (nid, loops, prompts if space.track_prompts else 0)
        # Inside a module, what is ahead includes the invoking flow's blocks after it returns:
        # nothing is left out of the run's state there.
        rt.ahead = space.ahead[nid] if space.ahead is not None and not rt.svc.stack else None
        fail_key = ("fault", node.name)
        failing = chooser.decided.get(fail_key, False)
        fb = failure_branch(node)
        if fail_key not in chooser.decided and fb in node.exits:
            failing = chooser.choose(fail_key, (False, True))
        mark = len(facts)
        if failing:
            branch = fb
        else:
            rt.unmodelled = None
            try:
                branch = node.step(node, rt)
            except Exception:  # noqa: BLE001 - a run never ends in a traceback
                steps.append((cflow.name, node.name, "error"))
                end = "error"
                break
            if rt.unmodelled is not None:
                space.unmodelled.add((cflow.name, node.name, node.type, rt.unmodelled))
                options = [branch, *(b for b in node.exits if b != branch)]
                visit = visits[nid] = visits.get(nid, 0) + 1
                chosen = chooser.choose(("forced", cflow.name, node.name, visit), options)
                if chosen != branch:
                    rt.stop, branch = None, chosen
                    forced.append(f"{cflow.name}/{node.name}")
        for fact in facts[mark:]:
            if fact[0] in TALK:
                talk.append(len(steps))
            if fact[0] == "prompt" and before_queue is None:
                prompts += 1
                seconds += _words_seconds(fact[1])
        if before_queue is None and (rt.queued is not None or rt.stop and rt.stop[0] == "queued"):
            before_queue = prompts
        steps.append((cflow.name, node.name, branch))
        nxt = node.exits.get(branch)
        edge = (nid, branch)
        stack = rt.svc.stack
        if nxt is None:
            stop = rt.stop
            if stop is not None and stop[0] == "flow":
                rt.stop = None
                cflow = stop[1]
                node = cflow.nodes[cflow.start]
                edge = (nid, TRANSFER)
            elif stop is not None and stop[0] == "module":
                # invoke-module runs the module's blocks, as the interpreter does.
                rt.stop = None
                stack.append((cflow, node))
                cflow = stop[1]
                node = cflow.nodes[cflow.start]
                edge = (nid, TRANSFER)
            elif stop is not None and stop[0] == "end" and stack:
                # The module ended: the invoking block's second step takes `success`.
                rt.stop = None
                cflow, node = stack.pop()
                steps.append((cflow.name, node.name, "success"))
                nid = g.ids[(cflow.name, node.name)]
                edge = (nid, "success")
                nxt = node.exits.get("success")
                if nxt is None:
                    end, fell = _end_kind(rt, "success"), True
                    break
                node = nxt
            else:
                end = _end_kind(rt, branch)
                fell = stop is None
                break
        else:
            node = nxt
        if edge in g.back:
            loops += 1
            if loops > space.loops:
                end = "loop-bound"
                head = f"{cflow.name}/{node.name}"
                break
    clock = rt.clocks[0].clock.isoformat() if rt.clocks else DEFAULT_CLOCK
    return Path(
        flow,
        tuple(steps),
        end,
        fell,
        tuple(chooser.answers),
        clock,
        tuple(forced),
        prompts,
        seconds,
        before_queue,
        _queue_name(rt, end),
        tuple(sorted(dict.items(rt.attrs))),
        tuple(dict.fromkeys(talk)),
        head,
    )


def _queue_name(rt: ChoiceRuntime, end: str) -> str | None:
    if end != "queued":
        return None
    stop = rt.stop
    q = stop[1] if stop is not None and stop[0] == "queued" else rt.queued
    return str(q[1]) if isinstance(q, tuple) else None


def explore_flow(
    space: Space,
    flow: str,
    max_runs: int,
    on_path: Callable[[Path], None],
    *,
    merge: bool = False,
) -> tuple[int, bool]:
    """Every path of `flow`, each given once to `on_path`; (runs made, whether complete).

    With `merge`, a choice point reached in a state an earlier run already branched from is not
    branched from again: its futures are the same, so every branch, end and loop is still found
    (`ChoiceRuntime.state_key`), but not every path.
    """
    seen: set[tuple[Any, ...]] = set()
    runs = 0
    for path in _scripts(space, flow, merge):
        runs += 1
        if path.signature not in seen:
            seen.add(path.signature)
            on_path(path)
        if runs >= max_runs:
            return runs, False
    return runs, True


def rt_key(chooser: Chooser) -> Any:
    """The state of the run `chooser` answers (set by `run_path` as `chooser.runtime`)."""
    rt: ChoiceRuntime | None = chooser.runtime
    if rt is None:  # the contact's own choices, before the run starts
        return ("start", tuple(chooser.answers))
    return rt.state_key()


def _scripts(space: Space, flow: str, merge: bool) -> Iterator[Path]:
    stack: list[tuple[int, ...]] = [()]
    expanded: set[Any] = set()
    while stack:
        script = stack.pop()
        chooser = Chooser(script)
        if merge:
            chooser.keyer = partial(rt_key, chooser)
        path = run_path(space, flow, chooser)
        yield path
        trail = chooser.trail
        taken = tuple(i for _, i in trail)
        for d in range(len(script), len(trail)):
            if merge:
                key = chooser.keys[d]
                if key in expanded:
                    continue
                expanded.add(key)
            n = trail[d][0]
            for j in range(n - 1, 0, -1):
                stack.append((*taken[:d], j))

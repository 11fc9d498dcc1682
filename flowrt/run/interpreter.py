"""Stage 5, run: walk a compiled flow with one contact in a deterministic world.

The interpreter reads the compiled graph only (`Program` -> `CompiledFlow` -> `Node`).  A step is
`node.step(node, rt)`: the closure its block type's `compile_step` built once at compile time
(flowrt.lang.blocks, with accessors from flowrt.lang.steps), returning the branch taken;
`node.exits` maps a connected branch to the next node.  `rt` is the run's `Runtime`
(flowrt.run.runtime).  The loop is kept tight: per step, one call, one marker appended to the run's
log and one dict lookup.  What a step found out (the values it compared, capacity figures,
attribute changes, prompts) is kept as small "fact" tuples in the same log and only turned into
records, text or JSON when the trace is read (flowrt.run.trace).

A run step ends the flow by setting `rt.stop` and returning `STOP`; a branch that is not connected
also ends it (Amazon Connect disconnects the contact).  A step limit turns a runaway loop into a
diagnostic (FR107) naming the cycle: the blocks since the last block of the run last ran before,
found in one pass over the whole log however long the cycle (across flows too); when that block
never ran before, the run was not looping and the diagnostic says the path is longer than the
step limit allows.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic, FlowrtError, suggestion
from flowrt.lang.compiler import DEFAULT_MAX_STEPS as DEFAULT_MAX_STEPS
from flowrt.lang.steps import label
from flowrt.run.runtime import Runtime
from flowrt.run.trace import Outcome, Result, Trace, records_from_log
from flowrt.run.world import PreparedContact, PreparedWorld, empty_world

if TYPE_CHECKING:
    from flowrt.lang.compiler import CompiledFlow, Node, Program

_NAMESPACE = uuid.UUID("5a1e6c3e-0f1b-4c7e-9a52-6b7a1f0e2d41")

#: The closed set of outcome kinds.
OUTCOME_KINDS = (
    "queued",
    "transferred-to-number",
    "disconnected",
    "ended",
    "error",
    "step-limit",
)

Record = tuple["CompiledFlow", "Node", str, "list[tuple[Any, ...]] | None", "list[str] | None"]

#: The largest step limit a run accepts: a run's log grows with its steps, so this bounds the
#: memory of a runaway run (`max_steps=`, `--max-steps`).
MAX_STEPS_LIMIT = 1_000_000


@lru_cache(maxsize=4096)  # bounded: a run of a million cases has a million names
def contact_id_for(*parts: str) -> str:
    """A deterministic ContactId for a run (uuid5 of its scenario and case names)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


# ---------------------------------------------------------------------------------------------
# running


def _flow_for(program: Program, contact: PreparedContact, flow: str | None) -> CompiledFlow:
    if flow is not None:
        if flow not in program.flows:
            shown = flow[:80] if flow[:80].isprintable() else repr(flow[:80])[1:-1]
            if len(flow) > 80:
                shown += f"... ({len(flow):,} characters)"
            hint = suggestion(flow, program.flows) if len(flow) <= 200 else ""
            names = ", ".join(sorted(program.flows)[:20]) or "none"
            raise FlowrtError(
                [
                    Diagnostic.make(
                        "FR100",
                        f"unknown flow `{shown}`{hint}",
                        None,
                        f"give the name of a flow of the project ({names})",
                    )
                ]
            )
        return program.flows[flow]
    inst = program.instance
    endpoint = contact.system_endpoint
    if inst is not None and endpoint is not None:
        target = None
        if endpoint in inst.phone_numbers:
            target = inst.phone_numbers[endpoint].flow
        elif endpoint in inst.email_addresses:
            target = inst.email_addresses[endpoint].flow
        if target in program.flows:
            return program.flows[target]
    contact_flows = [f for f in program.flows.values() if f.type == "contact"]
    if len(contact_flows) == 1:
        return contact_flows[0]
    raise FlowrtError(
        [
            Diagnostic.make(
                "FR100",
                "which flow should run? give `flow=`, or a system endpoint whose number or "
                "address names a flow in the instance",
            )
        ]
    )


def run(
    program: Program,
    contact: PreparedContact | None,
    world: PreparedWorld | None = None,
    *,
    flow: str | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    contact_id: str | None = None,
) -> Result:
    """Run one prepared contact through a flow of `program` in `world`; never raises for a bad
    flow run.

    This is the one run loop of every channel: a call, a chat, a task, and each flow an email
    contact starts (flowrt.email.session).  Scenario models and plain dicts are prepared, and
    email cases handed to their channel, one layer up (`flowrt.scenario.run.run_contact`, which
    `Program.run` calls).  The flow is `flow`, else the flow the instance assigns to the
    contact's system endpoint, else the project's only contact flow.
    """
    return run_prepared(program, contact, world, flow, max_steps, contact_id)


def run_prepared(
    program: Program,
    contact: PreparedContact | None,
    world: PreparedWorld | None,
    flow: str | None,
    max_steps: int,
    contact_id: str | None,
) -> Result:
    """`run`, its arguments by position: what `run_contact` calls for every contact (keyword
    arguments are matched to parameters by name at every call, on a path run 10^6 times)."""
    pc = contact if contact is not None else PreparedContact()
    pw = world if world is not None else empty_world()
    flows = program.flows
    cflow = flows[flow] if flow in flows else _flow_for(program, pc, flow)
    cid = contact_id or _DEFAULT_IDS.get(cflow.name) or _default_contact_id(cflow.name)
    rt = Runtime(program, pc, pw, cid)
    if pc.queue is not None:
        rt.queue = pc.queue if isinstance(pc.queue, tuple) else ("queue", pc.queue)
        if cflow.type == "customer-queue":
            rt.queued = rt.queue
    if not 0 < max_steps <= MAX_STEPS_LIMIT:  # checked where users give it; never clamped
        raise FlowrtError(
            [Diagnostic.make("FR013", f"max_steps must be from 1 to {MAX_STEPS_LIMIT:,}")]
        )
    outcome = _loop(rt, cflow, max_steps)
    if outcome.kind == "step-limit":
        trace = Trace(None, pc, pw, cid, rt.facts)
        outcome, diag = _step_limit(outcome, trace.records, max_steps)
        return Result(outcome, trace, [diag], cid)
    return _result(outcome, pc, pw, cid, rt.facts)


def _result(
    outcome: Outcome,
    contact: PreparedContact,
    world: PreparedWorld,
    contact_id: str,
    log: list[tuple[Any, ...]],
) -> Result:
    """`Result(outcome, Trace(None, contact, world, contact_id, log), [], contact_id)`, its slots
    set here: a class's `__init__` is a Python call that costs more than the stores it makes,
    twice a run.  tests/test_run_speed.py checks that every slot is set as the `__init__`s set it."""
    trace = _new(Trace)
    trace._records = None
    trace._log = log
    trace.contact = contact
    trace.world = world
    trace.contact_id = contact_id
    result = _new(Result)
    result.outcome = outcome
    result.trace = trace
    result.diagnostics = []
    result.contact_id = contact_id
    return result


_new = object.__new__


#: The ContactId of a run given none, by flow name (`contact_id_for("flowrt", flow)`): a dict
#: lookup per run instead of hashing the parts again.
_DEFAULT_IDS: dict[str, str] = {}


def _default_contact_id(flow: str) -> str:
    cid = _DEFAULT_IDS.get(flow)
    if cid is None:
        if len(_DEFAULT_IDS) >= 4096:  # bounded: flow names come from the projects run
            _DEFAULT_IDS.clear()
        cid = _DEFAULT_IDS[flow] = contact_id_for("flowrt", flow)
    return cid


def _loop(rt: Runtime, cflow: CompiledFlow, max_steps: int) -> Outcome:
    """Run steps until the flow ends; the run's log is `rt.facts` (see `Trace`).

    The steps append their facts to the log; after each step the loop appends its marker,
    `(node, branch)` or `(node, branch, missing references)`, so a step's facts are the entries
    since the previous marker.  No list is made per step.
    """
    log = rt.facts
    append = log.append
    flows = [cflow.name]
    node = cflow.nodes[cflow.start]
    faults = rt.world.errors
    # The run's one list of the references a step found missing (`rt.missing`, which the steps
    # append to), read here without an attribute lookup per step: emptied after each step that
    # noted one, its texts kept in the step's marker.
    missing = rt.missing
    try:
        for _ in range(max_steps):
            if faults and node.name in faults:
                rt.fact("error", "the world makes this block fail (errors:)")
                branch = _failure_branch(node)
            else:
                branch = node.step(node, rt)
            if missing:
                append((node, branch, missing[:]))
                missing.clear()
                rt._seen = None  # `note_missing`'s set of the texts noted in the step
            else:
                append((node, branch))
            nxt = node.exits.get(branch)
            if nxt is None:
                stop = rt.stop
                if stop is not None and stop[0] == "flow":
                    rt.stop = None
                    cflow = stop[1]
                    flows.append(cflow.name)
                    node = cflow.nodes[cflow.start]
                    continue
                # `_svc`, not `svc`: a run that used no services has no module running, and
                # reading `svc` would build them.
                if stop is not None and (
                    stop[0] == "module"
                    or (stop[0] == "end" and rt._svc is not None and rt._svc.stack)
                ):
                    # invoke-module runs the module's blocks (their records name the module's
                    # flow); its end is a second step of the invoking block, which takes
                    # `success`.  `flows` lists transfers only.
                    rt.stop = None
                    if stop[0] == "module":
                        rt.svc.stack.append((cflow, node))
                        cflow, node = stop[1], stop[1].nodes[stop[1].start]
                        continue
                    module = cflow.name
                    cflow, node = rt.svc.stack.pop()
                    # The invoking block's second step: the module's return, its `success`.
                    rt.fact("note", f"module {module} ended: back in flow {cflow.name}")
                    append((node, "success"))
                    nxt = node.exits.get("success")
                    if nxt is None:
                        return _finish(rt, cflow, node, "success", tuple(flows), log)
                    node = nxt
                    continue
                return _finish(rt, cflow, node, branch, tuple(flows), log)
            node = nxt
    except Exception as exc:  # noqa: BLE001 - a run never ends in a traceback
        # What the failed step wrote before it failed is dropped: only the error is shown.
        while log and type(log[-1][0]) is str:
            log.pop()
        append(("error", f"internal error: {exc!r}"))
        append((node, "error"))
        return Outcome(
            "error",
            cflow.name,
            node.name,
            reason=f"internal error in block `{node.name}`: {exc!r}",
            flows=tuple(flows),
        )
    # The cycle (or that there is none) is found by `run`, from the records.
    return Outcome(
        "step-limit",
        cflow.name,
        node.name,
        flows=tuple(flows),
        reason=f"more than {max_steps} steps",
    )


def _failure_branch(node: Node) -> str:
    """The branch a failing block takes: `error`, or a connect-action's first error type."""
    targets = node.targets
    if "error" in targets or node.type != "connect-action":
        return "error"
    return next((b for b in targets if b != "success" and not b.startswith("condition-")), "error")


def _finish(
    rt: Runtime,
    cflow: CompiledFlow,
    node: Node,
    branch: str,
    flows: tuple[str, ...],
    log: list[tuple[Any, ...]],
) -> Outcome:
    stop = rt.stop
    name = node.name
    if stop is None:
        if branch == "error":
            reason = next(
                (f[1] for f in reversed(records_from_log(log)[-1][3] or ()) if f[0] == "error"),
                "the block failed",
            )
            return Outcome(
                "error",
                cflow.name,
                name,
                reason=f"block `{name}` took `error` ({reason}), which is not connected",
                flows=flows,
            )
        return Outcome(
            "disconnected",
            cflow.name,
            name,
            reason=f"branch `{branch}` of block "
            f"`{name}` is not connected; Amazon Connect disconnects the contact",
            flows=flows,
        )
    kind = stop[0]
    if kind == "end":
        if rt.queued is not None:
            return _shared_outcome("queued", cflow.name, name, label(rt.queued), flows)
        return _shared_outcome("ended", cflow.name, name, None, flows)
    if kind == "queued":
        return _shared_outcome("queued", cflow.name, name, label(stop[1]), flows)
    if kind == "number":
        return Outcome("transferred-to-number", cflow.name, name, number=stop[1], flows=flows)
    if kind == "disconnect":
        return _shared_outcome("disconnected", cflow.name, name, None, flows)
    return Outcome("error", cflow.name, name, reason=str(stop[1]), flows=flows)


_OUTCOMES: dict[tuple[Any, ...], Outcome] = {}


def _shared_outcome(
    kind: str, flow: str, block: str, queue: str | None, flows: tuple[str, ...]
) -> Outcome:
    """An outcome without a reason: frozen, so equal ones are shared (building one is slow)."""
    key = (kind, flow, block, queue, flows)
    out = _OUTCOMES.get(key)
    if out is None:
        if len(_OUTCOMES) >= 4096:
            _OUTCOMES.clear()
        out = _OUTCOMES[key] = Outcome(kind, flow, block, queue=queue, flows=flows)
    return out


def _cycle(records: list[Record]) -> list[tuple[CompiledFlow, Node]] | None:
    """The loop the run was caught in: the steps from the previous run of the last block to the
    end, rotated to start at the block of the loop the run entered first; None when the last
    block never ran before (the run was not looping).  One pass over the whole log, however long
    the loop, across flows too (a node is one block of one flow: a (flow, block) state)."""
    last_seen: dict[int, int] = {}
    first_seen: dict[int, int] = {}
    for i, rec in enumerate(records[:-1]):
        key = id(rec[1])
        last_seen[key] = i
        first_seen.setdefault(key, i)
    start = last_seen.get(id(records[-1][1])) if records else None
    if start is None:
        return None
    members = [(r[0], r[1]) for r in records[start:-1]]
    k = min(range(len(members)), key=lambda j: first_seen[id(members[j][1])])
    return [*members[k:], *members[:k], members[k]]


def _step_limit(
    outcome: Outcome, records: list[Record], max_steps: int
) -> tuple[Outcome, Diagnostic]:
    """The step-limit outcome with its cycle, and FR107: the cycle named, or, when the run was
    not looping, that its path is longer than the step limit allows."""
    loop = _cycle(records)
    hint = (
        "give the loop a way out (a counter checked by check-contact-attributes, a timeout "
        "branch to a disconnect), or raise --max-steps if the loop is meant to run this long"
    )
    if loop is None:
        last = records[-1][1] if records else None
        where = f"block `{last.name}` of flow `{records[-1][0].name}`" if last is not None else ""
        message = (
            f"run stopped after {max_steps} steps at {where}, which had not run before: not a "
            f"loop, but a path longer than {max_steps} steps"
        )
        diag = Diagnostic.make(
            "FR107",
            message,
            last.span if last is not None else None,
            "raise --max-steps (max_steps= in Python) above the length of the path",
        )
        return replace(outcome, reason=f"more than {max_steps} steps without a loop"), diag
    many = len({f.name for f, _ in loop}) > 1
    cycle = tuple(f"{f.name}:{n.name}" if many else n.name for f, n in loop)
    diag = Diagnostic.make(
        "FR107",
        f"run stopped after {max_steps} steps: blocks {' -> '.join(cycle)} loop without end",
        loop[0][1].span,
        hint,
    )
    return replace(outcome, cycle=cycle), diag

"""Traces of runs, made readable on demand: text for people, JSON for machines.

A run records one small tuple per step: (flow, node, branch, facts, missing references).  Facts
are tuples `(kind, *values)` written by the run steps; `FACTS` says, per kind, the names of the
values (the JSON keys) and how the fact reads as text.  JSON output is deterministic: sorted keys,
no timestamps, no absolute paths.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flowrt.core.text import printable

if TYPE_CHECKING:
    from flowrt.core.diagnostics import Diagnostic
    from flowrt.run.interpreter import Record
    from flowrt.run.world import PreparedContact, PreparedWorld


def _q(value: Any) -> str:
    return "(unset)" if value is None else json.dumps(value, ensure_ascii=False)


def _compare(subject: str, value: str, matched: str | None) -> str:
    verdict = f"matches `{matched}`" if matched is not None else "no condition matches"
    return f"{subject} is {_q(value)}: {verdict}"


def _capacity(queue: str, contacts: int, maximum: int, source: str, full: bool) -> str:
    verdict = "at capacity" if full else "room for the contact"
    return f"{queue}: {contacts} contact(s) in queue, capacity {maximum} ({source}): {verdict}"


def _lambda(
    function: str,
    call: int,
    parameters: dict[str, str],
    returns: dict[str, str] | None,
    error: str | None,
) -> str:
    params = ", ".join(f"{k}={_q(v)}" for k, v in parameters.items())
    result = (
        f"error {error}"
        if error is not None
        else ("returned " + (", ".join(f"{k}={_q(v)}" for k, v in (returns or {}).items()) or "{}"))
    )
    return f"{function} call #{call}({params}): {result}"


def _transfer(number: str, outcome: str, resume: bool) -> str:
    mode = "resume after disconnect" if resume else "no resume"
    return f"transfer to {number} ({mode}): {outcome}"


def _hours(hours: str, local: str, window: str | None, is_open: bool) -> str:
    today = f"open {window}" if window else "closed all day"
    return f"{hours} at {local}: {today} -> {'in hours' if is_open else 'out of hours'}"


def _set(key: str, old: str | None, new: str) -> str:
    was = "" if old == new else f" (was {_q(old)})"
    return f"$.Attributes.{key} = {_q(new)}{was}"


def _lex(bot: str, heard: str, intent: str | None, slots: Any, session: Any) -> str:
    if intent is None:
        return f"Lex bot {bot}: {heard}, no intent"
    extra = "".join(f", $.Lex.Slots.{k} = {_q(v)}" for k, v in slots)
    extra += "".join(f", $.Lex.SessionAttributes.{k} = {_q(v)}" for k, v in session)
    return f"Lex bot {bot}: {heard} -> intent {intent}{extra}"


def _view(view: str, action: str, result: Any) -> str:
    data = ", ".join(f"{'.'.join(path)} = {_q(v)}" for path, v in result)
    return f"view {view}: {action}" + (f" ($.Views.ViewResultData: {data})" if data else "")


def _profile(action: str, what: str, detail: Any) -> str:
    if action == "search":
        return f"customer profiles with {what}: {detail} found"
    values = ", ".join(f"{k} = {_q(v)}" for k, v in detail)
    return f"customer profile {what} {action}d" + (f": {values}" if values else "")


class _Snapshot:
    """The values a condition's references had when it was evaluated."""

    def __init__(self, values: dict[tuple[str, ...], str | None]) -> None:
        self.values = values

    def resolve(self, path: tuple[str, ...]) -> str | None:
        return self.values.get(path)


def _when(condition: str, values: Any) -> str:
    text: str = _parsed_condition(condition).explain(_Snapshot(dict(values)))
    return text


@lru_cache(maxsize=1024)
def _parsed_condition(condition: str) -> Any:
    # Rendering many traces (flowrt test, goldens) explains the same few conditions many times.
    from flowrt.lang.expr import parse_condition

    return parse_condition(condition)


def _metrics(queue: str, values: Any) -> str:
    return f"{queue}: " + ", ".join(f"$.Metrics.{k} = {v}" for k, v in values)


#: Fact kind -> (value names, text).  The text is a format string or a function of the values.
FACTS: dict[str, tuple[tuple[str, ...], str | Callable[..., str]]] = {
    "prompt": (("prompt",), lambda prompt: f"prompt: {_q(prompt)}"),
    "message": (("message",), lambda message: f"message: {_q(message)}"),
    "media": (("uri",), lambda uri: f"media played: {_q(uri)}"),
    "skipped": (("reason",), "prompt skipped: {reason}"),
    "compare": (("subject", "value", "matched"), _compare),
    "not-a-number": (
        ("value",),
        lambda value: f"{_q(value)} is not a number: number conditions cannot match",
    ),
    "when": (("condition", "values"), _when),
    "capacity": (("queue", "contacts", "maximum", "source", "full"), _capacity),
    "working-queue": (("queue", "previous"), "working queue: {queue} (was {previous})"),
    "queued": (("queue",), "queued in {queue}"),
    "set": (("key", "old", "new"), _set),
    "lambda": (("function", "call", "parameters", "returns", "error"), _lambda),
    "transfer": (("number", "outcome", "resume"), _transfer),
    "input": (("value",), lambda value: f"customer input: {_q(value)}"),
    "hours": (("hours", "local", "window", "open"), _hours),
    "metric": (("queue", "metric", "value"), "{queue}: {metric} = {value}"),
    "metrics": (("queue", "values"), _metrics),
    "staffing": (("queue", "status", "count"), "{queue}: {count} agent(s) {status}"),
    "flow": (("flow",), "transfer to flow {flow}"),
    "not-simulated": (
        ("action",),
        "Amazon Connect action {action} is not simulated: following its first transition",
    ),
    "policy": (
        ("recipients", "decision", "reason"),
        "recipients {recipients}: {decision} ({reason})",
    ),
    "wait": (("queue", "seconds"), "{seconds} s waited in {queue}"),
    # the world's services (flowrt.run.services)
    "lex": (("bot", "heard", "intent", "slots", "session"), _lex),
    "view": (("view", "action", "result"), _view),
    "loop": (("visit", "count", "branch"), "loop visit {visit} of count {count}: {branch}"),
    "module": (("module",), "run module {module}"),
    "profile": (("action", "profile", "detail"), _profile),
    "warning": (("message",), "warning: {message}"),
    "error": (("message",), "error: {message}"),
    "default": (("message",), "default used: {message}"),
    "note": (("message",), "{message}"),
    # What a "set a behaviour" block set (flowrt.lang.blocks.settings): `recording: ...`.
    "setting": (("setting", "value"), "{setting}: {value}"),
}


def fact_text(fact: Sequence[Any]) -> str:
    names, text = FACTS[fact[0]]
    if callable(text):
        return text(*fact[1:])
    return text.format(**dict(zip(names, fact[1:], strict=True)))


def fact_json(fact: Sequence[Any]) -> dict[str, Any]:
    names, _ = FACTS[fact[0]]
    out: dict[str, Any] = {"kind": fact[0], "text": fact_text(fact)}
    out.update(zip(names, fact[1:], strict=True))
    if fact[0] == "when":
        out["values"] = {".".join(("$", *path)): v for path, v in dict(fact[2]).items()}
    elif fact[0] == "metrics":
        out["values"] = dict(fact[2])
    return out


class Trace:
    """The steps of one run, kept raw and rendered on demand.

    A run keeps one log (`flowrt.run.interpreter._loop`): each step's facts, then the step's marker
    `(node, branch)` or `(node, branch, missing references)`.  `records` turns it into one record
    per step, `(flow, node, branch, facts or None, missing or None)`, when first read.
    """

    __slots__ = ("_records", "_log", "contact", "world", "contact_id")

    def __init__(
        self,
        records: list[Record] | None,
        contact: PreparedContact,
        world: PreparedWorld,
        contact_id: str,
        log: list[tuple[Any, ...]] | None = None,
    ) -> None:
        self._records = records
        self._log = log
        self.contact = contact
        self.world = world
        self.contact_id = contact_id

    @property
    def records(self) -> list[Record]:
        """One record per step: (flow, node, branch, facts or None, missing or None)."""
        records = self._records
        if records is None:
            records = self._records = records_from_log(self._log or [])
            self._log = None
        return records

    def __len__(self) -> int:
        return len(self.records)

    def steps(self) -> list[dict[str, Any]]:
        """Every step as a JSON-ready dict."""
        out = []
        for i, (cflow, node, branch, facts, missing) in enumerate(self.records, 1):
            target = node.targets.get(branch) if branch else None
            step: dict[str, Any] = {
                "step": i,
                "flow": cflow.name,
                "block": node.name,
                "type": node.type,
                "branch": branch or None,
                "next": cflow.nodes[target].name if target is not None else None,
                "facts": [fact_json(f) for f in facts or ()],
                "missing": list(missing or ()),
            }
            if branch and branch.startswith("condition-"):
                step["condition"] = node.block.branch_label(branch)
            out.append(step)
        return out

    def render_text(self, outcome: Outcome | None = None) -> str:
        """A readable trace: one line per step and its facts indented below it.

        Each line is one line whatever the names and values hold: control characters, newlines
        included, are shown as escapes (`flowrt.core.text.printable`).  The JSON of `steps` keeps
        them as they are.
        """
        lines = [self._contact_line()]
        width = len(str(len(self.records)))
        flow = None
        for step in self.steps():
            if step["flow"] != flow:
                flow = step["flow"]
                lines.append(f"flow {flow}")
            head = f"  {step['step']:>{width}}. {step['block']} ({step['type']})"
            if step["branch"]:
                label = f" [{step['condition']}]" if "condition" in step else ""
                to = step["next"] or "(not connected)"
                head += f" -> {step['branch']}{label} -> {to}"
            lines.append(head)
            pad = " " * (width + 6)
            lines.extend(pad + f["text"] for f in step["facts"])
            if step["missing"]:
                lines.append(pad + "missing (read as empty): " + ", ".join(step["missing"]))
        if outcome is not None:
            lines.append(f"outcome: {outcome.describe()}")
        return "\n".join(printable(line) for line in lines)

    def _contact_line(self) -> str:
        c = self.contact
        parts = [f"contact {self.contact_id}: {c.channel}"]
        if c.customer_endpoint:
            parts.append(f"from {c.customer_endpoint}")
        if c.system_endpoint:
            parts.append(f"to {c.system_endpoint}")
        if c.attributes:
            parts.append("attributes " + ", ".join(f"{k}={v}" for k, v in c.attributes.items()))
        clock = self.world.clock.isoformat()
        parts.append(f"clock {clock}" + (" (default)" if self.world.clock_default else ""))
        return ", ".join(parts)


def records_from_log(log: list[tuple[Any, ...]]) -> list[Record]:
    """The per-step records of a run's log (see `Trace`)."""
    records: list[Record] = []
    facts: list[tuple[Any, ...]] = []
    for entry in log:
        if type(entry[0]) is str:
            facts.append(entry)
            continue
        node = entry[0]
        missing = entry[2] if len(entry) == 3 else None
        records.append((node.flow, node, entry[1], facts or None, missing))
        facts = []
    return records


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended: one of `OUTCOME_KINDS`, with the details that kind has."""

    kind: str
    flow: str
    block: str | None = None
    queue: str | None = None
    number: str | None = None
    reason: str | None = None
    flows: tuple[str, ...] = ()
    cycle: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.kind in ("error", "step-limit")

    def describe(self) -> str:
        """One line: `queued in Premium`, `transferred to flow b, then disconnected (...)`."""
        head = "".join(f"transferred to flow {f}, then " for f in self.flows[1:])
        kind = self.kind
        if kind == "queued":
            text = f"queued in {self.queue}"
        elif kind == "transferred-to-number":
            text = f"transferred to number {self.number}"
        elif kind == "step-limit" and self.cycle:
            text = "step limit exceeded in cycle " + " -> ".join(self.cycle)
        elif kind == "step-limit":  # no loop: a path longer than the step limit (the reason)
            text = "step limit exceeded"
        else:
            text = kind
        if self.reason and (kind != "step-limit" or not self.cycle):
            text += f" ({self.reason})"
        return head + text

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "flow": self.flow, "flows": list(self.flows)}
        for key in ("block", "queue", "number", "reason"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.cycle:
            out["cycle"] = list(self.cycle)
        out["summary"] = self.describe()
        return out


class Result:
    """A finished run: its `outcome`, its `trace` and any diagnostics (the step limit)."""

    __slots__ = ("outcome", "trace", "diagnostics", "contact_id")

    def __init__(
        self, outcome: Outcome, trace: Trace, diagnostics: list[Diagnostic], contact_id: str
    ) -> None:
        self.outcome = outcome
        self.trace = trace
        self.diagnostics = diagnostics
        self.contact_id = contact_id

    @property
    def ok(self) -> bool:
        """True when the run completed (no error outcome, no step limit)."""
        return not self.outcome.is_error

    def branches(self) -> list[tuple[str, str]]:
        """(block, branch) of every step, in order."""
        return [(node.name, branch or "-") for _, node, branch, _, _ in self.trace.records]

    def as_json(self) -> dict[str, Any]:
        return {
            "contact-id": self.contact_id,
            "outcome": self.outcome.as_json(),
            "steps": self.trace.steps(),
            "diagnostics": [d.as_json() for d in self.diagnostics],
        }

    def render_text(self) -> str:
        return self.trace.render_text(self.outcome)

    def __repr__(self) -> str:
        return f"Result({self.outcome.describe()!r}, steps={len(self.trace.records)})"

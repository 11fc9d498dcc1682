"""What a program tests, worked out once: the interesting answers a world can give.

Exploring a flow means trying every answer the world can give at each choice point.  Most
answers (a Lambda's returned value, a contact attribute, a customer's input, a queue metric) are
drawn from an unbounded set, but only a few values make a difference: those the program's
conditions compare against.  `Derived` collects them from the compiled conditions of every block
(each block's `matchers`, whatever its type), follows `set-contact-attributes` copies
(`tier: $.External.tier`) so that a value tested on the copy is tried on the source, and works
out the clock classes of the instance's hours of operation: one instant per distinct combination
of "open / closed" over all hours, so that hours checks are answered by a real clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flowrt.lang.instance import DAYS
from flowrt.run.world import DEFAULT_CLOCK, parse_clock

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node, Program

Path = tuple[str, ...]
#: Metric reference -> the queue state field it reads (Get queue metrics, `$.Metrics`).
METRIC_FIELDS: dict[Path, str] = {
    ("Metrics", "Queue", "Size"): "contacts",
    ("Metrics", "Queue", "OldestContactAge"): "oldest",
    ("Metrics", "Agents", "Online", "Count"): "online",
    ("Metrics", "Agents", "Available", "Count"): "available",
    ("Metrics", "Agents", "Staffed", "Count"): "staffed",
}
#: A block's `metric:` parameter -> the queue state field (Check queue status).
METRIC_PARAMS = {"contacts-in-queue": "contacts", "oldest-contact-age": "oldest"}
CHANNELS = ("VOICE", "CHAT", "TASK", "EMAIL")
#: A customer input no condition of the examples tests (tried for `no-match`).
NO_MATCH_INPUTS = ("0", "9", "#", "*", "no-match")
#: How many distinct values of one reference are tried, at most (bounds the paths).
MAX_VALUES = 16


@dataclass(frozen=True)
class ClockClass:
    """One instant and whether each hours of operation is open then (None: unknown zone)."""

    clock: datetime
    open: tuple[tuple[str, bool | None], ...]

    def is_open(self, hours: str) -> bool | None:
        return dict(self.open).get(hours)


@dataclass
class Derived:
    """The values worth trying, by what reads them."""

    values: dict[Path, list[str]] = field(default_factory=dict)
    inputs: dict[str, list[str]] = field(default_factory=dict)
    #: Per block, the values its own conditions test (a Lex intent, a view's action, an input).
    answers: dict[str, list[str]] = field(default_factory=dict)
    metrics: dict[str, list[int]] = field(default_factory=dict)
    clocks: list[ClockClass] = field(default_factory=list)
    #: Whether some block reads the caller's address (a run step may read it directly).
    reads_customer: bool = False
    #: The answers of the world's block answers (flowrt.explore.answers): the percentage draws
    #: worth trying, the Voice ID results per check option, the wait events per wait block.
    draws: list[int] = field(default_factory=list)
    voice_id: dict[str, list[str]] = field(default_factory=dict)
    wait_events: dict[str, list[str]] = field(default_factory=dict)
    #: The instance's address an email case with a related contact is sent to (None: no email
    #: contact of the program can have a related contact worth trying).
    related: str | None = None

    def candidates(self, path: Path) -> list[str | None]:
        """Absent first (the contact as it comes), then each tested value."""
        return [None, *self.values.get(path, ())]


def _numbers(matchers: tuple[tuple[Any, ...], ...]) -> tuple[list[str], list[int]]:
    """The text operands and the whole numbers around the numeric ones of some conditions."""
    texts: list[str] = []
    nums: list[int] = []
    for _branch, _label, op, text, num, ref, _expr in matchers:
        if ref is not None or op == "when":
            continue  # compared with another reference or an expression: nothing to derive
        if op.startswith("number-") and num is not None:
            base = int(num) if num == int(num) else int(num) + 1
            nums.extend(n for n in (base - 1, base, base + 1) if n >= 0)
            texts.extend(str(n) for n in (base - 1, base, base + 1) if n >= 0)
        elif op == "equals-bool":
            texts.append(text)
        else:
            texts.append(text)
    return texts, nums


def _subject(node: Node) -> Path | None:
    ref = node.prepared.get(("attribute",))
    return tuple(ref.path) if ref is not None and hasattr(ref, "path") else None


def derive(program: Program) -> Derived:
    """Everything `ChoiceRuntime` tries, from the compiled program (deterministic order)."""
    tested: dict[Path, list[str]] = {}
    inputs: dict[str, list[str]] = {}
    metrics: dict[str, list[int]] = {}
    copies: list[tuple[Path, Path]] = []  # (attribute set, the reference it copies)
    for _name, cflow in sorted(program.flows.items()):
        for node in cflow.nodes:
            matchers = node.matchers
            texts, nums = _numbers(matchers)
            subject = _subject(node)
            if subject is not None:
                tested.setdefault(subject, []).extend(texts)
                if subject in METRIC_FIELDS:
                    metrics.setdefault(METRIC_FIELDS[subject], []).extend(nums)
            _names(node, program, tested)
            metric = getattr(node.block, "metric", None)
            if isinstance(metric, str) and metric in METRIC_PARAMS and matchers:
                metrics.setdefault(METRIC_PARAMS[metric], []).extend(nums)
            if node.type == "get-customer-input" or (
                matchers and subject is None and metric is None
            ):
                inputs.setdefault(node.name, []).extend(texts)
            for entry in node.prepared.get(("run", "attributes"), ()):
                key, _kind, arg, text = entry
                if isinstance(text, str) and text.startswith("$."):
                    ref_path = _ref_path(text)
                    if ref_path is not None:
                        copies.append((("Attributes", key), ref_path))
    for _ in range(8):  # copies of copies, a few levels deep at most
        changed = False
        for dest, src in copies:
            for value in tested.get(dest, ()):
                if value not in tested.setdefault(src, []):
                    tested[src].append(value)
                    changed = True
        if not changed:
            break
    from flowrt.explore.graph import reads

    reads_customer = any(
        ("CustomerEndpoint", "Address") in reads(node)
        for cflow in program.flows.values()
        for node in cflow.nodes
    )
    from flowrt.explore.answers import block_answers

    draws, voice_id, wait_events = block_answers(program, tested, _ref_path)
    from flowrt.explore.answers import related_destination

    related = related_destination(program)
    if related is not None:
        # Only an email contact can have a related contact: try one.
        channels = tested.setdefault(("Channel",), [])
        if "EMAIL" not in channels:
            channels.append("EMAIL")
    values = {path: _unique(vals)[:MAX_VALUES] for path, vals in tested.items()}
    return Derived(
        values=values,
        inputs={name: _inputs(vals) for name, vals in inputs.items()},
        answers={name: _unique(vals)[:MAX_VALUES] for name, vals in inputs.items()},
        metrics={name: sorted(set(vals))[:MAX_VALUES] for name, vals in metrics.items()},
        clocks=clock_classes(program),
        reads_customer=reads_customer,
        draws=draws,
        voice_id=voice_id,
        wait_events=wait_events,
        related=related,
    )


def _names(node: Node, program: Program, tested: dict[Path, list[str]]) -> None:
    """A queue or agent given by a reference: the instance's queue ARNs or user names are the
    values worth trying (any block type with a `queue:` or `agent:` parameter)."""
    inst = program.instance
    if inst is None:
        return
    for name, values in (
        ("agent", sorted(inst.users)),
        ("queue", [inst.queue_arn(q) for q in sorted(inst.queues)]),
    ):
        text = getattr(node.block, name, None)
        if isinstance(text, str) and text.startswith("$."):
            path = _ref_path(text) or tuple(text[2:].split("."))
            tested.setdefault(path, []).extend(v for v in values if v)


def _ref_path(text: str) -> Path | None:
    parts = text[2:].split(".")
    if len(parts) == 2 and parts[0] in ("Attributes", "External") and parts[1]:
        return (parts[0], parts[1])
    return None


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def _inputs(tested: list[str]) -> list[str]:
    """A customer's answers worth trying: each tested value, one that matches none, a
    timeout and an error (the `error` input of a scenario world)."""
    vals = _unique(tested)[:MAX_VALUES]
    other = next((v for v in NO_MATCH_INPUTS if v not in vals), "no-match")
    return [*vals, other, "timeout", "error"]


# ---------------------------------------------------------------------------------------------
# hours of operation


def _minutes(hhmm: str) -> int:
    hh, mm = hhmm.split(":")
    return int(hh) * 60 + int(mm)


def open_at(spec: Any, clock: datetime) -> bool | None:
    """Whether hours `spec` are open at `clock`, by the runtime's own rule (flowrt.lang.hours:
    overrides first, then the local weekday's window); None for an unknown zone."""
    from flowrt.lang.hours import open_at as hours_open_at
    from flowrt.run.world import zone

    try:
        local = clock.astimezone(zone(spec.time_zone))
    except Exception:  # noqa: BLE001 - an unknown zone: the block takes error
        return None
    return bool(hours_open_at(spec.days, getattr(spec, "overrides", ()), local)[0])


def boundaries(spec: Any, first: datetime, days: int) -> list[datetime]:
    """The instants (UTC) where `spec` opens or closes, over `days` local days from `first`."""
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(spec.time_zone)
    except Exception:  # noqa: BLE001
        return []
    out: list[datetime] = []
    day0 = first.astimezone(zone).date()
    for d in range(days):
        date = day0 + timedelta(days=d)
        window = spec.days.get(DAYS[date.weekday()])
        if not window:
            continue
        for part in window.split("-"):
            mins = _minutes(part)
            base = datetime(date.year, date.month, date.day, tzinfo=zone)
            local = base + timedelta(minutes=mins)
            out.append(local.astimezone(UTC))
    return out


def clock_classes(program: Program) -> list[ClockClass]:
    """One instant per distinct open/closed combination of the instance's hours of operation
    over the week of the default clock; the default clock's class first, the rest by time."""
    inst = program.instance
    hours = dict(sorted(inst.hours_of_operation.items())) if inst is not None else {}
    default = parse_clock(DEFAULT_CLOCK)
    start = default - timedelta(days=default.weekday(), hours=default.hour)
    instants = {default}
    for spec in hours.values():
        for b in boundaries(spec, start - timedelta(days=1), 9):
            instants.update((b, b - timedelta(minutes=1)))
    classes: dict[tuple[tuple[str, bool | None], ...], datetime] = {}
    for instant in [default, *sorted(instants - {default})]:
        key = tuple((name, open_at(spec, instant)) for name, spec in hours.items())
        classes.setdefault(key, instant)
    return [ClockClass(clock, key) for key, clock in classes.items()]

"""What a run reads: the contact and the world as plain records, prepared once per run.

The scenario layer (flowrt.scenario.model) turns scenario files, models or plain dicts into these
records (`prepare_contact`, `prepare_world`); the interpreter and the runtime read only them, so
a run never touches pydantic.  The attribute limits of Amazon Connect's contact attributes live
here too, because both the scenario checks and a running flow enforce them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

#: Amazon Connect's limit on a contact's attributes: keys and values, in UTF-8 bytes.
MAX_ATTRIBUTE_BYTES = 32_768
ATTRIBUTE_KEY_PATTERN = r"^[A-Za-z0-9_-]+$"
#: The clock of a world that names none (a Monday, noon UTC).
DEFAULT_CLOCK = "2026-01-05T12:00:00+00:00"
_KEY_RE = re.compile(ATTRIBUTE_KEY_PATTERN)


@dataclass(slots=True, frozen=True, eq=False)
class PreparedQueue:
    """A queue's state as plain values; never changed, and compared by identity (runs cache
    what they work out from a state under the state itself)."""

    contacts: int = 0
    oldest: int = 0
    online: int = 0
    available: int = 0
    staffed: int = 0
    answer_after: int | None = None


@dataclass(slots=True, frozen=True)
class PreparedIntent:
    """A Lex bot's intent: what the customer says (lower case) or presses to reach it, and the
    slots and session attributes it returns."""

    name: str
    utterances: tuple[str, ...] = ()
    dtmf: tuple[str, ...] = ()
    slots: tuple[tuple[str, str], ...] = ()
    session: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True, frozen=True)
class LexAnswer:
    """One visit of a lex-bot block: `kind` is says, presses, intent, timeout or error."""

    kind: str
    text: str = ""
    slots: tuple[tuple[str, str], ...] = ()
    session: tuple[tuple[str, str], ...] = ()
    confidence: str | None = None


@dataclass(slots=True, frozen=True)
class ViewAnswer:
    """One visit of a show-view block: `kind` is action, timeout or error; `result` is
    `$.Views.ViewResultData` flattened to (path, value) pairs."""

    kind: str
    action: str = ""
    result: tuple[tuple[tuple[str, ...], str], ...] = ()


@dataclass(slots=True)
class PreparedWorld:
    """A world as plain values; read-only during runs (per-run counters live in the runtime)."""

    clock: datetime
    clock_default: bool
    queues: dict[str, PreparedQueue] = field(default_factory=dict)
    agent_queues: dict[str, PreparedQueue] = field(default_factory=dict)
    external: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lambdas: dict[str, list[tuple[int, int, dict[str, str] | None, str | None]]] = field(
        default_factory=dict
    )
    input: dict[str, tuple[str, ...]] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    errors: frozenset[str] = frozenset()
    # Answers of the blocks of flowrt.lang.blocks.flow_control, kept together: call progress,
    # Voice ID results by check option, the percentage draw (None: from the contact ID) and
    # how each wait block's wait ends (by block name; absent: WaitCompleted).
    outbound_call_status: str = "CallAnswered"
    voice_id: dict[str, str] = field(
        default_factory=lambda: {
            "enrollmentStatus": "Enrolled",
            "voiceAuthentication": "Authenticated",
            "fraudDetection": "Low risk",
        }
    )
    percentage_draw: int | None = None
    wait_events: dict[str, str] = field(default_factory=dict)
    # -- answers of the world's services: Lex bots, views, customer profiles (flowrt.run.services)
    #: Bot (alias ARN, Lex V1 name or lex-bot block name) -> its intents, in order.
    bots: dict[str, tuple[PreparedIntent, ...]] = field(default_factory=dict)
    #: lex-bot block -> what the customer says or presses, one answer per visit.
    lex: dict[str, tuple[LexAnswer, ...]] = field(default_factory=dict)
    #: show-view block -> what the agent or customer does in the view, one answer per visit.
    views: dict[str, tuple[ViewAnswer, ...]] = field(default_factory=dict)
    #: Customer profiles (Connect field name -> value), copied by each run that changes them.
    profiles: tuple[dict[str, str], ...] = ()
    #: What runs work out from the world alone (e.g. hours at the clock), computed once.
    cache: dict[Any, Any] = field(default_factory=dict)


@dataclass(slots=True)
class PreparedContact:
    """A contact as plain values; `attributes` is copied by each run."""

    channel: str = "VOICE"
    customer_endpoint: str | None = None
    customer_display_name: str | None = None
    system_endpoint: str | None = None
    system_display_name: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    subject: str | None = None
    body: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    queue: str | tuple[str, str] | None = None
    #: Other values flows can read, by reference path (e.g. `("Description",)`): email requests.
    extra: dict[tuple[str, ...], str] = field(default_factory=dict)


def parse_clock(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def call_range(key: str) -> tuple[int, int]:
    """`"2"` -> (2, 2); `"2-3"` -> (2, 3)."""
    lo, _, hi = key.partition("-")
    return int(lo), int(hi or lo)


def empty_world() -> PreparedWorld:
    """The world of a run that gives none: the default clock, no queues, no answers."""
    return PreparedWorld(clock=parse_clock(DEFAULT_CLOCK), clock_default=True)


def attribute_bytes(attrs: Mapping[str, str]) -> int:
    """UTF-8 size of a contact's attributes: keys and values."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in attrs.items())


def attribute_problems(attrs: Mapping[str, str]) -> Iterator[tuple[str, str, str | None]]:
    """(code, message, key or None) for each broken attribute rule (StartEmailContact)."""
    for key in attrs:
        if not _KEY_RE.match(key):
            yield (
                "FR105",
                f"attribute key `{key}` may only hold letters, digits, `-` and `_`",
                key,
            )
    size = attribute_bytes(attrs)
    if size > MAX_ATTRIBUTE_BYTES:
        yield (
            "FR104",
            f"attributes take {size:,} UTF-8 bytes; at most {MAX_ATTRIBUTE_BYTES:,} are allowed",
            None,
        )


@cache
def zone(name: str) -> Any:
    """The IANA time zone `name` (cached; raises for an unknown zone)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


_EMPTY_QUEUE = PreparedQueue()


def table_default() -> PreparedQueue:
    """The state of a queue the world says nothing about: empty, no agents (never changed)."""
    return _EMPTY_QUEUE

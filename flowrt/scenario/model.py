"""Scenario files (`*.scenario.yaml`): sample contacts and the deterministic world they meet.

A scenario file names a default flow, a shared `contact` and `world`, and named `cases`; each case
may override the flow and deep-merges its own contact and world over the shared ones (mappings
merge key by key, lists and scalars replace).  The models here are the one source of truth for the
file's shape (the JSON Schema is generated from them).  `check_scenario` applies the checks the
schema cannot make (names that must exist in the project, attribute limits, Lambda call ranges),
each as a positioned diagnostic.  `prepare_world` / `prepare_contact` turn models or plain dicts
into the plain records the interpreter reads, once per run, outside its hot loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from flowrt.core.diagnostics import Diagnostic, FlowrtError, suggestion
from flowrt.email.actions import AgentAction, EarlierContact
from flowrt.email.request import StartEmailContactRequest
from flowrt.lang.blocks import Model, Scalar, text_of
from flowrt.lang.broken import Reach, reach
from flowrt.run.world import (
    ATTRIBUTE_KEY_PATTERN,
    DEFAULT_CLOCK,
    MAX_ATTRIBUTE_BYTES,
    PreparedContact,
    PreparedQueue,
    PreparedWorld,
    attribute_bytes,
    attribute_problems,
    call_range,
    parse_clock,
)
from flowrt.scenario.answers import BlockAnswers
from flowrt.scenario.expect import Expect
from flowrt.scenario.services import WorldAnswers, check_answers, prepare_answers
from flowrt.scenario.shared import PreparedCache

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.lang.instance import Instance
    from flowrt.lang.loader import Document, JsonPath

CHANNELS = ("VOICE", "CHAT", "TASK", "EMAIL")
EXTERNAL_OUTCOMES = ("answered", "call-failed", "timeout", "never-returns", "error")
#: Attributes of one contact: at most this many UTF-8 bytes, keys and values
#: (StartEmailContact).
CALL_RANGE_PATTERN = r"^[1-9][0-9]*(-[1-9][0-9]*)?$"
CLOCK_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
#: The clock used when a world gives none: a Monday at noon, UTC.
_ATTRS_SCHEMA: dict[str, Any] = {
    "propertyNames": {"pattern": ATTRIBUTE_KEY_PATTERN, "x-flowrt-code": "FR105"}
}

ExternalOutcome = Literal["answered", "call-failed", "timeout", "never-returns", "error"]


class AgentCounts(Model):
    """Agents of a queue by status (Check staffing, Get queue metrics)."""

    online: int = Field(0, ge=0, description="Agents online (any status but offline).")
    available: int = Field(0, ge=0, description="Agents available to take a contact now.")
    staffed: int = Field(0, ge=0, description="Agents staffed (online, busy or in after work).")


class QueueState(Model):
    """The real-time state of one queue as a contact meets it."""

    contacts_in_queue: int = Field(
        0, ge=0, description="Contacts waiting in the queue (compared with its capacity)."
    )
    oldest_contact_age: int = Field(
        0, ge=0, description="Seconds the oldest contact in the queue has waited."
    )
    agents: AgentCounts = Field(
        default_factory=AgentCounts, description="Agents online / available / staffed."
    )
    answer_after: int | None = Field(
        None,
        ge=0,
        description="Seconds after which an agent answers a contact waiting in this queue "
        "(loop-prompts); without it no agent answers during the run.",
    )


class LambdaResponse(Model):
    """One mocked Lambda response: a return value (a mapping, nested for JSON) or an error."""

    returns: dict[str, Scalar | dict[str, Any]] | None = Field(
        None,
        description="The function's result, readable as `$.External.<key>`; a nested object "
        "(a JSON response) is read as `$.External.<key>.<inner key>`.",
    )
    error: str | None = Field(
        None, description="An error (e.g. Timeout, ResourceNotFound): the block takes `error`."
    )


LambdaResponses = Annotated[
    dict[str, LambdaResponse],
    Field(json_schema_extra={"propertyNames": {"pattern": CALL_RANGE_PATTERN}}),
]


class World(BlockAnswers, WorldAnswers):
    """The world a contact meets: queues, clock, external parties, Lambdas, customer input,
    and what Lex bots, views, customer profiles, Voice ID and outbound calls answer."""

    clock: str | None = Field(
        None,
        description="ISO 8601 date and time with an offset, used by check-hours-of-operation.",
        pattern=CLOCK_PATTERN,
        examples=["2026-11-23T09:00:00-05:00"],
    )
    queues: dict[str, QueueState] = Field(
        default_factory=dict, description="Queue name -> its state."
    )
    agent_queues: dict[str, QueueState] = Field(
        default_factory=dict, description="User name -> the state of that agent's queue."
    )
    external: dict[str, ExternalOutcome | list[ExternalOutcome]] = Field(
        default_factory=dict,
        description="Phone number -> what happens when a contact is transferred there (a list: "
        "one per transfer, the last repeats).",
        json_schema_extra={"propertyNames": {"pattern": r"^\+[1-9][0-9]{1,14}$"}},
        examples=[{"+18005550100": "answered"}],
    )
    lambdas: dict[str, LambdaResponses] = Field(
        default_factory=dict,
        description='Lambda function -> responses by call number (`"1"`) or range (`"2-3"`).',
        examples=[{"lookup": {"1": {"returns": {"tier": "gold"}}, "2-3": {"error": "Timeout"}}}],
    )
    input: dict[str, str | int | list[str | int]] = Field(
        default_factory=dict,
        description="get-customer-input block -> what the customer enters (DTMF or text), one "
        "per visit; `timeout` means no input.",
        examples=[{"menu": ["1", "timeout"]}],
    )
    attributes: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Contact attributes to override (applied over the contact's).",
        json_schema_extra=_ATTRS_SCHEMA,
    )
    errors: list[str] = Field(
        default_factory=list,
        description="Blocks that fail: each takes its `error` branch instead of running "
        "(fault injection, to drive error branches).",
    )
    agent_actions: list[AgentAction] = Field(
        default_factory=list,
        description="What agents do with an email contact once it is queued, in order: forward, "
        "reply, outbound-email, transfer (see docs/email.md).",
    )
    contacts: dict[str, EarlierContact] = Field(
        default_factory=dict,
        description="Contacts that already exist, by ContactId (for RelatedContactId).",
    )


class EmailFields(Model):
    """The StartEmailContact fields of an email contact (From is the customer endpoint)."""

    subject: str | None = Field(None, description="Subject (`$.Name`).")
    body: str | None = Field(
        None, description="Plain-text body (`$.Email.EmailMessage.Plaintext`)."
    )
    to: list[str] = Field(
        default_factory=list, description="To recipients (`$.AdditionalEmailRecipients.ToList`)."
    )
    cc: list[str] = Field(
        default_factory=list, description="Cc recipients (`$.AdditionalEmailRecipients.CcList`)."
    )


class Contact(Model):
    """A sample contact: channel, endpoints, attributes and, for email, the message fields."""

    channel: Literal["VOICE", "CHAT", "TASK", "EMAIL"] = Field(
        "VOICE", description="The contact's channel (`$.Channel`)."
    )
    customer_endpoint: str | None = Field(
        None,
        description="Caller number or customer email address (`$.CustomerEndpoint.Address`).",
        examples=["+15555550100"],
    )
    customer_display_name: str | None = Field(
        None, description="Customer display name (`$.CustomerEndpoint.DisplayName`)."
    )
    system_endpoint: str | None = Field(
        None,
        description="Dialled number or instance email address (`$.SystemEndpoint.Address`).",
        examples=["+18005550111"],
    )
    system_display_name: str | None = Field(
        None, description="System display name (`$.SystemEndpoint.DisplayName`)."
    )
    attributes: dict[str, Scalar] = Field(
        default_factory=dict,
        description="User-defined attributes (`$.Attributes.<key>`): keys of letters, digits, "
        "`-` and `_`, at most 32,768 UTF-8 bytes in all.",
        json_schema_extra=_ATTRS_SCHEMA,
    )
    email: EmailFields | None = Field(None, description="Email fields (channel EMAIL).")
    start_email_contact: StartEmailContactRequest | list[StartEmailContactRequest] | None = Field(
        None,
        description="An email contact entering through StartEmailContact (API keys, PascalCase); "
        "a list sends several requests in order (see docs/email.md).",
    )
    queue: str | None = Field(
        None,
        description="The contact's working queue when the flow starts, e.g. the queue a "
        "customer queue flow runs for (the contact waits in it).",
    )


class Case(Model):
    """One case of a scenario: a contact, optionally another flow, and its world."""

    description: str | None = Field(None, description="What this case shows.")
    flow: str | None = Field(None, description="The flow to run (default: the scenario's).")
    contact: Contact | None = Field(None, description="The contact (merged over the shared one).")
    world: World | None = Field(None, description="The world (merged over the shared one).")
    expect: Expect | None = Field(
        None,
        description="Assertions on the run: outcome, blocks visited, branches, attributes, "
        "prompts, email decision (see docs/testing.md).",
    )


class ScenarioFile(Model):
    """A scenario file: a default flow, a shared contact and world, and named cases."""

    scenario: str = Field(description="The scenario's name.", examples=["gold callers"])
    description: str | None = Field(None, description="What the scenario covers.")
    flow: str | None = Field(None, description="The flow the cases run (each case may override).")
    contact: Contact | None = Field(None, description="Shared contact, merged under each case's.")
    world: World | None = Field(None, description="Shared world, merged under each case's.")
    cases: dict[str, Case] = Field(description="Case name -> case.", min_length=1)


# ---------------------------------------------------------------------------------------------
# merging and the cases of a file


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in `over` replaces what `base` had."""
    out = dict(base)
    for key, value in over.items():
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            out[key] = deep_merge(old, value)
        else:
            out[key] = value
    return out


def _dump(model: Model | None) -> dict[str, Any]:
    if model is None:
        return {}
    return model.model_dump(by_alias=True, exclude_unset=True)


@dataclass(frozen=True)
class CaseRun:
    """One case ready to run: the merged contact and world and the flow to run."""

    scenario: str
    case: str
    flow: str | None
    contact: Contact
    world: World
    description: str | None = None


#: Cases' merged contacts and worlds, modelled once per distinct content (frozen, so shared):
#: cases repeat them, and a run prepares a shared model once (flowrt.cli.stream).
_MERGED_CONTACTS: PreparedCache[Contact] = PreparedCache(Contact.model_validate)
_MERGED_WORLDS: PreparedCache[World] = PreparedCache(World.model_validate)

#: Merged cases per scenario file (models are frozen, so they can be shared): validating and
#: running a project (`flowrt test`) both need them.
_CASES: dict[int, tuple[ScenarioFile, list[CaseRun]]] = {}


def cases_of(sf: ScenarioFile) -> list[CaseRun]:
    """Every case of a scenario file with the shared contact and world merged in."""
    hit = _CASES.get(id(sf))
    if hit is not None and hit[0] is sf:
        return list(hit[1])
    out = []
    for name, case in sf.cases.items():
        contact = _MERGED_CONTACTS.get(deep_merge(_dump(sf.contact), _dump(case.contact)))
        world = _MERGED_WORLDS.get(deep_merge(_dump(sf.world), _dump(case.world)))
        out.append(
            CaseRun(sf.scenario, name, case.flow or sf.flow, contact, world, case.description)
        )
    if len(_CASES) > 256:  # a long-lived process (pytest) loads many projects
        _CASES.clear()
    _CASES[id(sf)] = (sf, out)
    return list(out)


# ---------------------------------------------------------------------------------------------
# plain records for the interpreter


def _queue(q: QueueState) -> PreparedQueue:
    a = q.agents
    return PreparedQueue(
        q.contacts_in_queue, q.oldest_contact_age, a.online, a.available, a.staffed, q.answer_after
    )


def _flat(obj: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """A Lambda response as `$.External` keeps it: nested keys joined with `.` (`a.b`)."""
    for key, value in obj.items():
        if isinstance(value, Mapping):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", text_of(value)


def prepare_world(world: World | Mapping[str, Any] | PreparedWorld | None) -> PreparedWorld:
    """A world (model, plain dict or None) as the interpreter's plain record."""
    if isinstance(world, PreparedWorld):
        return world
    w = world if isinstance(world, World) else World.model_validate(dict(world or {}))
    lambdas = {}
    for fn, responses in w.lambdas.items():
        lambdas[fn] = sorted(
            (
                *call_range(k),
                None if r.returns is None else dict(_flat(r.returns)),
                r.error,
            )
            for k, r in responses.items()
        )
    return PreparedWorld(
        clock=parse_clock(w.clock or DEFAULT_CLOCK),
        clock_default=w.clock is None,
        queues={n: _queue(q) for n, q in w.queues.items()},
        agent_queues={n: _queue(q) for n, q in w.agent_queues.items()},
        external={n: (v,) if isinstance(v, str) else tuple(v) for n, v in w.external.items()},
        lambdas=lambdas,
        input={
            b: tuple(map(str, v)) if isinstance(v, list) else (str(v),) for b, v in w.input.items()
        },
        attributes={k: text_of(v) for k, v in w.attributes.items()},
        errors=frozenset(w.errors),
        outbound_call_status=w.outbound_call_status,
        voice_id={
            "enrollmentStatus": w.voice_id.enrollment_status,
            "voiceAuthentication": w.voice_id.voice_authentication,
            "fraudDetection": w.voice_id.fraud_detection,
        },
        percentage_draw=w.percentage_draw,
        wait_events=dict(w.wait_events),
        **prepare_answers(w.bots, w.lex, w.views, w.profiles),
    )


def prepare_contact(
    contact: Contact | Mapping[str, Any] | PreparedContact | None,
) -> PreparedContact:
    """A contact (model, plain dict or None) as the interpreter's plain record.

    Raises FlowrtError when its attributes break the limits (key characters, total size).
    """
    if isinstance(contact, PreparedContact):
        return contact
    c = contact if isinstance(contact, Contact) else Contact.model_validate(dict(contact or {}))
    attrs = {k: text_of(v) for k, v in c.attributes.items()}
    problems = list(attribute_problems(attrs))
    if problems:
        raise FlowrtError([Diagnostic.make(code, msg) for code, msg, _ in problems])
    email = c.email or EmailFields()
    return PreparedContact(
        c.channel,
        c.customer_endpoint,
        c.customer_display_name,
        c.system_endpoint,
        c.system_display_name,
        attrs,
        email.subject,
        email.body,
        tuple(email.to),
        tuple(email.cc),
        c.queue,
    )


# ---------------------------------------------------------------------------------------------
# checks that need the project


class _Checker:
    def __init__(self, doc: Document, program: Program) -> None:
        self.doc = doc
        self.program = program
        self.inst: Instance | None = program.instance
        self.gaps = program.broken.instance
        self.out: list[Diagnostic] = []

    def report(
        self, code: str, message: str, path: JsonPath, hint: str | None = None, key: bool = False
    ) -> None:
        span = self.doc.key_span(path) if key else self.doc.span(path)
        self.out.append(Diagnostic.make(code, message, span, hint))

    def flow(self, name: str | None, path: JsonPath) -> Reach | None:
        flows = self.program.flows
        if name is None:
            self.report(
                "FR100",
                "no flow to run: give `flow:` in the scenario or the case",
                path[:-1],
                "name a flow by its `flow:` key",
            )
            return None
        if name not in flows and name not in self.program.broken.flows:
            self.report(
                "FR100",
                f"unknown flow `{name}`{suggestion(name, flows)}",
                path,
                "flows are named by the `flow:` key of a *.flow.yaml file",
            )
            return None
        return reach(self.program, [name])

    def world(self, w: World | None, base: JsonPath, flows: Reach | None) -> None:
        if w is None:
            return
        inst = self.inst
        if inst is not None:
            for q in w.queues:
                if q not in inst.queues and not self.gaps.unsure("queues", q):
                    self.report(
                        "FR101",
                        f"unknown queue `{q}`{suggestion(q, inst.queues)}",
                        (*base, "queues", q),
                        "queues are declared in instance.yaml",
                        key=True,
                    )
            for u in w.agent_queues:
                if u not in inst.users and not self.gaps.unsure("users", u):
                    self.report(
                        "FR108",
                        f"unknown user `{u}`{suggestion(u, inst.users)}",
                        (*base, "agent-queues", u),
                        "users are declared in instance.yaml",
                        key=True,
                    )
        self.attributes({k: text_of(v) for k, v in w.attributes.items()}, (*base, "attributes"))
        for fn, responses in w.lambdas.items():
            self.lambda_mocks(fn, responses, (*base, "lambdas", fn), flows)
        if flows is None:
            return
        names = flows.names()
        for i, block in enumerate(w.errors):
            if block not in names and not flows.unsure(block):
                self.report(
                    "FR102",
                    f"`{block}` is not a block of the flow{suggestion(block, names)}",
                    (*base, "errors", i),
                )
        check_answers({"lex": w.lex, "views": w.views}, base, flows, self.report)
        inputs = {n.name for f in flows.flows for n in f.nodes if n.type == "get-customer-input"}
        for block in w.input:
            if block not in inputs and not flows.unsure(block):
                what = "is not a get-customer-input block" if block in names else "is not a block"
                self.report(
                    "FR102",
                    f"`{block}` {what} of the flow{suggestion(block, inputs)}",
                    (*base, "input", block),
                    "`input:` is keyed by the name of a get-customer-input block",
                    key=True,
                )

    def lambda_mocks(
        self,
        fn: str,
        responses: Mapping[str, LambdaResponse],
        path: JsonPath,
        flows: Reach | None,
    ) -> None:
        if flows is not None:
            called = {
                n.prepared.get(("function",))
                for f in flows.flows
                for n in f.nodes
                if n.type == "invoke-lambda"
            }
            if fn not in called and not flows.may_use("function", fn):
                self.report(
                    "FR103",
                    f"mock for Lambda function `{fn}`, which the flow never "
                    f"calls{suggestion(fn, [c for c in called if isinstance(c, str)])}",
                    path,
                    "remove the mock, or check the function's name",
                    key=True,
                )
        taken: list[tuple[int, int, str]] = []
        for key, response in responses.items():
            lo, hi = call_range(key)
            if hi < lo:
                self.report(
                    "FR106",
                    f"call range `{key}` is empty (it ends before it starts)",
                    (*path, key),
                    key=True,
                )
            for olo, ohi, other in taken:
                if lo <= ohi and olo <= hi:
                    self.report(
                        "FR106", f"calls `{key}` overlap calls `{other}`", (*path, key), key=True
                    )
            taken.append((lo, hi, key))
            if (response.returns is None) == (response.error is None):
                self.report(
                    "FR106",
                    f"response `{key}` needs exactly one of `returns` or `error`",
                    (*path, key),
                )

    def contact(self, c: Contact | None, base: JsonPath) -> None:
        if c is not None:
            self.attributes({k: text_of(v) for k, v in c.attributes.items()}, (*base, "attributes"))
            inst = self.inst
            if (
                c.queue is not None
                and inst is not None
                and c.queue not in inst.queues
                and not self.gaps.unsure("queues", c.queue)
            ):
                self.report(
                    "FR101",
                    f"unknown queue `{c.queue}`{suggestion(c.queue, inst.queues)}",
                    (*base, "queue"),
                )

    def attributes(self, attrs: Mapping[str, str], path: JsonPath) -> None:
        for code, msg, key in attribute_problems(attrs):
            if code == "FR105":
                continue  # the schema's propertyNames already reported it, with its position
            self.report(code, msg, path if key is None else (*path, key), key=key is not None)

    def merged(self, sf: ScenarioFile) -> None:
        for run in cases_of(sf):
            attrs = {k: text_of(v) for k, v in run.contact.attributes.items()}
            attrs.update((k, text_of(v)) for k, v in run.world.attributes.items())
            if attribute_bytes(attrs) > MAX_ATTRIBUTE_BYTES and not self.out:
                self.report(
                    "FR104",
                    f"case `{run.case}`: the contact's attributes with the "
                    f"world's overrides take {attribute_bytes(attrs):,} UTF-8 bytes; "
                    f"at most {MAX_ATTRIBUTE_BYTES:,} are allowed",
                    ("cases", run.case),
                    key=True,
                )


def check_scenario(doc: Document, sf: ScenarioFile, program: Program) -> list[Diagnostic]:
    """The checks the schema cannot make: names in the project, limits, call ranges."""
    from flowrt.email.checks import email_checks

    ck = _Checker(doc, program)
    default_flows = ck.flow(sf.flow, ("flow",)) if sf.flow is not None else None
    ck.contact(sf.contact, ("contact",))
    shared = default_flows if all(c.flow is None for c in sf.cases.values()) else None
    ck.world(sf.world, ("world",), shared)
    email_cases = email_checks(doc, sf, program, cases_of(sf))
    unused: list[Diagnostic] = []
    every: list[Reach | None] = []
    for name, case in sf.cases.items():
        base: JsonPath = ("cases", name)
        if name in email_cases:
            found, flows = email_cases[name]
            ck.out.extend(found)
        elif case.flow is not None:
            flows = ck.flow(case.flow, (*base, "flow"))
        elif sf.flow is None:
            flows = ck.flow(None, (*base, "flow"))
        else:
            flows = default_flows
        ck.contact(case.contact, (*base, "contact"))
        ck.world(case.world, (*base, "world"), flows)
        unused.extend(_unused(doc, case.world, (*base, "world"), [flows], shared=False))
        every.append(flows)
        if case.expect is not None and flows is not None:
            from flowrt.scenario.expect import check_expect

            ck.out.extend(check_expect(doc, case.expect, (*base, "expect"), flows, program))
    ck.merged(sf)
    # The shared world serves every case: an entry is useless when no case's flows use it.
    unused[:0] = _unused(doc, sf.world, ("world",), every, shared=True, inputs=shared is None)
    return ck.out + unused


def _unused(
    doc: Document,
    w: World | None,
    base: JsonPath,
    reaches: list[Reach | None],
    shared: bool,
    inputs: bool = False,
) -> list[Diagnostic]:
    """FR109: phone numbers of `world.external` that no flow of `reaches` dials.  FR110 (with
    `inputs`: a shared world that FR102 could not check against one flow): customer input for
    a block that is no get-customer-input block of them.  Nothing is said when a flow is not
    known, or dials a number it reads from an attribute."""
    if w is None or not reaches or any(r is None for r in reaches):
        return []
    known = [r for r in reaches if r is not None]
    nodes = [n for r in known for f in r.flows for n in f.nodes]
    dialled = [
        n.prepared.get(("phone-number",)) for n in nodes if n.type == "transfer-to-phone-number"
    ] + [n.prepared.get(("callback-number",)) for n in nodes if n.type == "set-callback-number"]
    numbers = {d for d in dialled if isinstance(d, str)}
    any_number = any(not isinstance(d, str) for d in dialled)
    whose = "the flows of this scenario's cases" if shared else "the flows this case runs"
    out = []
    for number in () if any_number else w.external:
        if number in numbers or any(r.may_use("phone-number", number) for r in known):
            continue
        out.append(
            Diagnostic.make(
                "FR109",
                f"`{number}` is never dialled by {whose}{suggestion(number, numbers)}: "
                "its outcome is never used",
                doc.key_span((*base, "external", number)),
                "transfer-to-phone-number blocks dial numbers: fix the number, or remove it",
            )
        )
    asks = {n.name for n in nodes if n.type == "get-customer-input"}
    for block in w.input if inputs else ():
        if block in asks or any(r.unsure(block) for r in known):
            continue
        out.append(
            Diagnostic.make(
                "FR110",
                f"input for `{block}`, which never asks: no case of this scenario runs a "
                f"get-customer-input block `{block}`{suggestion(block, asks)}",
                doc.key_span((*base, "input", block)),
                "`input:` is keyed by the name of a get-customer-input block",
            )
        )
    return out

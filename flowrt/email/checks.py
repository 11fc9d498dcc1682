"""Static checks of the email channel: email cases of scenarios, the outbound flow, mail loops.

`email_checks` is called by `check_scenario` for every case that enters by StartEmailContact or
has agent actions: the request is checked like the API would (FR200 InvalidRequest,
FR201 ResourceNotFound, FR202 Idempotency, each message starting with the API's error name and
positioned on the field at fault; Amazon Connect: StartEmailContact), the case's other keys
must not contradict it (FR203), agent
actions must name users and quick connects of the instance (FR204) and forwards need an outbound
email flow (FR205).  The checks of the project itself (the Default outbound flow, mail loops)
are in flowrt.email.loops.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic, suggestion
from flowrt.email.cases import instance_problems, outbound_flow, requests_of
from flowrt.email.errors import IdempotencyException, ResourceNotFoundException
from flowrt.email.loops import flow_by_id
from flowrt.email.mailbox import Mailbox
from flowrt.email.request import Problem, shape_problems
from flowrt.lang.broken import Reach, reach

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.lang.loader import Document, JsonPath
    from flowrt.scenario.model import Case, CaseRun, ScenarioFile

#: Contact keys that a StartEmailContact request sets, and the request field to use instead.
_SET_BY_REQUEST = {
    "customer_endpoint": "FromEmailAddress.EmailAddress",
    "customer_display_name": "FromEmailAddress.DisplayName",
    "system_endpoint": "DestinationEmailAddress",
    "system_display_name": "the destination address's display-name in instance.yaml",
    "email": "EmailMessage and AdditionalRecipients",
    "attributes": "Attributes",
}


# ---------------------------------------------------------------------------------------------
# email cases of a scenario file


class _CaseCheck:
    """The checks of one email case; diagnostics shared by several cases are reported once."""

    def __init__(
        self, doc: Document, program: Program, seen: set[tuple[str, str, str]], name: str
    ) -> None:
        self.doc, self.program, self.seen, self.name = doc, program, seen, name
        self.out: list[Diagnostic] = []
        #: The flows the case starts, and whether one it starts is not known (did not load).
        self.starts: list[str] = []
        self.open = False
        self.gaps = program.broken.instance

    def report(
        self, code: str, message: str, path: JsonPath, hint: str | None = None, key: bool = False
    ) -> None:
        span = self.doc.key_span(path) if key else self.doc.span(path)
        mark = (code, message, str(span))
        if mark not in self.seen:
            self.seen.add(mark)
            self.out.append(Diagnostic.make(code, message, span, hint))

    def reach(self, name: str | None) -> None:
        if name is not None and name not in self.starts:
            self.starts.append(name)

    def flows(self) -> Reach | None:
        """What the case runs, as far as it is known; None when it runs no known flow."""
        found = reach(self.program, self.starts, open=self.open)
        return found if found.flows or found.broken or found.open else None

    def known_broken(self, p: Problem, req: Any, mailbox: Mailbox) -> bool:
        """Whether `p` is about a flow or an email address that failed to load (reported where
        it is written): the case then runs what it names, unseen (`open`)."""
        program, field = self.program, p.path[0] if p.path else None
        if field == "ContactFlowId" and p.error is ResourceNotFoundException:
            name = req.contact_flow_id.rsplit("/contact-flow/", 1)[-1]
            if name in program.broken.flows:
                self.reach(name)
                return True
        elif field == "DestinationEmailAddress":
            dest = req.destination_email_address or ""
            target = mailbox.deliver_to(dest) if mailbox.find(dest) is not None else None
            if target is not None and target.flow in program.broken.flows:
                self.reach(target.flow)
                return True
            if self._broken_address(dest.rsplit("/email-address/", 1)[-1].lower()):
                self.open = True
                return True
        return False

    def _broken_address(self, address: str) -> bool:
        """Whether `address` is an email address that failed to load, or the alias of one."""
        gaps = self.gaps
        if gaps.unread or "email-addresses" in gaps.open:
            return True
        for name, raw in gaps.entries.get("email-addresses", {}).items():
            alias = raw.get("alias") if isinstance(raw, dict) else None
            if str(name).lower() == address or str(alias).lower() == address:
                return True
        return False

    def problem(self, p: Problem, base: JsonPath) -> None:
        # Imported here: the session pulls in the interpreter, which validating a project without
        # email requests never needs (flowrt validate's start-up).
        from flowrt.email.session import _code

        self.report(
            _code(p.error),
            f"{p.error.CODE}: {p.message}",
            (*base, *p.path),
            "StartEmailContact refuses this request (see docs/email.md)",
            key=p.key,
        )


def _outbound_may_be_broken(ck: _CaseCheck) -> bool:
    """Whether the project's outbound email flow may be one that failed to load."""
    broken = ck.program.broken
    if broken.instance.unread or "default-outbound-flow" in broken.instance.open:
        return True
    return any(f.type in (None, "outbound-email") for f in broken.flows.values())


def _where(doc: Document, attr: str, key: str, base: JsonPath) -> JsonPath | None:
    """Where a case's `contact`/`world` key is written: in the case, else shared, else None.

    Read from the document's own keys: schema defaults filled into the data do not count.
    """
    for path in ((*base, attr, key), (attr, key)):
        if path in doc.key_positions:
            return path
    return None


def email_checks(
    doc: Document, sf: ScenarioFile, program: Program, runs: Iterable[CaseRun]
) -> dict[str, tuple[list[Diagnostic], Reach | None]]:
    """Case name -> (diagnostics, flows the case may run) for every email case of the file."""
    out: dict[str, tuple[list[Diagnostic], Reach | None]] = {}
    seen: set[tuple[str, str, str]] = set()
    for run in runs:
        if not requests_of(run.contact) and not run.world.agent_actions:
            continue
        ck = _CaseCheck(doc, program, seen, run.case)
        _check_case(ck, sf, run)
        out[run.case] = (ck.out, ck.flows())
    return out


def _check_case(ck: _CaseCheck, sf: ScenarioFile, run: CaseRun) -> None:
    case = sf.cases[run.case]
    base: JsonPath = ("cases", run.case)
    requests = requests_of(run.contact)
    doc = ck.doc
    req_base = _where(doc, "contact", "start-email-contact", base) or base
    actions_at = _where(doc, "world", "agent-actions", base) or base
    if not requests:
        ck.report(
            "FR203",
            "agent actions act on an email contact: give the contact a `start-email-contact` "
            "request",
            actions_at,
            key=True,
        )
    else:
        _conflicts(ck, sf, case, run, base)
        _requests(ck, run, req_base)
    _actions(ck, run, actions_at)


def _conflicts(ck: _CaseCheck, sf: ScenarioFile, case: Case, run: CaseRun, base: JsonPath) -> None:
    if case.flow is not None or sf.flow is not None:
        ck.report(
            "FR203",
            "an email case runs the flow its StartEmailContact request starts (ContactFlowId, "
            "else the flow of the destination address); remove `flow:`",
            (*base, "flow") if case.flow is not None else ("flow",),
            "to start another flow, give ContactFlowId in the request",
        )
    channel = _where(ck.doc, "contact", "channel", base)
    if channel is not None and run.contact.channel != "EMAIL":
        ck.report(
            "FR203",
            f"a StartEmailContact contact is an EMAIL contact, not {run.contact.channel}",
            channel,
        )
    for attr, instead in _SET_BY_REQUEST.items():
        key = attr.replace("_", "-")
        at = _where(ck.doc, "contact", key, base)
        if at is not None:
            ck.report(
                "FR203",
                f"`{key}` is set by the StartEmailContact request; use {instead}",
                at,
                key=True,
            )


def _requests(ck: _CaseCheck, run: CaseRun, req_base: JsonPath) -> None:
    program = ck.program
    mailbox = Mailbox(program.instance)
    related: dict[str, Any] = {k: v.attributes for k, v in run.world.contacts.items()}
    tokens: dict[str, str] = {}
    many = isinstance(run.contact.start_email_contact, list)
    for i, req in enumerate(requests_of(run.contact)):
        rb: JsonPath = (*req_base, i) if many else req_base
        problems = shape_problems(req) + [
            p
            for p in instance_problems(req, mailbox, program, related)
            if not ck.known_broken(p, req, mailbox)
        ]
        token, fp = req.client_token, req.fingerprint()
        if token is not None and token in tokens:
            if tokens[token] != fp:
                problems.append(
                    Problem(
                        IdempotencyException,
                        f"ClientToken `{token}` was already used with a different "
                        "StartEmailContact request",
                        ("ClientToken",),
                    )
                )
            else:
                continue  # a retry: nothing new to check, nothing runs
        for p in problems:
            ck.problem(p, rb)
        if problems:
            continue
        if token is not None:
            tokens[token] = fp
        if req.contact_flow_id is not None:
            ck.reach(flow_by_id(program, req.contact_flow_id))
        else:
            target = mailbox.deliver_to(req.destination_email_address or "")
            ck.reach(target.flow if target else None)


def _actions(ck: _CaseCheck, run: CaseRun, path: JsonPath) -> None:
    inst = ck.program.instance
    users = inst.users if inst is not None else {}
    quick = inst.quick_connects if inst is not None else {}
    sections = {"agent": "users", "approved-by": "users", "quick-connect": "quick-connects"}
    for j, action in enumerate(run.world.agent_actions):
        kind, a = action.which()
        at: JsonPath = (*path, j, kind)
        names: list[tuple[str, str | None, dict[str, Any]]] = [("agent", a.agent, users)]
        names.append(("approved-by", getattr(a, "approved_by", None), users))
        names.append(("quick-connect", getattr(a, "quick_connect", None), quick))
        for key, value, table in names:
            if value is not None and value not in table:
                if ck.gaps.unsure(sections[key], value):
                    ck.open = True  # what it would start is not known
                    continue
                what = "quick connect" if key == "quick-connect" else "user"
                ck.report(
                    "FR204",
                    f"unknown {what} `{value}`{suggestion(value, table)}",
                    (*at, key),
                    f"{what}s are declared in instance.yaml",
                )
        if kind in ("forward", "outbound-email"):
            name = outbound_flow(ck.program)
            if name is None and not _outbound_may_be_broken(ck):
                ck.report(
                    "FR205",
                    f"a {kind} runs the outbound email flow, and the project has none: add a "
                    "flow of type outbound-email (and name it as `default-outbound-flow` in "
                    "instance.yaml when there are several)",
                    at,
                    key=True,
                )
            ck.reach(name)
        qc = quick.get(getattr(a, "quick_connect", None) or "")
        if qc is not None:
            ck.reach(qc.flow)

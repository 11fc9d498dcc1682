"""The email channel in runs: StartEmailContact, agent actions, the outbound email policy.

An email case of a scenario enters through a StartEmailContact request (`contact:
start-email-contact:`) and may go on with agent actions (`world: agent-actions:`): forward, reply,
outbound-email, transfer.  `EmailSession` keeps a `Mailbox` (flowrt.email.mailbox) and runs,
through the interpreter, the flow the request starts, the outbound email flow (the Default
outbound flow, which holds the outbound email policy) for every forward and outbound email, and
the transfer flow of a quick connect.  Everything lands in one trace: the runs' steps in order,
with what the request and the agents did noted on the steps where it happened, and every decision
as a `policy` fact (so `expect: email:` asserts it).  `run_email` runs a case; its `EmailResult`
(flowrt.email.result) holds the contact records.

Which flows a case runs and the request's rules that need the instance are in flowrt.email.cases;
the static checks of email cases and of the project in flowrt.email.checks.  docs/email.md cites
the Amazon Connect documentation of each rule.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic
from flowrt.email.actions import (
    AgentAction,
    ForwardAction,
    OutboundEmailAction,
    ReplyAction,
    TransferAction,
)
from flowrt.email.cases import instance_problems, outbound_flow
from flowrt.email.errors import ConnectError, IdempotencyException, ResourceNotFoundException
from flowrt.email.loops import flow_by_id
from flowrt.email.mailbox import EmailContact, Mailbox
from flowrt.email.request import (
    StartEmailContactRequest,
    _addresses,
    _extra,
    _raw,
    expiry_minutes,
    shape_problems,
)
from flowrt.email.result import EmailResult, final_attributes
from flowrt.lang.compiler import DEFAULT_MAX_STEPS
from flowrt.run.interpreter import contact_id_for, run
from flowrt.run.trace import Outcome, Result, Trace
from flowrt.run.world import PreparedContact, PreparedWorld, empty_world

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program

START = "StartEmailContact"
_NS = uuid.UUID("9d3c8f0e-6b1a-4e52-8f0d-2c7b5e4a1f63")
Record = tuple[Any, ...]


def _queue_key(outcome: Outcome) -> tuple[str, str] | None:
    if outcome.kind != "queued" or outcome.queue is None:
        return None
    prefix = "agent queue of "
    if outcome.queue.startswith(prefix):
        return ("agent", outcome.queue[len(prefix) :])
    return ("queue", outcome.queue)


# ---------------------------------------------------------------------------------------------
# a session: the requests and the agents' actions of one case


class EmailSession:
    """Runs email contacts and agent actions against one Mailbox, collecting one trace."""

    def __init__(
        self,
        program: Program,
        mailbox: Mailbox | None = None,
        world: PreparedWorld | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
        related: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.program = program
        self.mailbox = mailbox or Mailbox(program.instance)
        self.world = world or empty_world()
        self.max_steps = max_steps
        self.related: dict[str, dict[str, str]] = {k: dict(v) for k, v in (related or {}).items()}
        self.records: list[Record] = []
        self.outcome: Outcome | None = None
        self.diagnostics: list[Diagnostic] = []
        self.current: EmailContact | None = None
        self.queue: tuple[str, str] | None = None
        self.holder: str | None = None
        self.actions: list[dict[str, Any]] = []
        self.contact: PreparedContact | None = None
        self.runs = 0
        self._sender: str | None = None

    # -- notes on the trace --------------------------------------------------------------------

    def note(self, *fact: Any) -> None:
        """Attach a fact to the last step so far: where in the contact's life it happened."""
        if self.records:
            self.prepend(len(self.records) - 1, [fact], at_end=True)

    def prepend(self, index: int, facts: list[tuple[Any, ...]], at_end: bool = False) -> None:
        """Put facts before (or after) the facts of step `index` of the trace."""
        rec = self.records[index]
        old = list(rec[3] or ())
        self.records[index] = (*rec[:3], old + facts if at_end else facts + old, rec[4])

    def _run(self, pc: PreparedContact, flow: str, contact_id: str) -> tuple[Result, int]:
        start = len(self.records)
        result = run(
            self.program, pc, self.world, flow=flow, max_steps=self.max_steps, contact_id=contact_id
        )
        self.records.extend(result.trace.records)
        self.diagnostics.extend(result.diagnostics)
        return result, start

    # -- StartEmailContact ---------------------------------------------------------------------

    def new_contact_id(self, token: str | None) -> str:
        self.runs += 1
        inst = self.program.instance
        base = inst.arn if inst else "flowrt"
        return str(uuid.uuid5(_NS, f"{base}/{token if token else self.runs}"))

    def start(self, req: StartEmailContactRequest, contact_id: str | None = None) -> str:
        """StartEmailContact: validate, create the contact, run its flow; the ContactId.

        A retry with the same ClientToken returns the same ContactId and runs nothing; raises
        the API's exception for a bad request.
        """
        done, cid = self.mailbox.replay(START, req.client_token, req.fingerprint())
        if done:
            self.note(
                "note",
                f"{START} retried with ClientToken {req.client_token}: the same ContactId {cid}; "
                "no new contact, nothing runs again",
            )
            return str(cid)
        problems = shape_problems(req) + instance_problems(
            req, self.mailbox, self.program, self.related
        )
        if problems:
            raise problems[0].exception(START)
        cid = contact_id or self.new_contact_id(req.client_token)
        record, pc, intro = self._contact(req, cid)
        result, start = self._run(pc, record.flow, cid)
        self.prepend(start, [("note", text) for text in intro])
        record.result = result
        record.attributes = final_attributes(result)
        self.mailbox.contacts[cid] = record
        self.related[cid] = record.attributes
        self.mailbox.remember(START, req.client_token, req.fingerprint(), cid)
        self.current, self.contact, self.holder = record, pc, None
        self.outcome = result.outcome
        self.queue = _queue_key(result.outcome)
        return cid

    def _contact(
        self, req: StartEmailContactRequest, cid: str
    ) -> tuple[EmailContact, PreparedContact, list[str]]:
        mb = self.mailbox
        dest = mb.find(req.destination_email_address)
        target = mb.deliver_to(req.destination_email_address or "")
        assert dest is not None and target is not None
        sender = req.from_email_address
        assert sender is not None and sender.email_address is not None
        intro = [
            f"{START}: ContactId {cid}, from {_who(sender.email_address, sender.display_name)} "
            f"to {dest.address}"
        ]
        if target is not dest:
            intro.append(
                f"{dest.address} is an alias of {target.address}: the mail reaches "
                f"{target.address}; the contact records {dest.address} as the address it was "
                "sent to"
            )
        if req.contact_flow_id is not None:
            flow = flow_by_id(self.program, req.contact_flow_id) or ""
            intro.append(f"flow {flow} (ContactFlowId)")
        else:
            flow = target.flow or ""
            intro.append(f"flow {flow} (the flow of {target.address})")
        attrs: dict[str, str] = {}
        if req.related_contact_id is not None:
            attrs.update(self.related.get(req.related_contact_id, {}))
            intro.append(
                f"attributes copied from related contact {req.related_contact_id}: "
                + (", ".join(sorted(attrs)) or "(none)")
            )
        attrs.update(req.attributes)
        minutes = expiry_minutes(req)
        if minutes is not None:
            intro.append(f"the contact expires after {minutes} minute(s) (connect:ContactExpiry)")
        pc = PreparedContact(
            channel="EMAIL",
            customer_endpoint=sender.email_address,
            customer_display_name=sender.display_name,
            system_endpoint=dest.address,
            system_display_name=dest.display_name,
            attributes=attrs,
            subject=req.name or _raw(req, "subject"),
            body=_raw(req, "body"),
            to=tuple(_addresses(req, "to_addresses")),
            cc=tuple(_addresses(req, "cc_addresses")),
            extra=_extra(req),
        )
        record = EmailContact(
            cid,
            req,
            dest.address,
            target.address,
            flow,
            attrs,
            req.related_contact_id,
            minutes,
        )
        return record, pc, intro

    # -- agent actions -------------------------------------------------------------------------

    def act(self, action: AgentAction) -> dict[str, Any]:
        """Carry out one agent action on the current contact; its record."""
        kind, a = action.which()
        if isinstance(a, ForwardAction):
            rec = self.forward(a)
        elif isinstance(a, ReplyAction):
            rec = self.reply(a)
        elif isinstance(a, OutboundEmailAction):
            rec = self.outbound(a)
        else:
            assert isinstance(a, TransferAction)
            rec = self.transfer(a)
        self.actions.append(rec)
        if self.current is not None:
            self.current.notes.append(rec["record"])
        return rec

    def _holds(self, agent: str) -> str | None:
        """Why `agent` cannot act on the contact, or None when it is theirs."""
        inst = self.program.instance
        if inst is None or agent not in inst.users:
            return f"`{agent}` is not a user of the instance"
        if self.current is None or self.queue is None:
            how = self.outcome.describe() if self.outcome else "no contact"
            return f"the contact never reached an agent ({how})"
        if self.holder is not None:
            return None if self.holder == agent else f"the contact is with {self.holder}"
        if not inst.can_answer(agent):
            return f"{agent} has no CCP permission and cannot take contacts"
        kind, name = self.queue
        profile = inst.routing_profiles.get(inst.users[agent].routing_profile or "")
        if kind == "agent" and name != agent:
            return f"the contact waits in the agent queue of {name}, not of {agent}"
        if kind == "queue" and (profile is None or name not in profile.queues):
            return f"{name} is not a queue of {agent}'s routing profile"
        self.holder = agent
        return None

    def _from(self, queue: str | None, chosen: str | None) -> tuple[str | None, str | None]:
        """(the From address, why it is refused) among a queue's addresses."""
        if queue is None:
            return None, 'an agent queue has no "From" addresses'
        allowed = self.mailbox.from_addresses(queue)
        if not allowed:
            return None, f'queue {queue} has no "From" email addresses'
        pick = chosen or allowed[0]
        if pick.lower() not in {a.lower() for a in allowed}:
            shown = ", ".join(allowed[:5]) + (", ..." if len(allowed) > 5 else "")
            return pick, f'{pick} is not a "From" address of queue {queue} ({shown})'
        return pick, None

    def _loop(self, recipients: Iterable[str]) -> str | None:
        for r in recipients:
            if self.mailbox.find(r) is not None:
                return (
                    f"mail-loop: {r} is an address of this instance; mail sent there comes back "
                    "as a new contact"
                )
        return None

    def _decide(self, rec: dict[str, Any], decision: str, reason: str) -> None:
        rec["decision"], rec["rule"], rec["reason"] = decision, reason.split(":", 1)[0], reason

    def forward(self, a: ForwardAction) -> dict[str, Any]:
        """Forward: one To, any Cc, a note, attachments, the thread; the policy."""
        rec: dict[str, Any] = {"action": "forward", "agent": a.agent, "to": list(a.to)}
        rec.update(cc=list(a.cc), message=a.note, attachments=list(a.attachments))
        rec["thread"] = "carried" if self.current is not None else None
        inst = self.program.instance
        refused = self._precheck(a.agent, a.to, a.cc, a.from_address, forward=True)
        if refused is not None:
            self._decide(rec, "denied", refused)
            self.note("policy", _shown(a.to, a.cc), "denied", refused)
        else:
            self._policy(rec, a.to, a.cc, a.note, a.attachments, "forward")
        rec["sent"] = rec["decision"] == "allowed"
        if rec["decision"] == "needs-approval":
            approver = a.approved_by
            if approver is None:
                rec["approval"] = "waiting for a manager's approval"
            elif (
                inst is not None
                and approver in inst.users
                and inst.has_permission(approver, "approve-email-forward")
            ):
                rec["approval"], rec["sent"] = f"approved by {approver}", True
            else:
                rec["approval"] = f"{approver} may not approve forwards (approve-email-forward)"
        stays = f"; the contact stays with {a.agent}" if self.holder == a.agent else ""
        rec["record"] = (
            f"forward by {a.agent} to {_shown(a.to, a.cc)}"
            + (f", note {a.note!r}" if a.note else "")
            + (f", {len(a.attachments)} attachment(s)" if a.attachments else "")
            + f": {rec['decision']} ({rec['reason']})"
            + (f", {rec['approval']}" if "approval" in rec else "")
            + ("; sent with the original thread" if rec["sent"] else "; not sent")
            + stays
        )
        self.note("note", "contact record: " + rec["record"])
        return rec

    def _precheck(
        self, agent: str, to: Sequence[str], cc: Sequence[str], chosen: str | None, forward: bool
    ) -> str | None:
        """The rules checked before the policy flow runs, as `rule: reason`, or None."""
        inst = self.program.instance
        self._sender = None
        why = self._holds(agent) if forward else None
        if why is not None:
            return f"not-with-agent: {why}"
        if inst is None or agent not in inst.users:
            return f"not-with-agent: `{agent}` is not a user of the instance"
        if not inst.has_permission(agent, "initiate-email-conversation"):
            profile = inst.users[agent].security_profile
            return (
                f"permission: {agent}'s security profile {profile} lacks "
                "initiate-email-conversation (Initiate email conversation)"
            )
        if forward and len(to) != 1:
            return f"one-to-address: a forward has exactly one To address, not {len(to)}"
        if not to:
            return "one-to-address: the email has no To address"
        if forward:
            queue = self.queue[1] if self.queue and self.queue[0] == "queue" else None
        else:
            routing = inst.routing_profiles.get(inst.users[agent].routing_profile or "")
            queue = routing.default_outbound_queue if routing else None
        sender, bad = self._from(queue, chosen)
        if bad is not None:
            return f"from-address: {bad}"
        self._sender = sender
        return self._loop([*to, *cc])

    def _policy(
        self,
        rec: dict[str, Any],
        to: Sequence[str],
        cc: Sequence[str],
        note: str | None,
        attachments: Sequence[str],
        kind: str,
    ) -> None:
        """Run the outbound email flow on the email going out; its decision."""
        flow = outbound_flow(self.program)
        if flow is None or flow not in self.program.flows:
            reason = "no-policy: the project has no outbound email flow (default-outbound-flow)"
            self._decide(rec, "denied", reason)
            self.note("policy", _shown(to, cc), "denied", reason)
            return
        c = self.contact
        subject = (c.subject if c else None) or ""
        body = (note or "") + ("\n\n---------- Forwarded message ----------\n" if c else "")
        pc = PreparedContact(
            channel="EMAIL",
            customer_endpoint=to[0] if to else None,
            system_endpoint=self._sender,
            attributes=dict(self.current.attributes if self.current else {}),
            subject=("Fwd: " + subject) if kind == "forward" else subject,
            body=body + ((c.body or "") if c else ""),
            to=tuple(to),
            cc=tuple(cc),
            extra={("EmailAction",): kind, **({("Attachments",): ", ".join(attachments)})},
        )
        cid = self.current.contact_id if self.current else self.new_contact_id(None)
        result, start = self._run(pc, flow, cid)
        self.prepend(start, [("note", f"{kind}: the outbound email flow {flow} decides")])
        decisions = [
            (f[2], f[3]) for r in self.records[start:] for f in r[3] or () if f[0] == "policy"
        ]
        if decisions:
            self._decide(rec, *decisions[-1])
        elif result.outcome.is_error:
            reason = f"flow-error: the outbound email flow ended in {result.outcome.describe()}"
            self._decide(rec, "denied", reason)
            self.note("policy", _shown(to, cc), "denied", reason)
        else:
            self._decide(rec, "allowed", f"no-policy-block: {flow} ran no outbound-email-policy")

    def reply(self, a: ReplyAction) -> dict[str, Any]:
        """Reply from one of the accepting queue's "From" addresses."""
        rec: dict[str, Any] = {"action": "reply", "agent": a.agent}
        why = self._holds(a.agent)
        queue = self.queue[1] if self.queue and self.queue[0] == "queue" else None
        sender, bad = (None, why) if why is not None else self._from(queue, a.from_address)
        rec.update(sender=sender, allowed=bad is None)
        if bad is None:
            rec["record"] = f'reply by {a.agent} from {sender} (a "From" address of {queue})'
        else:
            rec["reason"] = bad
            rec["record"] = f"reply by {a.agent} refused: {bad}"
        self.note("note", "contact record: " + rec["record"])
        return rec

    def outbound(self, a: OutboundEmailAction) -> dict[str, Any]:
        """A new outbound email: the default outbound queue's addresses, then the policy."""
        rec: dict[str, Any] = {"action": "outbound-email", "agent": a.agent, "to": list(a.to)}
        rec["cc"] = list(a.cc)
        refused = self._precheck(a.agent, a.to, a.cc, a.from_address, forward=False)
        if refused is not None:
            self._decide(rec, "denied", refused)
            self.note("policy", _shown(a.to, a.cc), "denied", refused)
        else:
            rec["sender"] = self._sender
            self._policy(rec, a.to, a.cc, None, (), "outbound")
        rec["sent"] = rec["decision"] == "allowed"
        rec["record"] = (
            f"outbound email by {a.agent} to {_shown(a.to, a.cc)}: {rec['decision']} "
            f"({rec['reason']})"
        )
        self.note("note", "contact record: " + rec["record"])
        return rec

    def transfer(self, a: TransferAction) -> dict[str, Any]:
        """Transfer through a quick connect: the contact moves to its queue or agent."""
        rec: dict[str, Any] = {
            "action": "transfer",
            "agent": a.agent,
            "quick-connect": a.quick_connect,
        }
        inst = self.program.instance
        why = self._holds(a.agent)
        qc = inst.quick_connects.get(a.quick_connect) if inst else None
        if why is None and (qc is None or inst is None):
            why = f"there is no quick connect `{a.quick_connect}`"
        elif why is None and inst is not None and qc is not None:
            profile = inst.routing_profiles.get(inst.users[a.agent].routing_profile or "")
            queues = profile.queues if profile else []
            if not any(
                a.quick_connect in inst.queues[q].quick_connects for q in queues if q in inst.queues
            ):
                why = f"{a.quick_connect} is not on a queue of {a.agent}'s routing profile"
            elif qc.type == "external":
                why = f"{a.quick_connect} calls a phone number; an email contact cannot go there"
        if why is not None or qc is None or self.contact is None:
            rec.update(moved=False, reason=why, record=f"transfer by {a.agent} refused: {why}")
            self.note("note", "contact record: " + rec["record"])
            return rec
        target = ("agent", qc.user or "") if qc.type == "agent" else ("queue", qc.queue or "")
        pc = dataclasses.replace(self.contact, queue=target)
        assert isinstance(pc, PreparedContact) and self.current is not None
        pc = dataclasses.replace(pc, attributes=dict(self.current.attributes))
        self.note("note", f"transfer by {a.agent} through {a.quick_connect}: flow {qc.flow}")
        result, _ = self._run(pc, qc.flow or "", self.current.contact_id)
        prev = self.outcome.flows if self.outcome else ()
        self.outcome = dataclasses.replace(result.outcome, flows=(*prev, *result.outcome.flows))
        self.current.attributes = final_attributes(result)
        moved = _queue_key(result.outcome)
        if moved is not None:
            self.queue, self.holder = moved, None
        rec.update(moved=moved is not None, outcome=result.outcome.describe())
        rec["record"] = (
            f"transfer by {a.agent} through {a.quick_connect}: {result.outcome.describe()}"
            + (f"; the contact leaves {a.agent}" if moved else f"; it stays with {a.agent}")
        )
        self.note("note", "contact record: " + rec["record"])
        return rec

    # -- the case's result ---------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        contacts = []
        for c in self.mailbox.contacts.values():
            item: dict[str, Any] = {
                "contact-id": c.contact_id,
                "sent-to": c.sent_to,
                "delivered-to": c.delivered_to,
                "flow": c.flow,
                "attributes": dict(sorted(c.attributes.items())),
                "notes": list(c.notes),
            }
            if c.related_contact_id is not None:
                item["related-contact-id"] = c.related_contact_id
            if c.expiry_minutes is not None:
                item["expiry-minutes"] = c.expiry_minutes
            contacts.append(item)
        return {"contacts": contacts, "actions": self.actions}

    def result(self, contact_id: str) -> EmailResult:
        outcome = self.outcome or Outcome("error", "", reason="no email contact was created")
        pc = self.contact or PreparedContact(channel="EMAIL")
        trace = Trace(list(self.records), pc, self.world, contact_id)
        return EmailResult(outcome, trace, self.diagnostics, contact_id, self.record())


def _who(address: str, name: str | None) -> str:
    return f"{name} <{address}>" if name else address


def _shown(to: Sequence[str], cc: Sequence[str]) -> str:
    text = ", ".join(to) or "(no To)"
    return text + (f" (cc {', '.join(cc)})" if cc else "")


def run_email(
    program: Program,
    requests: Sequence[StartEmailContactRequest],
    world: PreparedWorld,
    actions: Sequence[AgentAction] = (),
    related: Mapping[str, Mapping[str, str]] | None = None,
    *,
    flow: str | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    contact_id: str | None = None,
) -> EmailResult:
    """Run an email case: its StartEmailContact request(s), then its agent actions.

    Every flow the case starts (the request's flow, a transfer's, the outbound email flow) runs
    through the interpreter's run loop (`EmailSession._run`); what happens between flows (the
    mailbox's rules, the agents' actions) is this channel's own.  `related` holds the attributes
    of earlier contacts a request may name.
    """
    session = EmailSession(program, None, world, max_steps, related)
    cid = contact_id or contact_id_for("flowrt", "email")
    try:
        for i, req in enumerate(requests):
            if flow and req.contact_flow_id is None:
                req = req.model_copy(update={"contact_flow_id": flow})
            session.start(req, cid if i == 0 else None)
        for action in actions:
            session.act(action)
    except ConnectError as exc:
        session.diagnostics.append(Diagnostic.make(_code(exc), f"{exc.CODE}: {exc.message}"))
        session.outcome = Outcome(
            "error", session.outcome.flow if session.outcome else "", reason=str(exc)
        )
    return session.result(cid)


def _code(exc: ConnectError | type[ConnectError]) -> str:
    cls = exc if isinstance(exc, type) else type(exc)
    if issubclass(cls, IdempotencyException):
        return "FR202"
    return "FR201" if issubclass(cls, ResourceNotFoundException) else "FR200"

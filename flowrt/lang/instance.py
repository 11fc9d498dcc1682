"""The instance file (`instance.yaml`): the Amazon Connect resources flows refer to.

Queues, users, security and routing profiles, quick connects, phone numbers, hours of operation,
Lambda functions, prompts, email addresses and their aliases, and the instance's limit on
concurrent contacts.  `check_instance` applies Amazon Connect's rules on quick connects (Set up call
transfers), aliases (AssociateEmailAddressAlias) and queue "From" addresses
(AssociateQueueEmailAddresses).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any, Literal

from pydantic import Field

from flowrt.core.diagnostics import Diagnostic, suggestion
from flowrt.lang.blocks import Model
from flowrt.lang.broken import NAMED_SECTIONS, InstanceGaps
from flowrt.lang.hours import HoursOverride, check_overrides
from flowrt.lang.loader import Document, JsonPath

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOURS_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
#: Queue "From" addresses: one default outbound address plus up to 49 others
#: (Amazon Connect: AssociateQueueEmailAddresses).
MAX_QUEUE_EMAIL_ADDRESSES = 50
DEFAULT_INSTANCE_ARN = (
    "arn:aws:connect:us-east-1:123456789012:instance/00000000-0000-4000-8000-000000000000"
)


class HoursOfOperation(Model):
    """Opening hours per weekday in a time zone; a day not listed is closed."""

    id: str | None = Field(
        None, description="Hours of operation ID; with the instance `arn:`, export builds its ARN."
    )
    time_zone: str = Field("UTC", description="IANA time zone, e.g. America/New_York.")
    description: str | None = None
    days: dict[
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], str
    ] = Field(
        default_factory=dict,
        description="Weekday -> opening hours `HH:MM-HH:MM` (24:00 allowed as an end).",
        json_schema_extra={"additionalProperties": {"type": "string", "pattern": HOURS_PATTERN}},
        examples=[{"monday": "09:00-17:00"}],
    )
    overrides: list[HoursOverride] = Field(
        default_factory=list,
        description="Holidays and special hours: dates closed all day or open at other times.",
    )


class QueueEmailAddresses(Model):
    """A queue's "From" addresses: one default outbound address and up to 49 others."""

    default: str = Field(description="The default outbound email address of the queue.")
    others: list[str] = Field(default_factory=list, description="Up to 49 more addresses.")

    def all(self) -> list[str]:
        return [self.default, *self.others]


class Queue(Model):
    """A queue: capacity, hours, quick connects and "From" email addresses."""

    id: str | None = Field(None, description="Queue ID (default: the queue's name).")
    description: str | None = None
    max_contacts: int | None = Field(
        None,
        ge=0,
        description="Maximum contacts in queue; without it the instance limit applies.",
    )
    hours: str | None = Field(None, description="Hours of operation (by name).")
    quick_connects: list[str] = Field(default_factory=list, description="Quick connects shown.")
    email_addresses: QueueEmailAddresses | None = Field(
        None, description='"From" addresses agents may send from.'
    )
    outbound_caller_id: str | None = Field(None, description="Outbound caller ID number.")


class User(Model):
    """An agent or other user of the instance."""

    id: str = Field(description="User ID.", examples=["6a8b1c2d-0000-4000-8000-000000000001"])
    first_name: str | None = None
    last_name: str | None = None
    routing_profile: str | None = Field(None, description="Routing profile (by name).")
    security_profile: str = Field(description="Security profile (by name).")


class SecurityProfile(Model):
    """Permissions granted to users; `ccp` lets a user answer contacts in the Contact Control Panel."""

    permissions: list[str] = Field(
        default_factory=list,
        description="Permissions: ccp, initiate-email-conversation, approve-email-forward, ...",
        examples=[["ccp", "initiate-email-conversation"]],
    )


class RoutingProfile(Model):
    """Routing profile: the queues an agent takes contacts from and its default outbound queue."""

    queues: list[str] = Field(description="Queues (by name).")
    default_outbound_queue: str = Field(description="Queue used for outbound contacts.")


class QuickConnect(Model):
    """A quick connect: External needs a phone number only; Agent a user and an
    agent-transfer flow; Queue a queue and a queue-transfer flow.  A description is required."""

    type: Literal["external", "agent", "queue"]
    description: str = Field(min_length=1, description="Required by Amazon Connect.")
    phone_number: str | None = Field(None, description="External: the number to call.")
    user: str | None = Field(None, description="Agent: the user to transfer to.")
    queue: str | None = Field(None, description="Queue: the queue to transfer to.")
    flow: str | None = Field(None, description="Agent/Queue: the transfer flow to run.")


class PhoneNumber(Model):
    """A phone number claimed in the instance."""

    description: str | None = None
    flow: str | None = Field(None, description="Flow started by calls to this number.")


class EmailAddress(Model):
    """An email address of the instance; `alias` names the address that serves as its alias."""

    display_name: str | None = None
    flow: str | None = Field(None, description="Flow started by email to this address.")
    alias: str | None = Field(None, description="The address that serves as this address's alias.")


class LambdaFunction(Model):
    """A Lambda function flows may invoke."""

    arn: str | None = None
    description: str | None = None


class Instance(Model):
    """The instance file: every resource a flow can name."""

    instance: str = Field(description="The instance's name.", examples=["anycompany"])
    arn: str = Field(
        DEFAULT_INSTANCE_ARN,
        description="The instance ARN; when given, export builds the ARNs of the queues, users, "
        "hours and flows that have an `id:`.",
    )
    max_concurrent_contacts: int = Field(
        100, ge=1, description="The instance's concurrent active contacts limit."
    )
    hours_of_operation: dict[str, HoursOfOperation] = Field(default_factory=dict)
    queues: dict[str, Queue] = Field(default_factory=dict)
    users: dict[str, User] = Field(default_factory=dict, description="User name -> user.")
    security_profiles: dict[str, SecurityProfile] = Field(default_factory=dict)
    routing_profiles: dict[str, RoutingProfile] = Field(default_factory=dict)
    quick_connects: dict[str, QuickConnect] = Field(default_factory=dict)
    phone_numbers: dict[str, PhoneNumber] = Field(
        default_factory=dict,
        json_schema_extra={"propertyNames": {"pattern": r"^\+[1-9][0-9]{1,14}$"}},
    )
    email_addresses: dict[str, EmailAddress] = Field(default_factory=dict)
    default_outbound_flow: str | None = Field(
        None,
        description="The Default outbound flow (type outbound-email): the outbound email policy "
        "that agents' forwards and outbound emails run through.",
    )
    lambda_functions: dict[str, LambdaFunction] = Field(default_factory=dict)
    prompts: list[str] = Field(default_factory=list, description="Prompt library names.")

    def queue_id(self, name: str) -> str:
        return self.queues[name].id or name

    def queue_arn(self, name: str) -> str:
        return f"{self.arn}/queue/{self.queue_id(name)}"

    def queue_by_arn(self, arn: str) -> str | None:
        for name in self.queues:
            if self.queue_arn(name) == arn:
                return name
        return None

    def user_by_name_or_id(self, value: str) -> str | None:
        if value in self.users:
            return value
        for name, user in self.users.items():
            if user.id == value:
                return name
        return None

    def can_answer(self, user: str) -> bool:
        """Whether a user has CCP permission, i.e. can ever answer a contact."""
        profile = self.security_profiles.get(self.users[user].security_profile)
        return profile is not None and "ccp" in profile.permissions

    def has_permission(self, user: str, permission: str) -> bool:
        profile = self.security_profiles.get(self.users[user].security_profile)
        return profile is not None and permission in profile.permissions

    def alias_of(self, address: str) -> str | None:
        """The primary address that `address` is an alias of, if any."""
        for primary, email in self.email_addresses.items():
            if email.alias == address:
                return primary
        return None


#: The longest email address: RFC 5321 caps a path at 256 characters, angle brackets included.
MAX_EMAIL_ADDRESS_LENGTH = 254


def is_email_address(text: str) -> bool:
    """Whether `text` has the form `local@domain.tld`, in time linear in its length.

    The rule of the pattern `[^@\\s]+@[^@\\s]+\\.[^@\\s]+` (which backtracks quadratically on a
    long address: a 200 KB one took minutes), checked without a regular expression and after a
    length bound: at most 254 characters, no whitespace (`str.isspace`, as `\\s`), exactly one
    `@` with text before it, and a `.` inside the domain with text on both sides.
    """
    if len(text) > MAX_EMAIL_ADDRESS_LENGTH:
        return False
    local, at, domain = text.partition("@")
    return (
        bool(local)
        and bool(at)
        and "@" not in domain
        and "." in domain[1:-1]
        and not any(c.isspace() for c in text)
    )


def email_address_problem(text: str) -> str | None:
    """What is wrong with `text` as an email address (words for users), or None."""
    if len(text) > MAX_EMAIL_ADDRESS_LENGTH:
        return (
            f"an email address of {len(text):,} characters is too long: "
            f"at most {MAX_EMAIL_ADDRESS_LENGTH} are allowed"
        )
    if not is_email_address(text):
        return f"`{text}` is not an email address"
    return None


Report = Callable[[str, str, JsonPath, str | None], None]


def partial_instance(data: Any) -> tuple[Instance | None, InstanceGaps]:
    """The instance made of the entries of instance.yaml that validate, and what is known of the
    others (their names), so that one mistake in the file does not hide every name in it.

    Called once the file's errors are reported: an entry that does not validate (a queue, a
    user, ...) is left out and its name kept in the gaps; a section or a key that does not
    validate as a whole is left out, and a section's names are then all unsure."""
    from pydantic import ValidationError

    gaps = InstanceGaps()
    if not isinstance(data, dict):
        gaps.unread = True
        return None, gaps
    data = dict(data)
    while True:
        try:
            return Instance.model_validate(data), gaps
        except ValidationError as exc:
            errors = exc.errors()
        if not any(_leave_out(data, err["loc"], gaps) for err in errors):
            gaps.unread = True  # nothing left to leave out: give up on the whole file
            return None, gaps


def _leave_out(data: dict[str, Any], loc: tuple[Any, ...], gaps: InstanceGaps) -> bool:
    """Leave out what a validation error is about; whether anything changed."""
    if not loc:
        return False
    key = loc[0]
    if key == "instance":  # the instance's name: the rest is still worth checking
        if data.get(key) == "instance":
            return False
        data[key] = "instance"
        return True
    value = data.get(key)
    if key in NAMED_SECTIONS and len(loc) > 1 and isinstance(value, dict) and loc[1] in value:
        entries = dict(value)
        gaps.entries.setdefault(key, {})[loc[1]] = entries.pop(loc[1])
        data[key] = entries
        return True
    if key == "prompts" and isinstance(value, list):  # the names that are text still count
        data[key] = [p for p in value if isinstance(p, str)]
        gaps.open.add(key)  # the others were meant as names too
        return len(data[key]) < len(value)
    if key not in data:
        return False
    del data[key]
    gaps.open.add(key)  # a section: none of its names is known any more
    return True


def check_instance(
    inst: Instance,
    doc: Document,
    flow_types: dict[str, str] | None,
    gaps: InstanceGaps | None = None,
    broken_flows: Collection[str] = (),
) -> Iterator[Diagnostic]:
    """The instance's own rules; `flow_types` (name -> type) checks the flows it names.

    Names in `gaps` (entries that failed to load) and `broken_flows` (flows that failed) are
    known: a reference to one is not reported."""
    found: list[Diagnostic] = []
    gaps = gaps or InstanceGaps()

    def report(code: str, message: str, path: JsonPath, hint: str | None = None) -> None:
        found.append(Diagnostic.make(code, message, doc.span(path), hint))

    def report_key(code: str, message: str, path: JsonPath, hint: str | None = None) -> None:
        found.append(Diagnostic.make(code, message, doc.key_span(path), hint))

    def ref(kind: str, code: str, name: str | None, table: object, path: JsonPath) -> None:
        section = _SECTION_OF[kind]
        if name is not None and name not in table and not gaps.unsure(section, name):  # type: ignore[operator]
            report(code, f"unknown {kind} `{name}`{suggestion(name, table)}", path)  # type: ignore[arg-type]

    for qname, q in inst.queues.items():
        ref(
            "hours of operation",
            "FR027",
            q.hours,
            inst.hours_of_operation,
            ("queues", qname, "hours"),
        )
        for i, qc in enumerate(q.quick_connects):
            ref(
                "quick connect",
                "FR024",
                qc,
                inst.quick_connects,
                ("queues", qname, "quick-connects", i),
            )
        if q.email_addresses is not None:
            _check_queue_emails(inst, qname, q.email_addresses, report, gaps)
    for uname, u in inst.users.items():
        ref(
            "routing profile",
            "FR028",
            u.routing_profile,
            inst.routing_profiles,
            ("users", uname, "routing-profile"),
        )
        if u.security_profile not in inst.security_profiles and not gaps.unsure(
            "security-profiles", u.security_profile
        ):
            report(
                "FR013",
                f"unknown security profile `{u.security_profile}`"
                f"{suggestion(u.security_profile, inst.security_profiles)}",
                ("users", uname, "security-profile"),
                None,
            )
    for hname, h in inst.hours_of_operation.items():
        check_overrides(h.overrides, ("hours-of-operation", hname, "overrides"), report)
    _check_unique_ids(inst, report)
    for pname, p in inst.routing_profiles.items():
        for i, qn in enumerate(p.queues):
            ref("queue", "FR021", qn, inst.queues, ("routing-profiles", pname, "queues", i))
        if p.default_outbound_queue not in p.queues:
            report(
                "FR065",
                f"default outbound queue `{p.default_outbound_queue}` is not one of the routing "
                f"profile's queues",
                ("routing-profiles", pname, "default-outbound-queue"),
                "add it to `queues`",
            )
    for qcname, quick in inst.quick_connects.items():
        _check_quick_connect(inst, qcname, quick, flow_types, report, gaps, broken_flows)
    _check_aliases(inst, report, report_key, gaps)
    if flow_types is not None:
        flows = {*flow_types, *broken_flows}
        for addr, e in inst.email_addresses.items():
            ref("flow", "FR023", e.flow, flows, ("email-addresses", addr, "flow"))
        for num, pn in inst.phone_numbers.items():
            ref("flow", "FR023", pn.flow, flows, ("phone-numbers", num, "flow"))
    yield from found


#: The section of instance.yaml that declares each kind of name `check_instance` looks up.
_SECTION_OF = {
    "hours of operation": "hours-of-operation",
    "quick connect": "quick-connects",
    "routing profile": "routing-profiles",
    "queue": "queues",
    "flow": "flows",
}


def _check_unique_ids(inst: Instance, report: Report) -> None:
    seen: dict[str, str] = {}
    for uname, u in inst.users.items():
        if u.id in seen:
            report(
                "FR064",
                f"user ID `{u.id}` is also the ID of `{seen[u.id]}`",
                ("users", uname, "id"),
                None,
            )
        seen[u.id] = uname
    qseen: dict[str, str] = {}
    for qname in inst.queues:
        qid = inst.queue_id(qname)
        if qid in qseen:
            report(
                "FR064",
                f"queue ID `{qid}` is also the ID of `{qseen[qid]}`",
                ("queues", qname),
                None,
            )
        qseen[qid] = qname


def _check_queue_emails(
    inst: Instance, qname: str, emails: QueueEmailAddresses, report: Report, gaps: InstanceGaps
) -> None:
    base: JsonPath = ("queues", qname, "email-addresses")
    addresses = emails.all()
    if len(addresses) > MAX_QUEUE_EMAIL_ADDRESSES:
        report(
            "FR063",
            f"queue `{qname}` has {len(addresses)} email addresses; at most "
            f"{MAX_QUEUE_EMAIL_ADDRESSES} (1 default + 49 others) are allowed",
            (*base, "others", MAX_QUEUE_EMAIL_ADDRESSES - 1),
            "AssociateQueueEmailAddresses refuses more with LimitExceededException",
        )
    paths: list[JsonPath] = [(*base, "default")] + [
        (*base, "others", i) for i in range(len(emails.others))
    ]
    for addr, path in zip(addresses, paths, strict=True):
        if addr not in inst.email_addresses and not gaps.unsure("email-addresses", addr):
            report(
                "FR026",
                f"unknown email address `{addr}`{suggestion(addr, inst.email_addresses)}",
                path,
                None,
            )


def _check_quick_connect(
    inst: Instance,
    name: str,
    qc: QuickConnect,
    flow_types: dict[str, str] | None,
    report: Report,
    gaps: InstanceGaps,
    broken_flows: Collection[str],
) -> None:
    base: JsonPath = ("quick-connects", name)
    rules = {
        "external": ({"phone_number"}, None),
        "agent": ({"user", "flow"}, "agent-transfer"),
        "queue": ({"queue", "flow"}, "queue-transfer"),
    }
    needed, flow_type = rules[qc.type]
    for key in ("phone_number", "user", "queue", "flow"):
        given = getattr(qc, key) is not None
        yaml_key = key.replace("_", "-")
        if key in needed and not given:
            report("FR060", f"{qc.type} quick connect `{name}` needs `{yaml_key}`", base, None)
        elif given and key not in needed:
            report(
                "FR060",
                f"{qc.type} quick connect `{name}` cannot set `{yaml_key}`",
                (*base, yaml_key),
                "external quick connects take a phone number only"
                if qc.type == "external"
                else None,
            )
    if (
        qc.user is not None
        and qc.type == "agent"
        and qc.user not in inst.users
        and not gaps.unsure("users", qc.user)
    ):
        report(
            "FR022",
            f"unknown user `{qc.user}`{suggestion(qc.user, inst.users)}",
            (*base, "user"),
            None,
        )
    if (
        qc.queue is not None
        and qc.type == "queue"
        and qc.queue not in inst.queues
        and not gaps.unsure("queues", qc.queue)
    ):
        report(
            "FR021",
            f"unknown queue `{qc.queue}`{suggestion(qc.queue, inst.queues)}",
            (*base, "queue"),
            None,
        )
    if qc.flow is not None and flow_type is not None and flow_types is not None:
        if qc.flow in broken_flows and qc.flow not in flow_types:
            return  # its type is not known
        if qc.flow not in flow_types:
            report(
                "FR023",
                f"unknown flow `{qc.flow}`{suggestion(qc.flow, flow_types)}",
                (*base, "flow"),
                None,
            )
        elif flow_types[qc.flow] != flow_type:
            report(
                "FR060",
                f"{qc.type} quick connect `{name}` needs a flow of type {flow_type}; "
                f"`{qc.flow}` is {flow_types[qc.flow]}",
                (*base, "flow"),
                None,
            )


def _check_aliases(inst: Instance, report: Report, report_key: Report, gaps: InstanceGaps) -> None:
    """AssociateEmailAddressAlias: at most one alias per address (structural), both exist, no chains, no reuse."""
    aliased_by: dict[str, str] = {}
    for primary, e in inst.email_addresses.items():
        problem = email_address_problem(primary)
        if problem is not None:
            report_key(
                "FR013",
                problem,
                ("email-addresses", primary),
                "write the address as local-part@domain.tld",
            )
        if e.alias is None:
            continue
        path: JsonPath = ("email-addresses", primary, "alias")
        if e.alias == primary:
            report("FR062", f"`{primary}` cannot be its own alias", path, None)
        elif e.alias not in inst.email_addresses:
            if gaps.unsure("email-addresses", e.alias):
                continue
            report(
                "FR026",
                f"alias `{e.alias}` is not an email address of the instance"
                f"{suggestion(e.alias, inst.email_addresses)}",
                path,
                "both addresses must exist (ResourceNotFoundException)",
            )
        elif inst.email_addresses[e.alias].alias is not None:
            report(
                "FR062",
                f"`{e.alias}` has an alias of its own, so it cannot be an alias: no alias chains",
                path,
                "ResourceConflictException: an alias cannot have an alias",
            )
        elif e.alias in aliased_by:
            report(
                "FR062",
                f"`{e.alias}` is already the alias of `{aliased_by[e.alias]}`",
                path,
                "an address can be the alias of one address only (ResourceConflictException)",
            )
        if e.alias in aliased_by or e.alias is None:
            continue
        aliased_by[e.alias] = primary
    for primary, e in inst.email_addresses.items():
        if e.alias is not None and primary in aliased_by and e.alias != primary:
            report(
                "FR062",
                f"`{primary}` is the alias of `{aliased_by[primary]}`, so it cannot have an alias",
                ("email-addresses", primary, "alias"),
                "ResourceConflictException: no alias chains",
            )

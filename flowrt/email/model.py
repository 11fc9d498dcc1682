"""The email channel's API side: StartEmailContact requests, aliases and queue "From" addresses.

Three parts, each following the seeds (see docs/email.md for the rule-by-rule citations):

- the Amazon Connect errors (`ConnectError` and its subclasses), shaped like botocore's
  `ClientError`: `.response["Error"]["Code"]`, the message, `ResponseMetadata.HTTPStatusCode`;
- the StartEmailContact request (`StartEmailContactRequest`, PascalCase keys as in the API,
  seed 004) and `request_problems`, which lists every way a request breaks the seed's rules, each
  with the API error it gets and the path of the offending field (so scenario files can show it
  positioned, and the client raises the first);
- `Mailbox`, an in-memory, mutable copy of the instance's email state: addresses and their
  aliases (seed 001), each queue's "From" addresses (seed 003), the email contacts created so far
  and the ClientTokens seen.  Its methods are the operations of the API with the seed's rules.

Running flows (StartEmailContact's flow, forwards under the outbound email policy, transfers)
lives in flowrt.email.session; the boto3-shaped client in flowrt.email.client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from flowrt.lang.instance import MAX_QUEUE_EMAIL_ADDRESSES

if TYPE_CHECKING:
    from flowrt.lang.instance import Instance

#: Seed 004: user-defined attributes take at most this many UTF-8 bytes (keys and values).
MAX_ATTRIBUTE_BYTES = 32_768
#: Seed 004: the reference types an email contact may have when it is created.
CREATION_REFERENCE_TYPES = ("URL", "NUMBER", "STRING", "DATE")
REFERENCE_TYPES = (
    "URL",
    "ATTACHMENT",
    "CONTACT_ANALYSIS",
    "NUMBER",
    "STRING",
    "DATE",
    "EMAIL",
    "EMAIL_MESSAGE",
)
#: Seeds 001 and 003: ClientToken is at most 500 characters.
MAX_CLIENT_TOKEN = 500
CONTACT_EXPIRY = "connect:ContactExpiry"
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_SYSTEM_KEY = re.compile(r"^connect:[A-Za-z0-9_-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Path = tuple[str | int, ...]


# ---------------------------------------------------------------------------------------------
# errors


class ConnectError(Exception):
    """An Amazon Connect API error, shaped like botocore's `ClientError`.

    `response["Error"]["Code"]` is the exception's name, `response["Error"]["Message"]` the
    message, `response["ResponseMetadata"]["HTTPStatusCode"]` the status of the seeds' error
    tables.  `path` is the request field at fault (empty when the request as a whole is).
    """

    CODE: ClassVar[str] = "ConnectException"
    STATUS: ClassVar[int] = 400

    def __init__(
        self, message: str, operation: str = "", *, path: Path = (), reason: str | None = None
    ) -> None:
        self.message = message
        self.operation_name = operation
        self.path = path
        self.reason = reason
        self.response: dict[str, Any] = {
            "Error": {"Code": self.CODE, "Message": message},
            "Message": message,
            "ResponseMetadata": {"HTTPStatusCode": self.STATUS},
        }
        if reason is not None:
            self.response["Reason"] = reason
        where = f" when calling the {operation} operation" if operation else ""
        super().__init__(f"An error occurred ({self.CODE}){where}: {message}")

    @property
    def code(self) -> str:
        return self.CODE

    @property
    def status(self) -> int:
        return self.STATUS


class ResourceNotFoundException(ConnectError):
    """The specified resource was not found (404)."""

    CODE = "ResourceNotFoundException"
    STATUS = 404


class ResourceConflictException(ConnectError):
    """A resource already has that name / the change conflicts with an existing one (409)."""

    CODE = "ResourceConflictException"
    STATUS = 409


class InvalidParameterException(ConnectError):
    """One or more of the specified parameters are not valid (400)."""

    CODE = "InvalidParameterException"
    STATUS = 400


class InvalidRequestException(ConnectError):
    """The request is not valid (400)."""

    CODE = "InvalidRequestException"
    STATUS = 400


class IdempotencyException(ConnectError):
    """The ClientToken was used before with a different request (409)."""

    CODE = "IdempotencyException"
    STATUS = 409


class LimitExceededException(ConnectError):
    """The allowed limit for the resource has been exceeded (429)."""

    CODE = "LimitExceededException"
    STATUS = 429


class AccessDeniedException(ConnectError):
    """You do not have sufficient permissions to perform this action (403)."""

    CODE = "AccessDeniedException"
    STATUS = 403


ERRORS: dict[str, type[ConnectError]] = {
    cls.CODE: cls
    for cls in (
        ResourceNotFoundException,
        ResourceConflictException,
        InvalidParameterException,
        InvalidRequestException,
        IdempotencyException,
        LimitExceededException,
        AccessDeniedException,
    )
}


# ---------------------------------------------------------------------------------------------
# the StartEmailContact request (seed 004)


class ApiModel(BaseModel):
    """A request shape of the API: PascalCase keys, unknown keys refused.

    Every field is optional in the model (and so in the scenario schema): the API's own rules,
    required fields included, are checked by `request_problems`, so a missing Subject gets the
    API's error name rather than a schema message.
    """

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_pascal, populate_by_name=True, frozen=True
    )


class EmailAddressInfo(ApiModel):
    """An address and its display name (From, To, Cc)."""

    email_address: str | None = Field(None, description="The address. Required.")
    display_name: str | None = Field(None, description="The name shown with it.")


class EmailRawMessage(ApiModel):
    """The message itself: Subject, Body and ContentType are required."""

    subject: str | None = Field(None, description="Subject (`$.Name`). Required.")
    body: str | None = Field(None, description="Body (`$.Email.EmailMessage.Plaintext`). Required.")
    content_type: str | None = Field(None, description="e.g. text/plain. Required.")
    headers: dict[str, str] = Field(default_factory=dict, description="Message headers.")


class EmailMessage(ApiModel):
    """The email: MessageSourceType RAW and a RawMessage."""

    message_source_type: Literal["RAW"] | None = Field(None, description="RAW. Required.")
    raw_message: EmailRawMessage | None = Field(None, description="The message. Required.")


class EmailRecipients(ApiModel):
    """Further recipients of the email (`$.AdditionalEmailRecipients.ToList` / `.CcList`)."""

    to_addresses: list[EmailAddressInfo] = Field(default_factory=list)
    cc_addresses: list[EmailAddressInfo] = Field(default_factory=list)


class EmailAttachment(ApiModel):
    """An attachment: its file name and presigned S3 URL."""

    file_name: str | None = Field(None, description="File name. Required.")
    s3_url: str | None = Field(None, description="Presigned S3 URL. Required.")


class ContactReference(ApiModel):
    """A reference shown to the agent; at creation only URL, NUMBER, STRING or DATE."""

    value: str | None = Field(None, description="The reference's value. Required.")
    type: (
        Literal[
            "URL",
            "ATTACHMENT",
            "CONTACT_ANALYSIS",
            "NUMBER",
            "STRING",
            "DATE",
            "EMAIL",
            "EMAIL_MESSAGE",
        ]
        | None
    ) = Field(None, description="URL, NUMBER, STRING or DATE at creation. Required.")
    status: str | None = None
    arn: str | None = None
    status_reason: str | None = None


class SegmentAttributeValue(ApiModel):
    """A system-defined segment attribute value: a string, an integer or a map of values."""

    value_string: str | None = None
    value_integer: int | None = None
    value_map: dict[str, SegmentAttributeValue] | None = None


class StartEmailContactRequest(ApiModel):
    """A StartEmailContact request (seed 004); InstanceId is implied by the project."""

    from_email_address: EmailAddressInfo | None = Field(
        None, description="The customer's address and name. Required."
    )
    destination_email_address: str | None = Field(
        None, description="An email address of the instance (or an alias of one). Required."
    )
    description: str | None = Field(None, description="A description of the contact.")
    references: dict[str, ContactReference] = Field(default_factory=dict)
    name: str | None = Field(None, description="The name shown to the agent in the CCP.")
    email_message: EmailMessage | None = Field(None, description="The email. Required.")
    additional_recipients: EmailRecipients | None = None
    attachments: list[EmailAttachment] = Field(default_factory=list)
    contact_flow_id: str | None = Field(
        None, description="The flow to run (name or ARN); default: the destination's flow."
    )
    related_contact_id: str | None = Field(
        None, description="A contact whose attributes are copied to the new one."
    )
    attributes: dict[str, str] = Field(
        default_factory=dict, description="User-defined attributes (at most 32,768 bytes)."
    )
    segment_attributes: dict[str, SegmentAttributeValue] = Field(default_factory=dict)
    client_token: str | None = Field(None, description="Idempotency token (at most 500).")

    def fingerprint(self) -> str:
        """The request without its token, as canonical JSON (same request, same fingerprint)."""
        data = self.model_dump(by_alias=True, exclude_none=True, exclude={"client_token"})
        return json.dumps(data, sort_keys=True, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# request validation


@dataclass(frozen=True)
class Problem:
    """A broken rule: the API error it gets, a message, and the field's path in the request.

    `key` says the position is the key at `path` (a missing field is shown at its parent's key).
    """

    error: type[ConnectError]
    message: str
    path: Path = ()
    key: bool = False

    def exception(self, operation: str) -> ConnectError:
        return self.error(self.message, operation, path=self.path)


def _missing(parent: Path, name: str) -> Problem:
    where = ".".join(str(p) for p in parent) or "input"
    return Problem(
        InvalidRequestException,
        f'Missing required parameter in {where}: "{name}"',
        parent,
        key=True,
    )


def _address(info: EmailAddressInfo | None, path: Path, name: str) -> Iterable[Problem]:
    if info is None:
        yield _missing(path[:-1], name)
    elif info.email_address is None:
        yield _missing(path, "EmailAddress")
    elif not _EMAIL.match(info.email_address):
        yield Problem(
            InvalidRequestException,
            f"{'.'.join(map(str, path))}.EmailAddress `{info.email_address}` is not an email "
            "address",
            (*path, "EmailAddress"),
        )


def attribute_size(attrs: Mapping[str, str]) -> int:
    """UTF-8 bytes of keys and values together (seed 004)."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in attrs.items())


def _message(req: StartEmailContactRequest) -> Iterable[Problem]:
    msg = req.email_message
    if msg is None:
        yield _missing((), "EmailMessage")
        return
    if msg.message_source_type is None:
        yield _missing(("EmailMessage",), "MessageSourceType")
    raw = msg.raw_message
    if raw is None:
        yield _missing(("EmailMessage",), "RawMessage")
        return
    for name in ("Subject", "Body", "ContentType"):
        if getattr(raw, to_snake(name)) is None:
            yield _missing(("EmailMessage", "RawMessage"), name)


def to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _references(req: StartEmailContactRequest) -> Iterable[Problem]:
    for name, ref in req.references.items():
        path: Path = ("References", name)
        if ref.type is None:
            yield _missing(path, "Type")
        elif ref.type not in CREATION_REFERENCE_TYPES:
            yield Problem(
                InvalidRequestException,
                f"reference `{name}` has type {ref.type}; an email contact can only have "
                f"{', '.join(CREATION_REFERENCE_TYPES)} references when it is created "
                "(EMAIL, EMAIL_MESSAGE and ATTACHMENT are not supported at creation)",
                (*path, "Type"),
            )
        if ref.value is None:
            yield _missing(path, "Value")


def attribute_key_problems(attrs: Iterable[str], base: Path, system: bool) -> Iterable[Problem]:
    """Keys only of letters, digits, `-` and `_` (seed 004); `connect:` keys when `system`."""
    for key in attrs:
        if _KEY.match(key) or (system and _SYSTEM_KEY.match(key)):
            continue
        yield Problem(
            InvalidRequestException,
            f"attribute key `{key}` may only hold letters, digits, `-` and `_`",
            (*base, key),
            key=True,
        )


def _segment_attributes(req: StartEmailContactRequest) -> Iterable[Problem]:
    yield from attribute_key_problems(req.segment_attributes, ("SegmentAttributes",), True)
    expiry = req.segment_attributes.get(CONTACT_EXPIRY)
    if expiry is None:
        return
    path: Path = ("SegmentAttributes", CONTACT_EXPIRY)
    duration = (expiry.value_map or {}).get("ExpiryDuration")
    if duration is None or duration.value_integer is None:
        yield Problem(
            InvalidRequestException,
            f'{CONTACT_EXPIRY} needs {{"ValueMap": {{"ExpiryDuration": {{"ValueInteger": '
            "<minutes>}}}",
            path,
        )
    elif duration.value_integer < 1:
        yield Problem(
            InvalidRequestException,
            f"{CONTACT_EXPIRY}: ExpiryDuration must be a positive number of minutes, not "
            f"{duration.value_integer}",
            (*path, "ValueMap", "ExpiryDuration", "ValueInteger"),
        )


def expiry_minutes(req: StartEmailContactRequest) -> int | None:
    """The contact's expiry in minutes from `connect:ContactExpiry`, if given."""
    expiry = req.segment_attributes.get(CONTACT_EXPIRY)
    duration = (expiry.value_map or {}).get("ExpiryDuration") if expiry else None
    return duration.value_integer if duration is not None else None


def shape_problems(req: StartEmailContactRequest) -> list[Problem]:
    """The request's own rules (seed 004), which need nothing of the instance."""
    out = list(_address(req.from_email_address, ("FromEmailAddress",), "FromEmailAddress"))
    if req.destination_email_address is None:
        out.append(_missing((), "DestinationEmailAddress"))
    out.extend(_message(req))
    recipients = req.additional_recipients
    if recipients is not None:
        for kind, infos in (
            ("ToAddresses", recipients.to_addresses),
            ("CcAddresses", recipients.cc_addresses),
        ):
            for i, info in enumerate(infos):
                out.extend(_address(info, ("AdditionalRecipients", kind, i), kind))
    for i, att in enumerate(req.attachments):
        for name in ("FileName", "S3Url"):
            if getattr(att, to_snake(name)) is None:
                out.append(_missing(("Attachments", i), name))
    out.extend(_references(req))
    out.extend(attribute_key_problems(req.attributes, ("Attributes",), False))
    size = attribute_size(req.attributes)
    if size > MAX_ATTRIBUTE_BYTES:
        out.append(
            Problem(
                InvalidRequestException,
                f"Attributes take {size:,} UTF-8 bytes; at most {MAX_ATTRIBUTE_BYTES:,} are "
                "allowed across all key-value pairs",
                ("Attributes",),
                key=True,
            )
        )
    out.extend(_segment_attributes(req))
    if req.client_token is not None and len(req.client_token) > MAX_CLIENT_TOKEN:
        out.append(
            Problem(
                InvalidRequestException,
                f"ClientToken has {len(req.client_token)} characters; at most {MAX_CLIENT_TOKEN}",
                ("ClientToken",),
            )
        )
    return out


def parse_request(data: Mapping[str, Any]) -> tuple[StartEmailContactRequest | None, list[Problem]]:
    """A request from plain data (the client's keyword arguments); problems of its shape."""
    from pydantic import ValidationError

    try:
        return StartEmailContactRequest.model_validate(dict(data)), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = tuple(p for p in err["loc"])
            where = ".".join(map(str, path)) or "input"
            if err["type"] == "extra_forbidden":
                msg = (
                    f'Unknown parameter in {".".join(map(str, path[:-1])) or "input"}: "{path[-1]}"'
                )
            else:
                msg = f"Invalid type for parameter {where}: {err['msg']}"
            problems.append(Problem(InvalidRequestException, msg, path))
        return None, problems


# ---------------------------------------------------------------------------------------------
# the instance's email state


@dataclass
class AddressState:
    """One email address of the instance."""

    address: str
    display_name: str | None = None
    flow: str | None = None


@dataclass
class EmailContact:
    """An email contact created by StartEmailContact: its contact record."""

    contact_id: str
    request: StartEmailContactRequest
    sent_to: str
    delivered_to: str
    flow: str
    attributes: dict[str, str]
    related_contact_id: str | None = None
    expiry_minutes: int | None = None
    notes: list[str] = field(default_factory=list)
    #: The run of its flow (a flowrt.run.trace.Result), once it ran.
    result: Any = None


class Mailbox:
    """The instance's email state, mutable: addresses, aliases, queue "From" addresses, contacts.

    Built from an `Instance` (which it never changes).  Addresses are identified by the address
    itself (an `EmailAddressId` may also be an ARN ending in `/email-address/<address>`);
    comparisons ignore case.  Alias relationships are kept as primary -> alias (seed 001, read as
    the parameter descriptions say: the path's EmailAddressId is the primary, the body's
    AliasConfiguration.EmailAddressId the alias).
    """

    def __init__(self, instance: Instance | None) -> None:
        self.instance = instance
        self.addresses: dict[str, AddressState] = {}
        self.aliases: dict[str, str] = {}
        self.queue_default: dict[str, str | None] = {}
        self.queue_others: dict[str, list[str]] = {}
        self.contacts: dict[str, EmailContact] = {}
        #: (operation, ClientToken) -> (fingerprint of the request, its result).
        self.tokens: dict[tuple[str, str], tuple[str, Any]] = {}
        if instance is None:
            return
        for addr, e in instance.email_addresses.items():
            self.addresses[addr.lower()] = AddressState(addr, e.display_name, e.flow)
        for addr, e in instance.email_addresses.items():
            if e.alias is not None and e.alias.lower() in self.addresses:
                self.aliases[addr.lower()] = e.alias.lower()
        for qname, q in instance.queues.items():
            emails = q.email_addresses
            self.queue_default[qname] = emails.default if emails else None
            self.queue_others[qname] = list(emails.others) if emails else []

    # -- lookups -------------------------------------------------------------------------------

    def find(self, address_id: str | None) -> AddressState | None:
        """The address an EmailAddressId names (the address, or an ARN ending in it)."""
        if not address_id:
            return None
        key = address_id.rsplit("/email-address/", 1)[-1].lower()
        return self.addresses.get(key)

    def primary_of(self, address: str) -> str | None:
        """The primary address `address` is the alias of, if any."""
        low = address.lower()
        for primary, alias in self.aliases.items():
            if alias == low:
                return self.addresses[primary].address
        return None

    def alias_of(self, address: str) -> str | None:
        alias = self.aliases.get(address.lower())
        return self.addresses[alias].address if alias else None

    def deliver_to(self, address: str) -> AddressState | None:
        """Where mail to `address` arrives: the primary when it is an alias (seed 001)."""
        state = self.find(address)
        if state is None:
            return None
        primary = self.primary_of(state.address)
        return self.find(primary) if primary else state

    def from_addresses(self, queue: str) -> list[str]:
        """A queue's "From" addresses: its default outbound address first (seed 003)."""
        default = self.queue_default.get(queue)
        return ([default] if default else []) + self.queue_others.get(queue, [])

    def arn(self, address: str) -> str:
        base = self.instance.arn if self.instance else "arn:aws:connect:::instance/unknown"
        return f"{base}/email-address/{address}"

    # -- idempotency ---------------------------------------------------------------------------

    def replay(self, operation: str, token: str | None, fingerprint: str) -> tuple[bool, Any]:
        """(True, earlier result) for a retry; IdempotencyException if the token was reused."""
        if token is None:
            return False, None
        seen = self.tokens.get((operation, token))
        if seen is None:
            return False, None
        if seen[0] != fingerprint:
            raise IdempotencyException(
                f"ClientToken `{token}` was already used with a different {operation} request",
                operation,
                path=("ClientToken",),
            )
        return True, seen[1]

    def remember(self, operation: str, token: str | None, fingerprint: str, result: Any) -> None:
        if token is not None:
            self.tokens[(operation, token)] = (fingerprint, result)

    # -- aliases (seed 001) --------------------------------------------------------------------

    def _need(self, address_id: str, op: str, path: Path) -> AddressState:
        state = self.find(address_id)
        if state is None:
            raise ResourceNotFoundException(
                f"email address `{address_id}` does not exist in the instance", op, path=path
            )
        return state

    def associate_alias(self, email_address_id: str, alias_id: str, token: str | None) -> None:
        """AssociateEmailAddressAlias: `alias_id` becomes the alias of `email_address_id`."""
        op = "AssociateEmailAddressAlias"
        done, _ = self.replay(op, token, f"{email_address_id}\0{alias_id}")
        if done:
            return
        primary = self._need(email_address_id, op, ("EmailAddressId",))
        alias = self._need(alias_id, op, ("AliasConfiguration", "EmailAddressId"))
        p, a = primary.address.lower(), alias.address.lower()
        if p == a:
            raise InvalidParameterException(
                f"`{primary.address}` cannot be its own alias", op, path=("AliasConfiguration",)
            )
        if self.aliases.get(p) == a:
            self.remember(op, token, f"{email_address_id}\0{alias_id}", None)
            return
        self._alias_conflicts(primary, alias, op)
        self.aliases[p] = a
        self.remember(op, token, f"{email_address_id}\0{alias_id}", None)

    def _alias_conflicts(self, primary: AddressState, alias: AddressState, op: str) -> None:
        p, a = primary.address.lower(), alias.address.lower()
        conflicts = [
            (
                p in self.aliases,
                f"`{primary.address}` already has an alias "
                f"(`{self.alias_of(primary.address)}`); an address has at most one alias",
            ),
            (
                self.primary_of(primary.address) is not None,
                f"`{primary.address}` is the alias of `{self.primary_of(primary.address)}`, so it "
                "cannot have an alias: no alias chains",
            ),
            (
                a in self.aliases,
                f"`{alias.address}` has an alias of its own (`{self.alias_of(alias.address)}`), so "
                "it cannot be an alias: no alias chains",
            ),
            (
                self.primary_of(alias.address) is not None,
                f"`{alias.address}` is already the alias of `{self.primary_of(alias.address)}`",
            ),
        ]
        for broken, message in conflicts:
            if broken:
                raise ResourceConflictException(message, op, path=("AliasConfiguration",))

    def disassociate_alias(self, email_address_id: str, alias_id: str, token: str | None) -> None:
        """DisassociateEmailAddressAlias: remove the relationship; both must exist."""
        op = "DisassociateEmailAddressAlias"
        done, _ = self.replay(op, token, f"{email_address_id}\0{alias_id}")
        if done:
            return
        primary = self._need(email_address_id, op, ("EmailAddressId",))
        alias = self._need(alias_id, op, ("AliasConfiguration", "EmailAddressId"))
        if self.aliases.get(primary.address.lower()) != alias.address.lower():
            raise ResourceNotFoundException(
                f"`{alias.address}` is not the alias of `{primary.address}`",
                op,
                path=("AliasConfiguration",),
            )
        del self.aliases[primary.address.lower()]
        self.remember(op, token, f"{email_address_id}\0{alias_id}", None)

    def delete_address(self, email_address_id: str) -> None:
        """DeleteEmailAddress: the address goes, and with it every alias relationship (seed 001).

        flowrt refuses to delete a queue's default outbound address (ResourceConflictException)
        and drops the address from the queues' other "From" addresses.
        """
        op = "DeleteEmailAddress"
        state = self._need(email_address_id, op, ("EmailAddressId",))
        low = state.address.lower()
        for queue, default in self.queue_default.items():
            if default is not None and default.lower() == low:
                raise ResourceConflictException(
                    f"`{state.address}` is the default outbound address of queue `{queue}`",
                    op,
                )
        self.aliases = {p: a for p, a in self.aliases.items() if low not in (p, a)}
        for queue, others in self.queue_others.items():
            self.queue_others[queue] = [o for o in others if o.lower() != low]
        del self.addresses[low]

    def describe(self, email_address_id: str) -> dict[str, Any]:
        """DescribeEmailAddress, with the alias relationships the address takes part in."""
        state = self._need(email_address_id, "DescribeEmailAddress", ("EmailAddressId",))
        related = [self.alias_of(state.address), self.primary_of(state.address)]
        out: dict[str, Any] = {
            "EmailAddressId": state.address,
            "EmailAddressArn": self.arn(state.address),
            "EmailAddress": state.address,
            "AliasConfigurations": [{"EmailAddressId": r} for r in related if r is not None],
        }
        if state.display_name is not None:
            out["DisplayName"] = state.display_name
        return out

    def search(self, criteria: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """SearchEmailAddresses: every address (optionally a StringCondition) with its aliases."""
        found = [self.describe(s.address) for s in self.addresses.values()]
        cond = (criteria or {}).get("StringCondition")
        if cond:
            name = cond.get("FieldName", "EmailAddress")
            value = str(cond.get("Value", "")).lower()
            how = cond.get("ComparisonType", "EXACT")
            tests: dict[str, Callable[[str], bool]] = {
                "EXACT": lambda v: v == value,
                "STARTS_WITH": lambda v: v.startswith(value),
                "CONTAINS": lambda v: value in v,
            }
            test = tests.get(how)
            if test is None:
                raise InvalidParameterException(
                    f"ComparisonType `{how}` is not one of EXACT, STARTS_WITH, CONTAINS",
                    "SearchEmailAddresses",
                )
            found = [f for f in found if test(str(f.get(name, "")).lower())]
        return {"EmailAddresses": found, "ApproximateTotalCount": len(found)}

    # -- queue "From" addresses (seed 003) -----------------------------------------------------

    def associate_queue_addresses(
        self, queue: str, address_ids: list[str], token: str | None
    ) -> None:
        """AssociateQueueEmailAddresses: at most 50 with the default; all must exist."""
        op = "AssociateQueueEmailAddresses"
        fp = json.dumps([queue, address_ids])
        done, _ = self.replay(op, token, fp)
        if done:
            return
        if queue not in self.queue_others:
            raise ResourceNotFoundException(
                f"queue `{queue}` does not exist", op, path=("QueueId",)
            )
        if not 1 <= len(address_ids) <= MAX_QUEUE_EMAIL_ADDRESSES:
            raise InvalidParameterException(
                f"EmailAddressesConfig has {len(address_ids)} items; 1 to "
                f"{MAX_QUEUE_EMAIL_ADDRESSES} are allowed",
                op,
                path=("EmailAddressesConfig",),
            )
        states = [
            self._need(a, op, ("EmailAddressesConfig", i, "EmailAddressId"))
            for i, a in enumerate(address_ids)
        ]
        have = {a.lower() for a in self.from_addresses(queue)}
        new = []
        for s in states:
            if s.address.lower() not in have:
                have.add(s.address.lower())
                new.append(s.address)
        if len(have) > MAX_QUEUE_EMAIL_ADDRESSES:
            raise LimitExceededException(
                f"queue `{queue}` would have {len(have)} email addresses; at most "
                f"{MAX_QUEUE_EMAIL_ADDRESSES} (1 default outbound + 49 others)",
                op,
                path=("EmailAddressesConfig",),
            )
        self.queue_others[queue].extend(new)
        self.remember(op, token, fp, None)

    def disassociate_queue_addresses(self, queue: str, address_ids: list[str]) -> None:
        """DisassociateQueueEmailAddresses: remove addresses from a queue's other addresses."""
        op = "DisassociateQueueEmailAddresses"
        if queue not in self.queue_others:
            raise ResourceNotFoundException(
                f"queue `{queue}` does not exist", op, path=("QueueId",)
            )
        gone = {self._need(a, op, ("EmailAddressesConfig",)).address.lower() for a in address_ids}
        self.queue_others[queue] = [o for o in self.queue_others[queue] if o.lower() not in gone]

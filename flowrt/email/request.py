"""The StartEmailContact request (Amazon Connect API): its model, its own rules, what flows read of it.

`StartEmailContactRequest` (PascalCase keys as in the API) and the shapes it is made of; every
field is optional in the models, and the API's rules are checked by `shape_problems`, which lists
every way a request breaks them (each a `Problem`: the API error it gets, a message and the path
of the offending field, so scenario files can show it positioned and the client raises the
first).  `parse_request` builds a request from plain data.  The rules that need the instance are
`instance_problems` (flowrt.email.cases).  Also the request's fields a flow reads beyond the
contact's usual ones (`_extra`).  docs/email.md cites the Amazon Connect documentation of each rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from flowrt.email.errors import ConnectError, InvalidRequestException, Path
from flowrt.lang.instance import MAX_EMAIL_ADDRESS_LENGTH, is_email_address

#: StartEmailContact: user-defined attributes take at most this many UTF-8 bytes (keys and values).
MAX_ATTRIBUTE_BYTES = 32_768
#: StartEmailContact: the reference types an email contact may have when it is created.
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
#: AssociateEmailAddressAlias and AssociateQueueEmailAddresses: ClientToken is at most 500 characters.
MAX_CLIENT_TOKEN = 500
CONTACT_EXPIRY = "connect:ContactExpiry"
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_SYSTEM_KEY = re.compile(r"^connect:[A-Za-z0-9_-]+$")


# ---------------------------------------------------------------------------------------------
# the StartEmailContact request (Amazon Connect API)


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
    """A StartEmailContact request of the Amazon Connect API; InstanceId is implied by the project."""

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
    elif len(info.email_address) > MAX_EMAIL_ADDRESS_LENGTH:
        # Checked first, and the address is not quoted: it may be megabytes long.
        yield Problem(
            InvalidRequestException,
            f"{'.'.join(map(str, path))}.EmailAddress has {len(info.email_address):,} "
            f"characters; an email address has at most {MAX_EMAIL_ADDRESS_LENGTH}",
            (*path, "EmailAddress"),
        )
    elif not is_email_address(info.email_address):
        yield Problem(
            InvalidRequestException,
            f"{'.'.join(map(str, path))}.EmailAddress `{info.email_address}` is not an email "
            "address",
            (*path, "EmailAddress"),
        )


def attribute_size(attrs: Mapping[str, str]) -> int:
    """UTF-8 bytes of keys and values together (StartEmailContact)."""
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
    """Keys only of letters, digits, `-` and `_` (StartEmailContact); `connect:` keys when `system`."""
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
    """The request's own rules (StartEmailContact), which need nothing of the instance."""
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
# what flows read of the request


def _raw(req: StartEmailContactRequest, name: str) -> str | None:
    raw = req.email_message.raw_message if req.email_message else None
    return getattr(raw, name) if raw is not None else None


def _addresses(req: StartEmailContactRequest, kind: str) -> list[str]:
    rec = req.additional_recipients
    infos = getattr(rec, kind) if rec is not None else []
    return [i.email_address for i in infos if i.email_address]


def _extra(req: StartEmailContactRequest) -> dict[tuple[str, ...], str]:
    """What flows read of the request beyond the contact's usual fields."""
    out: dict[tuple[str, ...], str] = {}
    if req.description is not None:
        out[("Description",)] = req.description
    if req.related_contact_id is not None:
        out[("RelatedContactId",)] = req.related_contact_id
    for name, ref in req.references.items():
        if ref.value is not None:
            out[("References", name, "Value")] = ref.value
        if ref.type is not None:
            out[("References", name, "Type")] = ref.type
    for key, value in req.segment_attributes.items():
        if value.value_string is not None:
            out[("SegmentAttributes", key, "ValueString")] = value.value_string
    minutes = expiry_minutes(req)
    if minutes is not None:
        out[("SegmentAttributes", "connect:ContactExpiry", "ValueMap", "ExpiryDuration")] = str(
            minutes
        )
    subject = _raw(req, "subject")
    if subject is not None:
        out[("Email", "EmailMessage", "Subject")] = subject
    return out

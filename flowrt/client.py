"""A client shaped like boto3's Amazon Connect client, over a loaded flowrt project.

For tests that users already write against boto3::

    from flowrt.client import ConnectClient

    connect = ConnectClient("flows")               # a project directory (or a Project/Program)
    resp = connect.start_email_contact(
        InstanceId="anycompany",
        FromEmailAddress={"EmailAddress": "pat@example.com", "DisplayName": "Pat"},
        DestinationEmailAddress="help@anycompany.example",
        EmailMessage={"MessageSourceType": "RAW", "RawMessage": {
            "Subject": "Order 42", "Body": "Where is it?", "ContentType": "text/plain"}},
    )
    resp["ContactId"]

    try:
        connect.associate_email_address_alias(
            EmailAddressId="help@anycompany.example",
            AliasConfiguration={"EmailAddressId": "support@anybrand.example"})
    except connect.exceptions.ResourceConflictException as err:
        err.response["Error"]["Code"]                          # "ResourceConflictException"
        err.response["ResponseMetadata"]["HTTPStatusCode"]     # 409

The client keeps an in-memory copy of the instance's email state (`flowrt.email.mailbox.Mailbox`): the
operations change that copy, never the files.  StartEmailContact runs the contact's flow in a
simulated world (`world=`, as in a scenario file); `result(contact_id)` gives the run.
Email addresses are identified by the address itself (or an ARN ending in
`/email-address/<address>`), queues by name, queue ID or ARN, flows by name or ARN.

Errors (docs/email.md): `ConnectClient(...)` raises `flowrt.FlowrtError`; the operations only
`ConnectError` subclasses, botocore's parameter checks included (required, unknown, type with
`None` refused, length): InvalidRequestException for StartEmailContact, else
InvalidParameterException.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from flowrt.email.cases import instance_problems
from flowrt.email.errors import (
    ERRORS,
    AccessDeniedException,
    ConnectError,
    IdempotencyException,
    InvalidParameterException,
    InvalidRequestException,
    LimitExceededException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from flowrt.email.mailbox import Mailbox
from flowrt.email.request import MAX_CLIENT_TOKEN, parse_request, shape_problems
from flowrt.email.result import EmailResult
from flowrt.email.session import EmailSession
from flowrt.lang.compiler import DEFAULT_MAX_STEPS
from flowrt.lang.instance import MAX_QUEUE_EMAIL_ADDRESSES
from flowrt.run.trace import Outcome
from flowrt.run.world import attribute_problems
from flowrt.scenario.run import check_run_options, prepare_world, shorten, show, world_model

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.project.driver import Project
    from flowrt.run.trace import Result

#: botocore's name for the base class of API errors.
ClientError = ConnectError

__all__ = [
    "AccessDeniedException",
    "ClientError",
    "ConnectClient",
    "ConnectError",
    "IdempotencyException",
    "InvalidParameterException",
    "InvalidRequestException",
    "LimitExceededException",
    "ResourceConflictException",
    "ResourceNotFoundException",
]

_OK: dict[str, Any] = {"ResponseMetadata": {"HTTPStatusCode": 200}}
START = "StartEmailContact"
#: Identifiers (InstanceId, ContactId, EmailAddressId, QueueId, ...) and tokens take 1 to this
#: many characters (ClientToken: seeds 001 and 003); longer ones are refused before any lookup.
MAX_ID = MAX_CLIENT_TOKEN
#: Messages of errors are cut to this many characters.
MAX_MESSAGE = 1_000


class _Omitted:
    """The default of a parameter left out: `None` is a value, and a wrong one (as in boto3)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<omitted>"


#: A parameter's default: left out.  Typed Any so that a signature can say `InstanceId: str`.
OMITTED: Any = _Omitted()

_KINDS: dict[str, type] = {"str": str, "int": int, "dict": Mapping, "list": list}


def _shape(spec: str) -> dict[str, type]:
    """`"Name:kind ..."` as parameter name -> type (botocore's shapes, as far as flowrt reads)."""
    return {name: _KINDS[kind] for name, kind in (p.split(":") for p in spec.split())}


#: What each parameter of the operations holds.
_TYPES = _shape(
    "InstanceId:str ContactId:str InitialContactId:str EmailAddressId:str QueueId:str "
    "ClientToken:str NextToken:str MaxResults:int Attributes:dict AliasConfiguration:dict "
    "SearchCriteria:dict SearchFilter:dict EmailAddressesConfig:list"
)
#: StartEmailContact's parameters (its request model checks them further).
_START_TYPES = _shape(
    "FromEmailAddress:dict DestinationEmailAddress:str Description:str References:dict Name:str "
    "EmailMessage:dict AdditionalRecipients:dict Attachments:list ContactFlowId:str "
    "RelatedContactId:str Attributes:dict SegmentAttributes:dict ClientToken:str"
)
#: StartEmailContact's parameters that name something: at most MAX_ID characters.
_START_IDS = ("DestinationEmailAddress", "ContactFlowId", "RelatedContactId", "ClientToken")
_VALID: dict[type, str] = {Mapping: "<class 'dict'>", list: "<class 'list'>, <class 'tuple'>"}


def _ok(**fields: Any) -> dict[str, Any]:
    return {**fields, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _error(op: str) -> type[ConnectError]:
    """The error of a malformed request: StartEmailContact's own, else botocore's."""
    return InvalidRequestException if op == START else InvalidParameterException


def _check(
    op: str,
    params: Mapping[str, Any],
    unknown: Mapping[Any, Any],
    required: tuple[str, ...] = (),
) -> None:
    """botocore's checks of an operation's parameters: unknown, missing, type, length."""
    error = _error(op)
    for name in unknown:
        raise error(
            f'Unknown parameter in input: "{_name(name)}", must be one of: {", ".join(params)}',
            op,
        )
    for name, value in params.items():
        if value is OMITTED:
            if name in required:
                raise error(f'Missing required parameter in input: "{name}"', op, path=(name,))
            continue
        _check_value(op, name, value, _TYPES[name])


def _check_value(op: str, path: str, value: Any, kind: type, *, length: bool = True) -> None:
    """A parameter's type (None is never one), and an identifier's length (1 to MAX_ID)."""
    error = _error(op)
    ok = isinstance(value, list | tuple) if kind is list else isinstance(value, kind)
    if not ok or (isinstance(value, bool) and kind is not bool):
        raise error(
            f"Invalid type for parameter {path}, value: {show(value)}, type: {type(value)!r}, "
            f"valid types: {_VALID.get(kind, repr(kind))}",
            op,
            path=(path,),
        )
    if kind is str and length and not 0 < len(value) <= MAX_ID:
        bound = "min length: 1" if not value else f"max length: {MAX_ID}"
        raise error(
            f"Invalid length for parameter {path}, value: {len(value):,}, valid {bound}",
            op,
            path=(path,),
        )
    if kind is int and not 1 <= value <= 100:
        raise error(
            f"Invalid value for parameter {path}, value: {show(value)}, valid range: 1-100",
            op,
            path=(path,),
        )


def _members(
    op: str,
    path: str,
    value: Mapping[Any, Any],
    members: Mapping[str, type],
    required: tuple[str, ...] = (),
) -> None:
    """The members of a structure parameter (AliasConfiguration, EmailAddressesConfig[0])."""
    error = _error(op)
    for key in value:
        if key not in members:
            raise error(
                f'Unknown parameter in {path}: "{_name(key)}", must be one of: '
                f"{', '.join(members)}",
                op,
                path=(path,),
            )
    for name, kind in members.items():
        if name not in value:
            if name in required:
                raise error(
                    f'Missing required parameter in {path}: "{name}"', op, path=(path, name)
                )
            continue
        _check_value(op, f"{path}.{name}", value[name], kind)


def _given(value: str) -> str | None:
    """An optional parameter's value, None when left out."""
    return None if value is OMITTED else value


def _name(key: object) -> str:
    return shorten(key) if isinstance(key, str) else show(key)


def _bounded(exc: ConnectError) -> ConnectError:
    """The error with its message cut to MAX_MESSAGE characters."""
    if len(exc.message) <= MAX_MESSAGE:
        return exc
    return type(exc)(
        shorten(exc.message, MAX_MESSAGE), exc.operation_name, path=exc.path, reason=exc.reason
    )


class ConnectClient:
    """The email operations of Amazon Connect's API over a flowrt project (see module doc).

    `exceptions` holds the error classes, as `boto3.client("connect").exceptions` does.
    """

    exceptions = SimpleNamespace(ClientError=ConnectError, **ERRORS)

    def __init__(
        self,
        project: str | os.PathLike[str] | Project | Program,
        *,
        world: Mapping[str, Any] | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
    ) -> None:
        """Raises FlowrtError when the project does not load or compile (a path that is not
        one or does not exist included), or `world` / `max_steps` are not valid."""
        from flowrt.lang.compiler import Program
        from flowrt.project.driver import Project, load_project

        check_run_options(None, max_steps)
        w = world_model(world)
        if isinstance(project, Program):
            program = project
        elif isinstance(project, Project):
            program = project.compile()
        else:
            program = load_project(_project_path(project)).compile()
        related = {k: v.attributes for k, v in w.contacts.items()}
        self.program = program
        self.mailbox = Mailbox(program.instance)
        self._session = EmailSession(program, self.mailbox, prepare_world(w), max_steps, related)
        self._results: dict[str, Result] = {}

    # -- helpers -------------------------------------------------------------------------------

    def _instance(self, instance_id: str, operation: str) -> None:
        """InstanceId, when given, names this project's instance (its name, ARN or ID)."""
        inst = self.program.instance
        if instance_id is OMITTED or inst is None:
            return
        names = {inst.instance, inst.arn, inst.arn.rsplit("/", 1)[-1]}
        if instance_id not in names:
            raise ResourceNotFoundException(
                f"instance `{shorten(instance_id)}` is not this project's instance "
                f"`{inst.instance}`",
                operation,
                path=("InstanceId",),
            )

    def _queue(self, queue_id: str, operation: str) -> str:
        inst = self.program.instance
        if inst is not None:
            for name in inst.queues:
                if queue_id in (name, inst.queue_id(name), inst.queue_arn(name)):
                    return name
        raise ResourceNotFoundException(
            f"queue `{shorten(queue_id)}` does not exist", operation, path=("QueueId",)
        )

    def _queue_request(
        self,
        op: str,
        instance_id: str,
        queue_id: str,
        config: list[Any],
        token: str,
        unknown: Mapping[str, Any],
    ) -> tuple[str, list[str]]:
        """Check a queue operation's parameters: the queue, and the EmailAddressIds of
        EmailAddressesConfig (1 to 50 structures)."""
        params = {
            "InstanceId": instance_id,
            "QueueId": queue_id,
            "EmailAddressesConfig": config,
            "ClientToken": token,
        }
        _check(op, params, unknown, ("QueueId", "EmailAddressesConfig"))
        if not 1 <= len(config) <= MAX_QUEUE_EMAIL_ADDRESSES:
            raise InvalidParameterException(
                f"EmailAddressesConfig has {len(config):,} items; 1 to "
                f"{MAX_QUEUE_EMAIL_ADDRESSES} are allowed",
                op,
                path=("EmailAddressesConfig",),
            )
        ids = []
        for i, item in enumerate(config):
            path = f"EmailAddressesConfig[{i}]"
            _check_value(op, path, item, Mapping)
            _members(op, path, item, {"EmailAddressId": str}, ("EmailAddressId",))
            ids.append(item["EmailAddressId"])
        self._instance(instance_id, op)
        return self._queue(queue_id, op), ids

    # -- StartEmailContact (seed 004) ----------------------------------------------------------

    def start_email_contact(self, *, InstanceId: str = OMITTED, **request: Any) -> dict[str, Any]:  # noqa: N803
        """Create an inbound email contact and run its flow; `{"ContactId": ...}`."""
        op = START
        _check(op, {"InstanceId": InstanceId}, {})
        self._instance(InstanceId, op)
        for name, value in request.items():
            kind = _START_TYPES.get(name) if isinstance(name, str) else None
            if kind is None:
                raise InvalidRequestException(
                    f'Unknown parameter in input: "{_name(name)}", must be one of: InstanceId, '
                    f"{', '.join(_START_TYPES)}",
                    op,
                )
            # Identifiers have bounded lengths; free text (Description, Name) the request's rules.
            _check_value(op, name, value, kind, length=name in _START_IDS)
        req, problems = parse_request(request)
        if req is not None:
            problems = shape_problems(req) + instance_problems(
                req, self.mailbox, self.program, self._session.related
            )
        if problems:
            raise _bounded(problems[0].exception(op))
        assert req is not None
        before = len(self._session.records)
        contact_id = self._session.start(req)
        if contact_id not in self._results:
            session = self._session
            self._results[contact_id] = EmailResult(
                session.outcome or Outcome("error", ""),
                _trace(session, before, contact_id),
                [],
                contact_id,
                session.record(),
            )
        return _ok(ContactId=contact_id)

    def result(self, contact_id: str) -> Result:
        """The run of the flow a StartEmailContact started (flowrt's own addition)."""
        op = "DescribeContact"
        _check_value(op, "contact_id", contact_id, str)
        try:
            return self._results[contact_id]
        except KeyError:
            raise ResourceNotFoundException(
                f"contact `{shorten(contact_id)}` does not exist", op
            ) from None

    def get_contact_attributes(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        InitialContactId: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """GetContactAttributes: the contact's attributes after its flow ran."""
        op = "GetContactAttributes"
        params = {"InstanceId": InstanceId, "InitialContactId": InitialContactId}
        _check(op, params, unknown, ("InitialContactId",))
        self._instance(InstanceId, op)
        return _ok(Attributes=dict(self._contact(InitialContactId, op).attributes))

    def update_contact_attributes(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        InitialContactId: str = OMITTED,  # noqa: N803
        Attributes: Mapping[str, str] = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """UpdateContactAttributes: change one contact's attributes (only that contact's).

        The attributes keep the rules of StartEmailContact's: keys of letters, digits, `-` and
        `_`, at most 32,768 UTF-8 bytes in all (InvalidParameterException)."""
        op = "UpdateContactAttributes"
        params = {"InstanceId": InstanceId, "InitialContactId": InitialContactId}
        _check(
            op, {**params, "Attributes": Attributes}, unknown, ("InitialContactId", "Attributes")
        )
        self._instance(InstanceId, op)
        for key, value in Attributes.items():
            _check_value(op, "Attributes key", key, str, length=False)
            _check_value(op, f"Attributes.{shorten(key)}", value, str, length=False)
        contact = self._contact(InitialContactId, op)
        merged = {**contact.attributes, **dict(Attributes)}
        problems = list(attribute_problems(merged))
        if problems:  # the size first: its message is short
            size = [p for p in problems if p[2] is None]
            message = (size or problems)[0][1]
            raise InvalidParameterException(shorten(message, MAX_MESSAGE), op, path=("Attributes",))
        contact.attributes = merged
        self._session.related[contact.contact_id] = contact.attributes
        return dict(_OK)

    def describe_contact(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        ContactId: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """DescribeContact (the email fields flowrt keeps): addresses, flow, related contact."""
        op = "DescribeContact"
        _check(op, {"InstanceId": InstanceId, "ContactId": ContactId}, unknown, ("ContactId",))
        self._instance(InstanceId, op)
        c = self._contact(ContactId, op)
        contact: dict[str, Any] = {
            "Id": c.contact_id,
            "Channel": "EMAIL",
            "InitiationMethod": "API",
            "Name": c.request.name or _subject(c.request),
            "SystemEndpoint": {"Type": "EMAIL", "Address": c.sent_to},
            "DeliveredTo": c.delivered_to,
            "ContactFlowId": c.flow,
        }
        if c.related_contact_id is not None:
            contact["RelatedContactId"] = c.related_contact_id
        return _ok(Contact=contact)

    def _contact(self, contact_id: str, op: str) -> Any:
        contact = self.mailbox.contacts.get(contact_id)
        if contact is None:
            raise ResourceNotFoundException(f"contact `{shorten(contact_id)}` does not exist", op)
        return contact

    # -- aliases (seed 001) --------------------------------------------------------------------

    def associate_email_address_alias(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        EmailAddressId: str = OMITTED,  # noqa: N803
        AliasConfiguration: Mapping[str, Any] = OMITTED,  # noqa: N803
        ClientToken: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """AliasConfiguration.EmailAddressId becomes the alias of EmailAddressId (docs/email.md)."""
        op = "AssociateEmailAddressAlias"
        alias = self._alias_request(
            op, InstanceId, EmailAddressId, AliasConfiguration, ClientToken, unknown
        )
        self.mailbox.associate_alias(EmailAddressId, alias, _given(ClientToken))
        return dict(_OK)

    def disassociate_email_address_alias(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        EmailAddressId: str = OMITTED,  # noqa: N803
        AliasConfiguration: Mapping[str, Any] = OMITTED,  # noqa: N803
        ClientToken: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """Remove the alias relationship between the two addresses."""
        op = "DisassociateEmailAddressAlias"
        alias = self._alias_request(
            op, InstanceId, EmailAddressId, AliasConfiguration, ClientToken, unknown
        )
        self.mailbox.disassociate_alias(EmailAddressId, alias, _given(ClientToken))
        return dict(_OK)

    def _alias_request(
        self,
        op: str,
        instance_id: str,
        address_id: str,
        config: Mapping[str, Any],
        token: str,
        unknown: Mapping[str, Any],
    ) -> str:
        """Check an alias operation's parameters; the alias's EmailAddressId."""
        params = {
            "InstanceId": instance_id,
            "EmailAddressId": address_id,
            "AliasConfiguration": config,
            "ClientToken": token,
        }
        _check(op, params, unknown, ("EmailAddressId", "AliasConfiguration"))
        _members(op, "AliasConfiguration", config, {"EmailAddressId": str}, ("EmailAddressId",))
        self._instance(instance_id, op)
        return str(config["EmailAddressId"])

    def describe_email_address(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        EmailAddressId: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """DescribeEmailAddress, with `AliasConfigurations`."""
        op = "DescribeEmailAddress"
        params = {"InstanceId": InstanceId, "EmailAddressId": EmailAddressId}
        _check(op, params, unknown, ("EmailAddressId",))
        self._instance(InstanceId, op)
        return _ok(**self.mailbox.describe(EmailAddressId))

    def search_email_addresses(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        SearchCriteria: Mapping[str, Any] = OMITTED,  # noqa: N803
        SearchFilter: Mapping[str, Any] = OMITTED,  # noqa: N803
        MaxResults: int = OMITTED,  # noqa: N803
        NextToken: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """SearchEmailAddresses (a StringCondition on EmailAddress or DisplayName; one page)."""
        op = "SearchEmailAddresses"
        params = {
            "InstanceId": InstanceId,
            "SearchCriteria": SearchCriteria,
            "SearchFilter": SearchFilter,
            "MaxResults": MaxResults,
            "NextToken": NextToken,
        }
        _check(op, params, unknown)
        criteria = None
        if SearchCriteria is not OMITTED:
            _members(op, "SearchCriteria", SearchCriteria, {"StringCondition": Mapping})
            cond = SearchCriteria.get("StringCondition")
            if cond is not None:
                fields = {"FieldName": str, "Value": str, "ComparisonType": str}
                _members(op, "SearchCriteria.StringCondition", cond, fields)
            criteria = SearchCriteria
        self._instance(InstanceId, op)
        return _ok(**self.mailbox.search(criteria))

    def delete_email_address(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        EmailAddressId: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """DeleteEmailAddress: also removes its alias relationships."""
        op = "DeleteEmailAddress"
        params = {"InstanceId": InstanceId, "EmailAddressId": EmailAddressId}
        _check(op, params, unknown, ("EmailAddressId",))
        self._instance(InstanceId, op)
        self.mailbox.delete_address(EmailAddressId)
        return dict(_OK)

    # -- queue "From" addresses (seed 003) -----------------------------------------------------

    def associate_queue_email_addresses(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        QueueId: str = OMITTED,  # noqa: N803
        EmailAddressesConfig: list[Mapping[str, Any]] = OMITTED,  # noqa: N803
        ClientToken: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """Add "From" addresses to a queue: 1 default + up to 49 more = 50."""
        op = "AssociateQueueEmailAddresses"
        args = (InstanceId, QueueId, EmailAddressesConfig, ClientToken)
        queue, ids = self._queue_request(op, *args, unknown)
        self.mailbox.associate_queue_addresses(queue, ids, _given(ClientToken))
        return dict(_OK)

    def disassociate_queue_email_addresses(
        self,
        *,
        InstanceId: str = OMITTED,  # noqa: N803
        QueueId: str = OMITTED,  # noqa: N803
        EmailAddressesConfig: list[Mapping[str, Any]] = OMITTED,  # noqa: N803
        ClientToken: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> dict[str, Any]:
        """Remove "From" addresses from a queue."""
        op = "DisassociateQueueEmailAddresses"
        args = (InstanceId, QueueId, EmailAddressesConfig, ClientToken)
        self.mailbox.disassociate_queue_addresses(*self._queue_request(op, *args, unknown))
        return dict(_OK)

    def list_queue_email_addresses(
        self,
        *,
        QueueId: str = OMITTED,  # noqa: N803
        **unknown: Any,
    ) -> list[str]:
        """flowrt's addition: a queue's "From" addresses, the default first."""
        op = "ListQueueEmailAddresses"
        _check(op, {"QueueId": QueueId}, unknown, ("QueueId",))
        return self.mailbox.from_addresses(self._queue(QueueId, op))


def _subject(req: Any) -> str | None:
    raw = req.email_message.raw_message if req.email_message else None
    return raw.subject if raw is not None else None


def _trace(session: EmailSession, start: int, contact_id: str) -> Any:
    from flowrt.run.trace import Trace

    contact = session.contact
    assert contact is not None
    return Trace(list(session.records[start:]), contact, session.world, contact_id)


def _project_path(path: object) -> str:
    """A project path as text; FlowrtError (FR001) when it is not one or does not exist."""
    from flowrt.core.diagnostics import Diagnostic, FlowrtError

    problem = None
    if not isinstance(path, str | os.PathLike):
        problem = (
            "a project must be a path (a str or an os.PathLike), a Project or a Program, not "
            f"{type(path).__name__}"
        )
    else:
        text = os.fspath(path)
        if not isinstance(text, str) or not text or "\x00" in text or len(text) > 4096:
            problem = f"`{show(text)}` is not a path: empty, not text, a NUL or too long"
        elif not os.path.exists(text):
            problem = f"no such file or directory: {shorten(text, 200)}"
        else:
            return text
    hint = "give the path of a project directory (or a file in it), a Project or a Program"
    raise FlowrtError([Diagnostic.make("FR001", f"ConnectClient: {problem}", None, hint)])

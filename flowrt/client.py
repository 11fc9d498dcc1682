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
            InstanceId="anycompany",
            EmailAddressId="help@anycompany.example",
            AliasConfiguration={"EmailAddressId": "support@anybrand.example"})
    except connect.exceptions.ResourceConflictException as err:
        err.response["Error"]["Code"]                          # "ResourceConflictException"
        err.response["ResponseMetadata"]["HTTPStatusCode"]     # 409

Each method is the operation of the same name in snake_case, with botocore's parameters and
response keys; one table says which (`flowrt.email.shapes`, held equal to botocore's `connect`
service model by tests/test_client_botocore.py).  `result(contact_id)` is flowrt's own: the run.

The client keeps an in-memory copy of the instance's email state (`flowrt.email.mailbox.Mailbox`): the
operations change that copy, never the files.  StartEmailContact runs the contact's flow in a
simulated world (`world=`, as in a scenario file).  InstanceId is the instance's name, ARN or
ID; email addresses are identified by the address itself (or an ARN ending in
`/email-address/<address>`), queues by name, queue ID or ARN, flows by name or ARN.

Errors (docs/email.md): `ConnectClient(...)` raises `flowrt.FlowrtError`; the operations only
`ConnectError` subclasses: `ParamValidationError` for what botocore checks before it sends a
request (flowrt.email.params), then the service's errors (InvalidRequestException for
StartEmailContact, else InvalidParameterException, ResourceNotFoundException, ...).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
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
from flowrt.email.params import ParamValidationError, Refusal, check, shown
from flowrt.email.request import parse_request, shape_problems
from flowrt.email.result import EmailResult
from flowrt.email.session import EmailSession
from flowrt.email.shapes import OPERATIONS
from flowrt.lang.compiler import DEFAULT_MAX_STEPS
from flowrt.run.trace import Outcome
from flowrt.run.world import attribute_problems
from flowrt.scenario.run import check_run_options, prepare_world, shorten, show, world_model

if TYPE_CHECKING:
    from flowrt.email.mailbox import EmailContact
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
    "ParamValidationError",
    "ResourceConflictException",
    "ResourceNotFoundException",
]

START = "StartEmailContact"
#: Messages of errors are cut to this many characters.
MAX_MESSAGE = 1_000
#: A page of SearchEmailAddresses and ListQueueEmailAddresses when MaxResults is left out.
DEFAULT_MAX_RESULTS = 100
#: SearchCriteria's StringCondition may compare these fields of an address.
SEARCH_FIELDS = ("EmailAddressId", "EmailAddressArn", "EmailAddress", "DisplayName", "Description")


def _ok(**fields: Any) -> dict[str, Any]:
    return {**fields, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _error(op: str) -> type[ConnectError]:
    """The service's error for a request it refuses: StartEmailContact's own, else the usual."""
    return InvalidRequestException if op == START else InvalidParameterException


def _bounded(exc: ConnectError) -> ConnectError:
    """The error with its message cut to MAX_MESSAGE characters."""
    if len(exc.message) <= MAX_MESSAGE:
        return exc
    return type(exc)(
        shorten(exc.message, MAX_MESSAGE), exc.operation_name, path=exc.path, reason=exc.reason
    )


class ConnectClient:
    """The email operations of Amazon Connect's API over a flowrt project (see module doc).

    Each operation takes boto3's keyword arguments and returns boto3's response; the parameters
    are those of botocore's `connect` service model (flowrt.email.shapes).  `exceptions` holds
    the error classes, as `boto3.client("connect").exceptions` does.
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

    # -- parameters ----------------------------------------------------------------------------

    def _check(self, method: str, params: Mapping[str, Any]) -> tuple[str, list[Refusal]]:
        """botocore's checks of a call (ParamValidationError); the operation and the refusals."""
        op = OPERATIONS[method]
        return op.name, check(op.input, params, op.name, _error(op.name))

    def _checked(self, method: str, params: Mapping[str, Any]) -> str:
        """A call's parameters checked, its InstanceId this project's instance: the operation."""
        op, refusals = self._check(method, params)
        _refuse(op, refusals)
        self._instance(params["InstanceId"], op)
        return op

    def _instance(self, instance_id: str, operation: str) -> None:
        """InstanceId names this project's instance (its name, ARN or ID)."""
        inst = self.program.instance
        if inst is None:
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

    def _contact(self, contact_id: str, op: str) -> EmailContact:
        contact = self.mailbox.contacts.get(contact_id)
        if contact is None:
            raise ResourceNotFoundException(f"contact `{shorten(contact_id)}` does not exist", op)
        return contact

    # -- contacts ------------------------------------------------------------------------------

    def start_email_contact(self, **params: Any) -> dict[str, Any]:
        """StartEmailContact: create an inbound email contact and run its flow.

        `{"ContactId": ...}`; `result(contact_id)` gives the run.  After botocore's checks come
        the request's own rules (those of scenario files, FR200), then the service's bounds,
        InstanceId and the rules that need the instance.
        """
        op, refusals = self._check("start_email_contact", params)
        req, problems = parse_request({k: v for k, v in params.items() if k != "InstanceId"})
        if req is not None:
            problems = shape_problems(req)
        if problems:
            raise _bounded(problems[0].exception(op))
        assert req is not None
        _refuse(op, refusals)
        self._instance(params["InstanceId"], op)
        problems = instance_problems(req, self.mailbox, self.program, self._session.related)
        if problems:
            raise _bounded(problems[0].exception(op))
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
        """The run of the flow a StartEmailContact started: flowrt's own, not an operation.

        Its `email["contacts"]` lists each contact's record (the address it was sent to, the
        one it was delivered to, its flow, its attributes)."""
        if not isinstance(contact_id, str):
            raise ParamValidationError(
                f"Invalid type for parameter contact_id, value: {shown(contact_id)}, "
                f"type: {type(contact_id)}, valid types: {str}"
            )
        try:
            return self._results[contact_id]
        except KeyError:
            raise ResourceNotFoundException(
                f"contact `{shorten(contact_id)}` does not exist", "DescribeContact"
            ) from None

    def get_contact_attributes(self, **params: Any) -> dict[str, Any]:
        """GetContactAttributes: the contact's attributes after its flow ran."""
        op = self._checked("get_contact_attributes", params)
        return _ok(Attributes=dict(self._contact(params["InitialContactId"], op).attributes))

    def update_contact_attributes(self, **params: Any) -> dict[str, Any]:
        """UpdateContactAttributes: change one contact's attributes (only that contact's).

        The attributes keep the rules of StartEmailContact's: keys of letters, digits, `-` and
        `_`, at most 32,768 UTF-8 bytes in all (InvalidParameterException)."""
        op = self._checked("update_contact_attributes", params)
        contact = self._contact(params["InitialContactId"], op)
        merged = {**contact.attributes, **params["Attributes"]}
        problems = list(attribute_problems(merged))
        if problems:  # the size first: its message is short
            size = [p for p in problems if p[2] is None]
            message = (size or problems)[0][1]
            raise InvalidParameterException(shorten(message, MAX_MESSAGE), op, path=("Attributes",))
        contact.attributes = merged
        self._session.related[contact.contact_id] = contact.attributes
        return _ok()

    def describe_contact(self, **params: Any) -> dict[str, Any]:
        """DescribeContact: the email contact's channel, name, endpoints, queue and attributes."""
        op = self._checked("describe_contact", params)
        c = self._contact(params["ContactId"], op)
        req, inst = c.request, self.program.instance
        contact: dict[str, Any] = {"Id": c.contact_id}
        if inst is not None:
            contact["Arn"] = f"{inst.arn}/contact/{c.contact_id}"
        contact.update(Channel="EMAIL", InitiationMethod="API", Name=req.name or _subject(req))
        if req.description is not None:
            contact["Description"] = req.description
        sender = req.from_email_address
        if sender is not None and sender.email_address is not None:
            contact["CustomerEndpoint"] = _endpoint(sender.email_address, sender.display_name)
        contact["SystemEndpoint"] = _endpoint(c.sent_to, None)
        recipients = req.additional_recipients
        if recipients is not None:
            contact["AdditionalEmailRecipients"] = {
                "ToList": [_recipient(r) for r in recipients.to_addresses],
                "CcList": [_recipient(r) for r in recipients.cc_addresses],
            }
        outcome = c.result.outcome if c.result is not None else None
        if inst is not None and outcome is not None and outcome.queue in inst.queues:
            contact["QueueInfo"] = {"Id": inst.queue_id(outcome.queue)}
        if c.related_contact_id is not None:
            contact["RelatedContactId"] = c.related_contact_id
        contact["Attributes"] = dict(c.attributes)
        return _ok(Contact=contact)

    # -- email addresses and their aliases -----------------------------------------------------

    def associate_email_address_alias(self, **params: Any) -> dict[str, Any]:
        """AssociateEmailAddressAlias: AliasConfiguration.EmailAddressId becomes the alias of
        EmailAddressId (docs/email.md)."""
        self._checked("associate_email_address_alias", params)
        alias = params["AliasConfiguration"]["EmailAddressId"]
        self.mailbox.associate_alias(params["EmailAddressId"], alias, params.get("ClientToken"))
        return _ok()

    def disassociate_email_address_alias(self, **params: Any) -> dict[str, Any]:
        """DisassociateEmailAddressAlias: remove the alias relationship of the two addresses."""
        self._checked("disassociate_email_address_alias", params)
        alias = params["AliasConfiguration"]["EmailAddressId"]
        self.mailbox.disassociate_alias(params["EmailAddressId"], alias, params.get("ClientToken"))
        return _ok()

    def describe_email_address(self, **params: Any) -> dict[str, Any]:
        """DescribeEmailAddress, with `AliasConfigurations`."""
        self._checked("describe_email_address", params)
        return _ok(**self.mailbox.describe(params["EmailAddressId"]))

    def search_email_addresses(self, **params: Any) -> dict[str, Any]:
        """SearchEmailAddresses: StringCondition, AndConditions and OrConditions on the fields
        of SEARCH_FIELDS; a TagFilter with a condition finds nothing (addresses have no tags)."""
        op = self._checked("search_email_addresses", params)
        criteria = params.get("SearchCriteria") or {}
        for cond in _string_conditions(criteria):
            field = cond.get("FieldName", "EmailAddress")
            if field not in SEARCH_FIELDS:
                raise InvalidParameterException(
                    f"FieldName `{shorten(field)}` is not one of {', '.join(SEARCH_FIELDS)}",
                    op,
                    path=("SearchCriteria",),
                )
        found = [self.mailbox.describe(s.address) for s in self.mailbox.addresses.values()]
        found = [f for f in found if _matches(criteria, f)]
        tags = (params.get("SearchFilter") or {}).get("TagFilter") or {}
        if any(tags.get(k) for k in ("OrConditions", "AndConditions", "TagCondition")):
            found = []
        page, token = _page(found, params, op)
        more = {} if token is None else {"NextToken": token}
        return _ok(**more, EmailAddresses=page, ApproximateTotalCount=len(found))

    def delete_email_address(self, **params: Any) -> dict[str, Any]:
        """DeleteEmailAddress: also removes its alias relationships."""
        self._checked("delete_email_address", params)
        self.mailbox.delete_address(params["EmailAddressId"])
        return _ok()

    # -- the "From" addresses of queues --------------------------------------------------------

    def associate_queue_email_addresses(self, **params: Any) -> dict[str, Any]:
        """AssociateQueueEmailAddresses: add "From" addresses to a queue: 1 default + up to 49
        more = 50."""
        op = self._checked("associate_queue_email_addresses", params)
        queue = self._queue(params["QueueId"], op)
        ids = [item["EmailAddressId"] for item in params["EmailAddressesConfig"]]
        self.mailbox.associate_queue_addresses(queue, ids, params.get("ClientToken"))
        return _ok()

    def disassociate_queue_email_addresses(self, **params: Any) -> dict[str, Any]:
        """DisassociateQueueEmailAddresses: remove the addresses of EmailAddressesId from a
        queue's "From" addresses (its default stays)."""
        op = self._checked("disassociate_queue_email_addresses", params)
        queue = self._queue(params["QueueId"], op)
        self.mailbox.disassociate_queue_addresses(queue, list(params["EmailAddressesId"]))
        return _ok()

    def list_queue_email_addresses(self, **params: Any) -> dict[str, Any]:
        """ListQueueEmailAddresses: a queue's "From" addresses, its default outbound one first."""
        op = self._checked("list_queue_email_addresses", params)
        queue = self._queue(params["QueueId"], op)
        default = self.mailbox.queue_default.get(queue)
        items = [
            {"Id": a, "Arn": self.mailbox.arn(a), "IsDefaultOutboundEmail": a == default}
            for a in self.mailbox.from_addresses(queue)
        ]
        page, token = _page(items, params, op)
        more = {} if token is None else {"NextToken": token}
        return _ok(**more, EmailAddressMetadataList=page)


def _refuse(op: str, refusals: list[Refusal]) -> None:
    """Raise the first refusal as the operation's error."""
    if refusals:
        raise _error(op)(refusals[0].message, op, path=refusals[0].path)


def _page(items: list[Any], params: Mapping[str, Any], op: str) -> tuple[list[Any], str | None]:
    """One page of `items` (MaxResults, NextToken) and the token of the next, if any."""
    size = params.get("MaxResults", DEFAULT_MAX_RESULTS)
    token = params.get("NextToken")
    start = 0
    if token is not None:
        if not (token.isascii() and token.isdigit() and len(token) < 10) or int(token) > len(items):
            raise InvalidParameterException(
                f"NextToken `{shorten(token)}` is not one this client returned for this request",
                op,
                path=("NextToken",),
            )
        start = int(token)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def _string_conditions(criteria: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every StringCondition of a SearchCriteria, nested ones included."""
    if criteria.get("StringCondition") is not None:
        yield criteria["StringCondition"]
    for key in ("OrConditions", "AndConditions"):
        for sub in criteria.get(key) or ():
            yield from _string_conditions(sub)


def _matches(criteria: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    """Whether an address (DescribeEmailAddress's fields) meets a SearchCriteria.

    Its StringCondition, any of its OrConditions and all of its AndConditions (an empty list is
    no condition); comparisons ignore case."""
    cond = criteria.get("StringCondition")
    if cond is not None:
        value = str(cond.get("Value", "")).lower()
        field = str(item.get(cond.get("FieldName", "EmailAddress"), "")).lower()
        how = cond.get("ComparisonType", "EXACT")
        if not (
            field.startswith(value)
            if how == "STARTS_WITH"
            else value in field
            if how == "CONTAINS"
            else field == value
        ):
            return False
    ors = criteria.get("OrConditions")
    if ors and not any(_matches(c, item) for c in ors):
        return False
    return all(_matches(c, item) for c in criteria.get("AndConditions") or ())


def _endpoint(address: str, name: str | None) -> dict[str, str]:
    out = {"Type": "EMAIL_ADDRESS", "Address": address}
    if name is not None:
        out["DisplayName"] = name
    return out


def _recipient(info: Any) -> dict[str, str]:
    out = {"Address": info.email_address}
    if info.display_name is not None:
        out["DisplayName"] = info.display_name
    return out


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

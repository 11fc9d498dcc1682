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
from flowrt.email.request import parse_request, shape_problems
from flowrt.email.result import EmailResult
from flowrt.email.session import EmailSession
from flowrt.lang.compiler import DEFAULT_MAX_STEPS
from flowrt.run.trace import Outcome

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


def _ok(**fields: Any) -> dict[str, Any]:
    return {**fields, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _required(operation: str, **given: Any) -> None:
    for name, value in given.items():
        if value is None:
            raise InvalidParameterException(
                f'Missing required parameter in input: "{name}"', operation, path=(name,)
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
        from flowrt.lang.compiler import Program
        from flowrt.project.driver import Project, load_project
        from flowrt.scenario.model import World, prepare_world

        if isinstance(project, Program):
            program = project
        else:
            proj = project if isinstance(project, Project) else load_project(project)
            program = proj.compile()
        w = World.model_validate(dict(world or {}))
        related = {k: v.attributes for k, v in w.contacts.items()}
        self.program = program
        self.mailbox = Mailbox(program.instance)
        self._session = EmailSession(program, self.mailbox, prepare_world(w), max_steps, related)
        self._results: dict[str, Result] = {}

    # -- helpers -------------------------------------------------------------------------------

    def _instance(self, instance_id: str | None, operation: str) -> None:
        inst = self.program.instance
        if instance_id is None or inst is None:
            return
        names = {inst.instance, inst.arn, inst.arn.rsplit("/", 1)[-1]}
        if instance_id not in names:
            raise ResourceNotFoundException(
                f"instance `{instance_id}` is not this project's instance `{inst.instance}`",
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
            f"queue `{queue_id}` does not exist", operation, path=("QueueId",)
        )

    @staticmethod
    def _alias_id(config: Mapping[str, Any] | None, operation: str) -> str:
        _required(operation, AliasConfiguration=config)
        assert config is not None
        alias = config.get("EmailAddressId")
        if not isinstance(alias, str):
            raise InvalidParameterException(
                'Missing required parameter in AliasConfiguration: "EmailAddressId"',
                operation,
                path=("AliasConfiguration", "EmailAddressId"),
            )
        return alias

    # -- StartEmailContact (seed 004) ----------------------------------------------------------

    def start_email_contact(
        self, *, InstanceId: str | None = None, **request: Any
    ) -> dict[str, Any]:  # noqa: N803
        """Create an inbound email contact and run its flow; `{"ContactId": ...}`."""
        op = "StartEmailContact"
        self._instance(InstanceId, op)
        req, problems = parse_request(request)
        if req is not None:
            problems = shape_problems(req) + instance_problems(
                req, self.mailbox, self.program, self._session.related
            )
        if problems:
            raise problems[0].exception(op)
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
        try:
            return self._results[contact_id]
        except KeyError:
            raise ResourceNotFoundException(
                f"contact `{contact_id}` does not exist", "DescribeContact"
            ) from None

    def get_contact_attributes(
        self,
        *,
        InstanceId: str | None = None,
        InitialContactId: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """GetContactAttributes: the contact's attributes after its flow ran."""
        op = "GetContactAttributes"
        self._instance(InstanceId, op)
        _required(op, InitialContactId=InitialContactId)
        contact = self.mailbox.contacts.get(InitialContactId or "")
        if contact is None:
            raise ResourceNotFoundException(f"contact `{InitialContactId}` does not exist", op)
        return _ok(Attributes=dict(contact.attributes))

    def update_contact_attributes(
        self,
        *,
        InstanceId: str | None = None,  # noqa: N803
        InitialContactId: str | None = None,  # noqa: N803
        Attributes: Mapping[str, str] | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """UpdateContactAttributes: change one contact's attributes (only that contact's)."""
        op = "UpdateContactAttributes"
        self._instance(InstanceId, op)
        _required(op, InitialContactId=InitialContactId, Attributes=Attributes)
        contact = self.mailbox.contacts.get(InitialContactId or "")
        if contact is None:
            raise ResourceNotFoundException(f"contact `{InitialContactId}` does not exist", op)
        contact.attributes = {**contact.attributes, **dict(Attributes or {})}
        self._session.related[contact.contact_id] = contact.attributes
        return dict(_OK)

    def describe_contact(
        self,
        *,
        InstanceId: str | None = None,
        ContactId: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """DescribeContact (the email fields flowrt keeps): addresses, flow, related contact."""
        op = "DescribeContact"
        self._instance(InstanceId, op)
        _required(op, ContactId=ContactId)
        c = self.mailbox.contacts.get(ContactId or "")
        if c is None:
            raise ResourceNotFoundException(f"contact `{ContactId}` does not exist", op)
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

    # -- aliases (seed 001) --------------------------------------------------------------------

    def associate_email_address_alias(
        self,
        *,
        InstanceId: str | None = None,  # noqa: N803
        EmailAddressId: str | None = None,  # noqa: N803
        AliasConfiguration: Mapping[str, Any] | None = None,  # noqa: N803
        ClientToken: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """AliasConfiguration.EmailAddressId becomes the alias of EmailAddressId (docs/email.md)."""
        op = "AssociateEmailAddressAlias"
        self._instance(InstanceId, op)
        _required(op, EmailAddressId=EmailAddressId)
        alias = self._alias_id(AliasConfiguration, op)
        self.mailbox.associate_alias(str(EmailAddressId), alias, ClientToken)
        return dict(_OK)

    def disassociate_email_address_alias(
        self,
        *,
        InstanceId: str | None = None,  # noqa: N803
        EmailAddressId: str | None = None,  # noqa: N803
        AliasConfiguration: Mapping[str, Any] | None = None,  # noqa: N803
        ClientToken: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """Remove the alias relationship between the two addresses."""
        op = "DisassociateEmailAddressAlias"
        self._instance(InstanceId, op)
        _required(op, EmailAddressId=EmailAddressId)
        alias = self._alias_id(AliasConfiguration, op)
        self.mailbox.disassociate_alias(str(EmailAddressId), alias, ClientToken)
        return dict(_OK)

    def describe_email_address(
        self,
        *,
        InstanceId: str | None = None,
        EmailAddressId: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """DescribeEmailAddress, with `AliasConfigurations`."""
        op = "DescribeEmailAddress"
        self._instance(InstanceId, op)
        _required(op, EmailAddressId=EmailAddressId)
        return _ok(**self.mailbox.describe(str(EmailAddressId)))

    def search_email_addresses(
        self,
        *,
        InstanceId: str | None = None,  # noqa: N803
        SearchCriteria: Mapping[str, Any] | None = None,  # noqa: N803
        **_paging: Any,
    ) -> dict[str, Any]:
        """SearchEmailAddresses (a StringCondition on EmailAddress or DisplayName)."""
        self._instance(InstanceId, "SearchEmailAddresses")
        return _ok(**self.mailbox.search(SearchCriteria))

    def delete_email_address(
        self,
        *,
        InstanceId: str | None = None,
        EmailAddressId: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """DeleteEmailAddress: also removes its alias relationships."""
        op = "DeleteEmailAddress"
        self._instance(InstanceId, op)
        _required(op, EmailAddressId=EmailAddressId)
        self.mailbox.delete_address(str(EmailAddressId))
        return dict(_OK)

    # -- queue "From" addresses (seed 003) -----------------------------------------------------

    def associate_queue_email_addresses(
        self,
        *,
        InstanceId: str | None = None,  # noqa: N803
        QueueId: str | None = None,  # noqa: N803
        EmailAddressesConfig: list[Mapping[str, Any]] | None = None,  # noqa: N803
        ClientToken: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """Add "From" addresses to a queue: 1 default + up to 49 more = 50."""
        op = "AssociateQueueEmailAddresses"
        self._instance(InstanceId, op)
        _required(op, QueueId=QueueId, EmailAddressesConfig=EmailAddressesConfig)
        queue = self._queue(str(QueueId), op)
        ids = [str(c.get("EmailAddressId", "")) for c in EmailAddressesConfig or []]
        self.mailbox.associate_queue_addresses(queue, ids, ClientToken)
        return dict(_OK)

    def disassociate_queue_email_addresses(
        self,
        *,
        InstanceId: str | None = None,  # noqa: N803
        QueueId: str | None = None,  # noqa: N803
        EmailAddressesConfig: list[Mapping[str, Any]] | None = None,  # noqa: N803
        ClientToken: str | None = None,  # noqa: N803
    ) -> dict[str, Any]:
        """Remove "From" addresses from a queue."""
        op = "DisassociateQueueEmailAddresses"
        self._instance(InstanceId, op)
        _required(op, QueueId=QueueId, EmailAddressesConfig=EmailAddressesConfig)
        queue = self._queue(str(QueueId), op)
        ids = [str(c.get("EmailAddressId", "")) for c in EmailAddressesConfig or []]
        self.mailbox.disassociate_queue_addresses(queue, ids)
        return dict(_OK)

    def list_queue_email_addresses(self, *, QueueId: str) -> list[str]:  # noqa: N803
        """flowrt's addition: a queue's "From" addresses, the default first."""
        return self.mailbox.from_addresses(self._queue(QueueId, "ListQueueEmailAddresses"))


def _subject(req: Any) -> str | None:
    raw = req.email_message.raw_message if req.email_message else None
    return raw.subject if raw is not None else None


def _trace(session: EmailSession, start: int, contact_id: str) -> Any:
    from flowrt.run.trace import Trace

    contact = session.contact
    assert contact is not None
    return Trace(list(session.records[start:]), contact, session.world, contact_id)

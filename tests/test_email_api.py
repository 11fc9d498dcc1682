"""The email channel through the boto3-shaped client: every rule with its expected value.

Seeds: 004 (StartEmailContact), 001 (aliases), 003 (queue "From" addresses).  See docs/email.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.client import ConnectClient, ParamValidationError
from flowrt.email.errors import (
    ConnectError,
    IdempotencyException,
    InvalidRequestException,
    LimitExceededException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from flowrt.email.mailbox import Mailbox
from flowrt.lang.instance import EmailAddress, Instance, Queue, QueueEmailAddresses
from flowrt.project.driver import load_project

FLOWS = Path(__file__).resolve().parent.parent / "flows"
INSTANCE = "anycompany"
PROGRAM = load_project(FLOWS).compile()


def request(**over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "InstanceId": "anycompany",
        "FromEmailAddress": {"EmailAddress": "pat@customer.example", "DisplayName": "Pat"},
        "DestinationEmailAddress": "support@anycompany.example",
        "EmailMessage": {
            "MessageSourceType": "RAW",
            "RawMessage": {"Subject": "Order 42", "Body": "Where?", "ContentType": "text/plain"},
        },
    }
    out.update(over)
    return out


@pytest.fixture
def connect() -> ConnectClient:
    return ConnectClient(PROGRAM)


def delivered(connect: ConnectClient, cid: str) -> tuple[str, str]:
    """Where the contact's mail was delivered and the flow it ran (the run's email record)."""
    record = next(
        c
        for c in connect.result(cid).email["contacts"]
        if c["contact-id"] == cid  # type: ignore[attr-defined]
    )
    return record["delivered-to"], record["flow"]


def error_of(exc: pytest.ExceptionInfo[ConnectError]) -> tuple[str, int, str]:
    r = exc.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


# -- StartEmailContact (seed 004) -------------------------------------------------------------


def test_start_runs_the_destination_flow(connect: ConnectClient) -> None:
    resp = connect.start_email_contact(**request())
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    result = connect.result(resp["ContactId"])
    assert result.outcome.describe() == "queued in BasicQueue"
    assert result.outcome.flow == "inbound-email"
    attrs = connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=resp["ContactId"])[
        "Attributes"
    ]
    assert attrs["customer"] == "pat@customer.example"
    assert attrs["subject"] == "Order 42"


def test_mail_to_an_alias_reaches_the_primary_and_records_the_address(
    connect: ConnectClient,
) -> None:
    cid = connect.start_email_contact(**request(DestinationEmailAddress="help@anycompany.example"))[
        "ContactId"
    ]
    contact = connect.describe_contact(InstanceId=INSTANCE, ContactId=cid)["Contact"]
    assert contact["SystemEndpoint"] == {
        "Type": "EMAIL_ADDRESS",
        "Address": "help@anycompany.example",
    }
    # Where it was delivered and the flow it ran are flowrt's record of the run, not API fields.
    assert delivered(connect, cid) == ("support@anycompany.example", "inbound-email")
    assert connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=cid)["Attributes"][
        "sentTo"
    ] == ("help@anycompany.example")


def test_contact_flow_id_overrides_the_destination_flow(connect: ConnectClient) -> None:
    cid = connect.start_email_contact(**request(ContactFlowId="after-hours"))["ContactId"]
    assert connect.result(cid).outcome.flow == "after-hours"


def test_client_token_retry_returns_the_same_contact_and_runs_nothing(
    connect: ConnectClient,
) -> None:
    first = connect.start_email_contact(**request(ClientToken="t-1"))["ContactId"]
    steps = len(connect._session.records)
    again = connect.start_email_contact(**request(ClientToken="t-1"))["ContactId"]
    assert again == first
    assert len(connect.mailbox.contacts) == 1
    assert len(connect._session.records) == steps  # nothing ran a second time


def test_client_token_with_another_request_is_an_idempotency_exception(
    connect: ConnectClient,
) -> None:
    connect.start_email_contact(**request(ClientToken="t-1"))
    with pytest.raises(IdempotencyException) as exc:
        connect.start_email_contact(**request(ClientToken="t-1", Description="changed"))
    code, status, message = error_of(exc)
    assert (code, status) == ("IdempotencyException", 409)
    assert (
        message == "ClientToken `t-1` was already used with a different StartEmailContact request"
    )


def test_related_contact_attributes_are_copied_then_kept_per_contact(
    connect: ConnectClient,
) -> None:
    a = connect.start_email_contact(**request(Attributes={"orderId": "42", "vip": "true"}))
    b = connect.start_email_contact(**request(RelatedContactId=a["ContactId"]))
    a_id, b_id = a["ContactId"], b["ContactId"]
    assert (
        connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=b_id)["Attributes"][
            "orderId"
        ]
        == "42"
    )
    connect.update_contact_attributes(
        InstanceId=INSTANCE, InitialContactId=b_id, Attributes={"vip": "false"}
    )
    assert (
        connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=a_id)["Attributes"][
            "vip"
        ]
        == "true"
    )
    assert (
        connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=b_id)["Attributes"][
            "vip"
        ]
        == "false"
    )


def test_related_contact_copy_counts_toward_the_32768_byte_total(connect: ConnectClient) -> None:
    """RelatedContactId copies attributes (StartEmailContact): the copy plus the request's
    Attributes are one contact's attributes, at most 32,768 UTF-8 bytes: the copy with 20,001
    more bytes is refused; with exactly 32,768 bytes in all, the request is accepted."""
    a = connect.start_email_contact(**request(Attributes={"a": "x" * 20_000}))
    rid = a["ContactId"]
    # The flow the contact ran set a few attributes of its own: they are copied too.
    copied = connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=rid)
    base = sum(len(k) + len(v) for k, v in copied["Attributes"].items())
    with pytest.raises(InvalidRequestException) as exc:
        connect.start_email_contact(**request(RelatedContactId=rid, Attributes={"b": "y" * 20_000}))
    assert error_of(exc) == (
        "InvalidRequestException",
        400,
        f"the attributes copied from RelatedContactId `{rid}` with the request's Attributes "
        f"take {base + 20_001:,} UTF-8 bytes; at most 32,768 are allowed across all key-value "
        "pairs",
    )
    assert base + 20_001 > 32_768 and base < 32_768 - 1
    ok = connect.start_email_contact(
        **request(RelatedContactId=rid, Attributes={"b": "y" * (32_768 - base - 1)})
    )
    attrs = connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=ok["ContactId"])
    assert attrs["Attributes"]["a"] == "x" * 20_000


def test_update_contact_attributes_keeps_the_total_and_the_key_rules(
    connect: ConnectClient,
) -> None:
    """UpdateContactAttributes: the merged attributes keep the 32,768-byte total, and a key with a
    space is refused, as Amazon Connect refuses it (InvalidParameterException)."""
    from flowrt.email.errors import InvalidParameterException

    cid = connect.start_email_contact(**request(Attributes={"a": "x" * 20_000}))["ContactId"]
    before = connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=cid)
    base = sum(len(k) + len(v) for k, v in before["Attributes"].items())
    with pytest.raises(InvalidParameterException) as exc:
        connect.update_contact_attributes(
            InstanceId=INSTANCE,
            InitialContactId=cid,
            Attributes={"c": "z" * (40_054 - base - 1)},  # a 40,054-byte contact in all
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        400,
        "attributes take 40,054 UTF-8 bytes; at most 32,768 are allowed",
    )
    with pytest.raises(InvalidParameterException) as exc:
        connect.update_contact_attributes(
            InstanceId=INSTANCE, InitialContactId=cid, Attributes={"bad key": "z"}
        )
    assert error_of(exc)[2] == "attribute key `bad key` may only hold letters, digits, `-` and `_`"
    got = connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=cid)
    assert got["Attributes"] == before["Attributes"]


def test_email_fields_resolve_in_a_run() -> None:
    from flowrt.email.session import EmailSession
    from flowrt.run.runtime import Runtime

    session = EmailSession(PROGRAM)
    req = request(
        AdditionalRecipients={
            "ToAddresses": [{"EmailAddress": "a@anycompany.example"}],
            "CcAddresses": [{"EmailAddress": "b@x.example"}, {"EmailAddress": "c@x.example"}],
        },
        Description="late order",
    )
    del req["InstanceId"]
    from flowrt.email.request import StartEmailContactRequest

    record, pc, _ = session._contact(StartEmailContactRequest.model_validate(req), "cid-1")
    rt = Runtime(PROGRAM, pc, session.world, "cid-1")
    assert rt.resolve(("CustomerEndpoint", "Address")) == "pat@customer.example"
    assert rt.resolve(("CustomerEndpoint", "DisplayName")) == "Pat"
    assert rt.resolve(("SystemEndpoint", "Address")) == "support@anycompany.example"
    assert rt.resolve(("AdditionalEmailRecipients", "ToList")) == "a@anycompany.example"
    assert rt.resolve(("AdditionalEmailRecipients", "CcList")) == "b@x.example,c@x.example"
    assert rt.resolve(("Name",)) == "Order 42"
    assert rt.resolve(("Email", "EmailMessage", "Plaintext")) == "Where?"
    assert rt.resolve(("Description",)) == "late order"
    assert rt.resolve(("Channel",)) == "EMAIL"


BAD = [
    (
        "EMAIL reference at creation",
        {"References": {"orig": {"Type": "EMAIL", "Value": "x"}}},
        ("InvalidRequestException", 400),
        "reference `orig` has type EMAIL; an email contact can only have URL, NUMBER, STRING, "
        "DATE references when it is created (EMAIL, EMAIL_MESSAGE and ATTACHMENT are not "
        "supported at creation)",
    ),
    (
        "attribute key with a space",
        {"Attributes": {"order id": "42"}},
        ("InvalidRequestException", 400),
        "attribute key `order id` may only hold letters, digits, `-` and `_`",
    ),
    (
        "32,769 bytes of attributes",
        {"Attributes": {"k": "x" * 32_768}},
        ("InvalidRequestException", 400),
        "Attributes take 32,769 UTF-8 bytes; at most 32,768 are allowed across all key-value pairs",
    ),
    (
        "destination outside the instance",
        {"DestinationEmailAddress": "sales@elsewhere.example"},
        ("ResourceNotFoundException", 404),
        "DestinationEmailAddress `sales@elsewhere.example` is not an email address of the instance",
    ),
    (
        "bad contact expiry",
        {"SegmentAttributes": {"connect:ContactExpiry": {"ValueString": "soon"}}},
        ("InvalidRequestException", 400),
        'connect:ContactExpiry needs {"ValueMap": {"ExpiryDuration": {"ValueInteger": <minutes>}}}',
    ),
    (
        "unknown related contact",
        {"RelatedContactId": "nope"},
        ("ResourceNotFoundException", 404),
        "RelatedContactId `nope` is not a contact of the instance",
    ),
    (
        "unknown flow",
        {"ContactFlowId": "nope"},
        ("ResourceNotFoundException", 404),
        "ContactFlowId `nope` is not a flow of the project",
    ),
]


@pytest.mark.parametrize(("name", "over", "error", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_requests(
    connect: ConnectClient, name: str, over: dict[str, Any], error: tuple[str, int], message: str
) -> None:
    req = {k: v for k, v in request(**over).items() if v is not None}
    with pytest.raises(ConnectError) as exc:
        connect.start_email_contact(**req)
    code, status, got = error_of(exc)
    assert (code, status) == error
    assert got == message
    assert str(exc.value) == f"An error occurred ({code}) when calling the StartEmailContact " + (
        f"operation: {message}"
    )
    assert connect.mailbox.contacts == {}


def test_missing_fields_are_botocores_param_validation_error(connect: ConnectClient) -> None:
    """What boto3 refuses before sending: ParamValidationError, in botocore's words."""
    no_subject = {"MessageSourceType": "RAW", "RawMessage": {"Body": "x", "ContentType": "t"}}
    for over, line in [
        ({"FromEmailAddress": None}, 'Missing required parameter in input: "FromEmailAddress"'),
        (
            {"EmailMessage": no_subject},
            'Missing required parameter in EmailMessage.RawMessage: "Subject"',
        ),
    ]:
        req = {k: v for k, v in request(**over).items() if v is not None}
        with pytest.raises(ParamValidationError) as exc:
            connect.start_email_contact(**req)
        assert str(exc.value) == f"Parameter validation failed:\n{line}"
        assert error_of(exc) == ("ParamValidationError", 400, line)
    assert connect.mailbox.contacts == {}


def test_32768_bytes_of_attributes_are_accepted(connect: ConnectClient) -> None:
    cid = connect.start_email_contact(**request(Attributes={"k": "x" * 32_767}))["ContactId"]
    assert cid in connect.mailbox.contacts


# -- aliases (seed 001) -----------------------------------------------------------------------


def test_alias_of_an_alias_is_refused(connect: ConnectClient) -> None:
    # help@ is the alias of support@: it cannot get an alias of its own (no chains).
    with pytest.raises(ResourceConflictException) as exc:
        connect.associate_email_address_alias(
            InstanceId=INSTANCE,
            EmailAddressId="help@anycompany.example",
            AliasConfiguration={"EmailAddressId": "support@anybrand.example"},
        )
    assert error_of(exc) == (
        "ResourceConflictException",
        409,
        "`help@anycompany.example` is the alias of `support@anycompany.example`, so it cannot "
        "have an alias: no alias chains",
    )


def test_an_address_with_an_alias_cannot_become_an_alias(connect: ConnectClient) -> None:
    with pytest.raises(ResourceConflictException) as exc:
        connect.associate_email_address_alias(
            InstanceId=INSTANCE,
            EmailAddressId="support@anybrand.example",
            AliasConfiguration={"EmailAddressId": "support@anycompany.example"},
        )
    assert "has an alias of its own" in error_of(exc)[2]


def test_at_most_one_alias_per_address(connect: ConnectClient) -> None:
    with pytest.raises(ResourceConflictException) as exc:
        connect.associate_email_address_alias(
            InstanceId=INSTANCE,
            EmailAddressId="support@anycompany.example",
            AliasConfiguration={"EmailAddressId": "support@anybrand.example"},
        )
    assert error_of(exc)[2] == (
        "`support@anycompany.example` already has an alias (`help@anycompany.example`); an "
        "address has at most one alias"
    )


def test_both_addresses_must_exist(connect: ConnectClient) -> None:
    with pytest.raises(ResourceNotFoundException) as exc:
        connect.associate_email_address_alias(
            InstanceId=INSTANCE,
            EmailAddressId="support@anybrand.example",
            AliasConfiguration={"EmailAddressId": "nobody@anybrand.example"},
        )
    assert error_of(exc) == (
        "ResourceNotFoundException",
        404,
        "email address `nobody@anybrand.example` does not exist in the instance",
    )


def test_disassociate_then_associate_elsewhere_and_describe(connect: ConnectClient) -> None:
    connect.disassociate_email_address_alias(
        InstanceId=INSTANCE,
        EmailAddressId="support@anycompany.example",
        AliasConfiguration={"EmailAddressId": "help@anycompany.example"},
    )
    assert (
        connect.describe_email_address(
            InstanceId=INSTANCE, EmailAddressId="help@anycompany.example"
        )["AliasConfigurations"]
        == []
    )
    connect.associate_email_address_alias(
        InstanceId=INSTANCE,
        EmailAddressId="support@anybrand.example",
        AliasConfiguration={"EmailAddressId": "help@anycompany.example"},
    )
    desc = connect.describe_email_address(
        InstanceId=INSTANCE, EmailAddressId="support@anybrand.example"
    )
    assert desc["AliasConfigurations"] == [{"EmailAddressId": "help@anycompany.example"}]
    cid = connect.start_email_contact(**request(DestinationEmailAddress="help@anycompany.example"))[
        "ContactId"
    ]
    # Mail to help@ now reaches the AnyBrand address.
    assert delivered(connect, cid) == ("support@anybrand.example", "inbound-email")
    assert connect.get_contact_attributes(InstanceId=INSTANCE, InitialContactId=cid)["Attributes"][
        "brand"
    ] == ("AnyCompany")  # the flow reads the address it was sent to


def test_disassociating_a_relationship_that_does_not_exist(connect: ConnectClient) -> None:
    with pytest.raises(ResourceNotFoundException):
        connect.disassociate_email_address_alias(
            InstanceId=INSTANCE,
            EmailAddressId="support@anybrand.example",
            AliasConfiguration={"EmailAddressId": "help@anycompany.example"},
        )


def test_delete_removes_the_alias_relationship(connect: ConnectClient) -> None:
    connect.delete_email_address(InstanceId=INSTANCE, EmailAddressId="help@anycompany.example")
    desc = connect.describe_email_address(
        InstanceId=INSTANCE, EmailAddressId="support@anycompany.example"
    )
    assert desc["AliasConfigurations"] == []
    with pytest.raises(ResourceNotFoundException):
        connect.describe_email_address(
            InstanceId=INSTANCE, EmailAddressId="help@anycompany.example"
        )
    found = connect.search_email_addresses(
        InstanceId=INSTANCE,
        SearchCriteria={
            "StringCondition": {
                "FieldName": "EmailAddress",
                "Value": "support@",
                "ComparisonType": "STARTS_WITH",
            }
        },
    )
    assert [a["EmailAddress"] for a in found["EmailAddresses"]] == [
        "support@anycompany.example",
        "support@anybrand.example",
    ]


def test_alias_token_replay_and_conflict(connect: ConnectClient) -> None:
    args = {
        "EmailAddressId": "support@anycompany.example",
        "AliasConfiguration": {"EmailAddressId": "help@anycompany.example"},
    }
    connect.disassociate_email_address_alias(InstanceId=INSTANCE, **args, ClientToken="d-1")
    connect.disassociate_email_address_alias(
        InstanceId=INSTANCE, **args, ClientToken="d-1"
    )  # a retry: no error
    with pytest.raises(IdempotencyException):
        connect.disassociate_email_address_alias(
            InstanceId=INSTANCE,
            EmailAddressId="support@anybrand.example",
            AliasConfiguration={"EmailAddressId": "help@anycompany.example"},
            ClientToken="d-1",
        )


# -- queue "From" addresses (seed 003) --------------------------------------------------------


def many_addresses(n: int) -> Instance:
    addresses = {f"a{i}@anycompany.example": EmailAddress() for i in range(n)}
    return Instance(
        instance="x",
        queues={"Q": Queue(email_addresses=QueueEmailAddresses(default="a0@anycompany.example"))},
        email_addresses=addresses,
    )


def test_the_50th_from_address_is_accepted_and_the_51st_refused() -> None:
    mb = Mailbox(many_addresses(51))
    for i in range(1, 50):  # the default + 49 others = 50
        mb.associate_queue_addresses("Q", [f"a{i}@anycompany.example"], None)
    assert len(mb.from_addresses("Q")) == 50
    with pytest.raises(LimitExceededException) as exc:
        mb.associate_queue_addresses("Q", ["a50@anycompany.example"], None)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert exc.value.message == (
        "queue `Q` would have 51 email addresses; at most 50 (1 default outbound + 49 others)"
    )
    assert len(mb.from_addresses("Q")) == 50


def test_queue_addresses_must_exist(connect: ConnectClient) -> None:
    with pytest.raises(ResourceNotFoundException) as exc:
        connect.associate_queue_email_addresses(
            InstanceId=INSTANCE,
            QueueId="BasicQueue",
            EmailAddressesConfig=[{"EmailAddressId": "no@x.example"}],
        )
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)
    connect.associate_queue_email_addresses(
        InstanceId=INSTANCE,
        QueueId="BasicQueue",
        EmailAddressesConfig=[{"EmailAddressId": "help@anycompany.example"}],
    )
    listed = connect.list_queue_email_addresses(InstanceId=INSTANCE, QueueId="BasicQueue")
    assert [(a["Id"], a["IsDefaultOutboundEmail"]) for a in listed["EmailAddressMetadataList"]] == [
        ("support@anycompany.example", True),
        ("support@anybrand.example", False),
        ("help@anycompany.example", False),
    ]
    connect.disassociate_queue_email_addresses(
        InstanceId=INSTANCE, QueueId="BasicQueue", EmailAddressesId=["help@anycompany.example"]
    )
    listed = connect.list_queue_email_addresses(InstanceId=INSTANCE, QueueId="BasicQueue")
    assert [a["Id"] for a in listed["EmailAddressMetadataList"]] == [
        "support@anycompany.example",
        "support@anybrand.example",
    ]


def test_unknown_instance_and_queue(connect: ConnectClient) -> None:
    with pytest.raises(ResourceNotFoundException):
        connect.describe_email_address(InstanceId="other", EmailAddressId="help@anycompany.example")
    with pytest.raises(ResourceNotFoundException):
        connect.associate_queue_email_addresses(
            InstanceId=INSTANCE,
            QueueId="Nope",
            EmailAddressesConfig=[{"EmailAddressId": "help@anycompany.example"}],
        )


def test_exceptions_namespace_is_like_boto3(connect: ConnectClient) -> None:
    assert connect.exceptions.ResourceConflictException is ResourceConflictException
    assert issubclass(connect.exceptions.LimitExceededException, connect.exceptions.ClientError)
    assert InvalidRequestException("m").response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- properties -------------------------------------------------------------------------------

ADDRS = [f"a{i}@x.example" for i in range(5)]
OPS = st.lists(
    st.tuples(
        st.sampled_from(["associate", "disassociate", "delete"]),
        st.sampled_from(ADDRS),
        st.sampled_from(ADDRS),
    ),
    max_size=30,
)


@given(OPS)
def test_alias_invariants_hold_under_any_sequence(ops: list[tuple[str, str, str]]) -> None:
    mb = Mailbox(Instance(instance="x", email_addresses={a: EmailAddress() for a in ADDRS}))
    for op, p, a in ops:
        try:
            if op == "associate":
                mb.associate_alias(p, a, None)
            elif op == "disassociate":
                mb.disassociate_alias(p, a, None)
            else:
                mb.delete_address(p)
        except ConnectError:
            pass
        aliases = mb.aliases
        # at most one alias per address: a dict; an address is the alias of one address only
        assert len(set(aliases.values())) == len(aliases)
        # no chains: an alias has no alias, and a primary is nobody's alias
        assert not set(aliases) & set(aliases.values())
        # both ends exist
        assert all(p in mb.addresses and a in mb.addresses for p, a in aliases.items())


@given(
    st.lists(
        st.tuples(st.sampled_from(["t1", "t2", None]), st.sampled_from(["A", "B"])), max_size=6
    )
)
def test_client_token_idempotency(sends: list[tuple[str | None, str]]) -> None:
    connect = ConnectClient(PROGRAM)
    first: dict[str, tuple[str, str]] = {}
    created = 0
    for token, subject in sends:
        req = request(
            EmailMessage={
                "MessageSourceType": "RAW",
                "RawMessage": {"Subject": subject, "Body": "b", "ContentType": "text/plain"},
            }
        )
        if token is not None:
            req["ClientToken"] = token
        if token in first and first[token][0] != subject:
            with pytest.raises(IdempotencyException):
                connect.start_email_contact(**req)
            continue
        cid = connect.start_email_contact(**req)["ContactId"]
        if token in first:
            assert cid == first[token][1]  # same request, same ContactId
        else:
            created += 1
            if token is not None:
                first[token] = (subject, cid)
    assert len(connect.mailbox.contacts) == created  # nothing created (or run) twice
    runs = sum(1 for r in connect._session.records if r[1].name == "brand")
    assert runs == created

"""Tests that kill the mutants a seeded random sample of the whole semantic core left alive
(docs/fuzzing.md, "Mutation testing": `tools/mutation.sh --sample N --seed S`).

Each test names the mutants it kills; each was run against them (`mutmut run NAME ...`) and
fails on every one, while the real code passes.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from flowrt.connect.env import Environment
from flowrt.connect.export import export_paths
from flowrt.connect.import_blocks import Unmodelled, candidate
from flowrt.core.diagnostics import render_text
from flowrt.email.errors import (
    InvalidRequestException,
    LimitExceededException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from flowrt.email.mailbox import Mailbox
from flowrt.email.request import parse_request
from flowrt.email.session import _NS as NAMESPACE
from flowrt.email.session import EmailSession
from flowrt.email.shapes import SHAPES, Shape, parse_shape
from flowrt.lang.instance import EmailAddress, Instance, Queue, QueueEmailAddresses
from flowrt.project.driver import check_paths, load_project
from flowrt.run.world import PreparedContact
from flowrt.testing.golden import dump
from flowrt.testing.suite import run_suite
from tests.mutant_projects import write_project as _project

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
INSTANCE = "instance: t\narn: arn:aws:connect:us-east-1:111122223333:instance/abc\n"


# ---------------------------------------------------------------------------------------------
# flowrt/run/runtime.py: Runtime.match, the general path (an operand that is a reference)


def test_a_number_condition_on_a_word_notes_not_a_number(tmp_path: Path) -> None:
    # kills flowrt.run.runtime.xǁRuntimeǁmatch__mutmut_69 (the fact's kind changed)
    flow = (
        "flow: c\nstart: check\nblocks:\n  check:\n    type: check-contact-attributes\n"
        "    attribute: $.Attributes.n\n    conditions:\n"
        "      - number-greater-than: $.Attributes.limit\n        next: big\n"
        "    next: {no-match: other}\n  big: {type: end-flow}\n  other: {type: end-flow}\n"
    )
    program = load_project(str(_project(tmp_path, INSTANCE, c=flow))).compile()
    result = program.run({"attributes": {"n": "lots", "limit": "5"}}, {}, flow="c")
    assert result.branches() == [("check", "no-match"), ("other", "-")]
    assert result.trace.steps()[0]["facts"] == [
        {
            "kind": "not-a-number",
            "text": '"lots" is not a number: number conditions cannot match',
            "value": "lots",
        },
        {
            "kind": "compare",
            "text": '$.Attributes.n is "lots": no condition matches',
            "subject": "$.Attributes.n",
            "value": "lots",
            "matched": None,
        },
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/email/mailbox.py


def test_disassociating_from_an_unknown_queue_names_the_operation() -> None:
    # kills flowrt.email.mailbox.xǁMailboxǁdisassociate_queue_addresses__mutmut_1 (op dropped)
    with pytest.raises(ResourceNotFoundException) as caught:
        Mailbox(None).disassociate_queue_addresses("nowhere", [])
    assert str(caught.value) == (
        "An error occurred (ResourceNotFoundException) when calling the "
        "DisassociateQueueEmailAddresses operation: queue `nowhere` does not exist"
    )
    assert caught.value.path == ("QueueId",)


# ---------------------------------------------------------------------------------------------
# flowrt/email/checks.py: FR205 (a forward with no outbound email flow), unless that flow may be
# one that failed to load

FORWARD = """\
scenario: fw
contact:
  start-email-contact:
    FromEmailAddress: {EmailAddress: pat@customer.example}
    DestinationEmailAddress: support@anycompany.example
    EmailMessage:
      MessageSourceType: RAW
      RawMessage: {Subject: Order, Body: "Where is it?", ContentType: text/plain}
cases:
  c:
    world:
      agent-actions:
        - forward: {agent: msantos, to: [a@partner-logistics.example]}
"""
FR205 = (
    "fw.scenario.yaml:13:11: error[FR205]: a forward runs the outbound email flow, and the project "
    "has none: add a flow of type outbound-email (and name it as `default-outbound-flow` in "
    "instance.yaml when there are several)"
)


def _without_outbound_flow(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("scenarios"))
    (root / "default-outbound.flow.yaml").unlink()
    inst = root / "instance.yaml"
    inst.write_text(inst.read_text().replace("default-outbound-flow: default-outbound\n", ""))
    (root / "fw.scenario.yaml").write_text(FORWARD, encoding="utf-8")
    return root


def _errors(root: Path) -> list[str]:
    diags, _ = check_paths([str(root)])
    return [
        line.replace(f"{root}/", "") for line in render_text(diags).splitlines() if "error[" in line
    ]


def test_a_forward_without_an_outbound_email_flow_is_fr205(tmp_path: Path) -> None:
    assert _errors(_without_outbound_flow(tmp_path)) == [FR205]


def test_no_fr205_when_instance_yaml_could_not_be_read(tmp_path: Path) -> None:
    # kills flowrt.email.checks.x__outbound_may_be_broken__mutmut_2 (`or` made `and`): an
    # unreadable instance.yaml may name the outbound flow
    root = _without_outbound_flow(tmp_path)
    (root / "instance.yaml").write_text("instance: [\n", encoding="utf-8")
    assert _errors(root) == [
        "instance.yaml:1:11: error[FR002]: invalid YAML: this `[` is never closed: the file ends first"
    ]


def test_no_fr205_when_an_outbound_email_flow_failed_to_load(tmp_path: Path) -> None:
    root = _without_outbound_flow(tmp_path)
    (root / "out.flow.yaml").write_text("flow: out\ntype: outbound-email\nstart: [\n")
    assert _errors(root) == [
        "out.flow.yaml:3:8: error[FR002]: invalid YAML: this `[` is never closed: the file ends first"
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/email/shapes.py: parse_shape reads the model's table when the module is imported, before
# any mutant is chosen (mutmut forks each mutant from a process that has imported it); only a
# test that calls it again can tell a wrong reading


def test_parse_shape_reads_every_kind_of_line() -> None:
    # kills flowrt.email.shapes.x_parse_shape__mutmut_34 (a required member's name lost)
    assert parse_shape(
        ["Req", "structure", "InstanceId*", "Tags:TagMap", "Name*:ShortText"]
    ) == Shape(
        "Req",
        "structure",
        (("InstanceId", "InstanceId"), ("Tags", "TagMap"), ("Name", "ShortText")),
        ("InstanceId", "Name"),
    )
    assert parse_shape(["Ids", "list", "Id", "1..5"]) == Shape(
        "Ids", "list", member="Id", min=1, max=5
    )
    assert parse_shape(["TagMap", "map", "Key", "Value", "..50"]) == Shape(
        "TagMap", "map", key="Key", value="Value", max=50
    )
    assert parse_shape(["Kind", "string", "=RAW", "=TEMPLATE"]) == Shape(
        "Kind", "string", enum=("RAW", "TEMPLATE")
    )
    assert parse_shape(["Text", "string", "1.."]) == Shape("Text", "string", min=1)


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["X", "float"], "shape X: unknown type float"),
        (["X", "string", "Extra"], "shape X: unexpected ['Extra']"),
    ],
)
def test_parse_shape_refuses_a_wrong_line(words: list[str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_shape(words)
    assert str(caught.value) == message


def test_every_shape_of_the_model_reads_back_from_its_line() -> None:
    # the table as imported (unmutated) against a reading of each line now
    assert "StartEmailContactRequest" in SHAPES
    for shape in SHAPES.values():
        assert parse_shape(shape.line().split()) == shape


# ---------------------------------------------------------------------------------------------
# flowrt/connect/import_blocks.py: why an InvokeLambdaFunction stays an opaque connect-action

LAMBDA_ARN = "arn:aws:lambda:us-east-1:111122223333:function:fn"


def _lambda_action(**extra: object) -> dict[str, object]:
    return {
        "Identifier": "id-x",
        "Type": "InvokeLambdaFunction",
        "Parameters": {"LambdaFunctionARN": LAMBDA_ARN, "InvocationTimeLimitSeconds": "8", **extra},
        "Transitions": {
            "NextAction": "id-ok",
            "Errors": [{"NextAction": "id-ok", "ErrorType": "NoMatchingError"}],
        },
    }


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({}, Unmodelled("parameter `LambdaInvocationAttributes`", "is empty or not an object")),
        ([], Unmodelled("parameter `LambdaInvocationAttributes`", "is empty or not an object")),
        (
            {"a": 1},
            Unmodelled("parameter `LambdaInvocationAttributes`", "holds values that are not text"),
        ),
        (
            {"a": "b"},
            {
                "type": "invoke-lambda",
                "function": LAMBDA_ARN,
                "timeout-seconds": 8,
                "parameters": {"a": "b"},
                "next": {"success": "ok", "error": "ok"},
            },
        ),
    ],
)
def test_lambda_invocation_attributes_import(attributes: object, expected: object) -> None:
    # kills flowrt.connect.import_blocks.x__lambda__mutmut_53 (the reason dropped: "is not
    # modelled" instead of "is empty or not an object")
    names = {"id-ok": "ok", "id-x": "x"}
    found = candidate(
        _lambda_action(LambdaInvocationAttributes=attributes), names, Environment("t", {})
    )
    assert found == expected


def test_the_51st_from_address_is_refused_at_the_addresses_config() -> None:
    # kills flowrt.email.mailbox.xǁMailboxǁassociate_queue_addresses__mutmut_69 (the field at
    # fault renamed): the refusal points at EmailAddressesConfig, with the operation named
    addresses = {f"a{i}@anycompany.example": EmailAddress() for i in range(51)}
    queue = Queue(email_addresses=QueueEmailAddresses(default="a0@anycompany.example"))
    mailbox = Mailbox(Instance(instance="x", queues={"Q": queue}, email_addresses=addresses))
    mailbox.associate_queue_addresses("Q", [f"a{i}@anycompany.example" for i in range(1, 50)], None)
    with pytest.raises(LimitExceededException) as caught:
        mailbox.associate_queue_addresses("Q", ["a50@anycompany.example"], None)
    assert caught.value.path == ("EmailAddressesConfig",)
    assert str(caught.value) == (
        "An error occurred (LimitExceededException) when calling the AssociateQueueEmailAddresses "
        "operation: queue `Q` would have 51 email addresses; at most 50 (1 default outbound + 49 others)"
    )


def test_no_fr205_when_default_outbound_flow_did_not_validate(tmp_path: Path) -> None:
    # kills flowrt.email.checks.x__outbound_may_be_broken__mutmut_3: a default-outbound-flow that
    # failed to validate may name a flow of the project
    root = _without_outbound_flow(tmp_path)
    inst = root / "instance.yaml"
    inst.write_text(inst.read_text() + "default-outbound-flow: [not, a, name]\n", encoding="utf-8")
    assert _errors(root) == [
        "instance.yaml:146:24: error[FR011]: `default-outbound-flow` must be text, not a list"
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/lang/compiler.py: BlockContext.scalar_span, a position inside an unquoted scalar


def test_an_expression_error_in_an_unquoted_scalar_starting_with_x(tmp_path: Path) -> None:
    # kills flowrt.lang.compiler.xǁBlockContextǁscalar_span__mutmut_21 (an `X` taken for a quote)
    flow = (
        "flow: x\nstart: a\nblocks:\n  a:\n    type: check-contact-attributes\n    conditions:\n"
        "      - when: XY === 1\n        next: b\n  b: {type: end-flow}\n"
    )
    root = _project(tmp_path, INSTANCE, x=flow)
    diags, _ = check_paths([str(root)])
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span] == [
        (
            "FR050",
            "block `a` (check-contact-attributes): unexpected character 'X' in `XY === 1`",
            7,
            15,
        )
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/testing/golden.py


def test_dump_writes_keys_that_are_not_text_as_scalars() -> None:
    # kills flowrt.testing.golden.x__emit_mapping__mutmut_6 (every key taken for text)
    assert (
        dump({1: "a", None: "b", 2.5: "c", False: "d", "k": "e"})
        == "1: a\nnull: b\n2.5: c\nfalse: d\nk: e\n"
    )


def test_get_participant_input_with_encryption_imports_natively() -> None:
    # kills flowrt.connect.import_blocks.x__encryption__mutmut_13 (a key renamed); no test of
    # the suite reached InputEncryption before
    action = {
        "Identifier": "id-x",
        "Type": "GetParticipantInput",
        "Parameters": {
            "Text": "Card number?",
            "InputTimeLimitSeconds": "5",
            "StoreInput": "True",
            "InputEncryption": {"EncryptionKeyId": "k1", "Key": "PEM"},
            "DTMFConfiguration": {"DisableCancelKey": "False"},
        },
        "Transitions": {
            "NextAction": "id-ok",
            "Errors": [{"NextAction": "id-ok", "ErrorType": "NoMatchingError"}],
        },
    }
    assert candidate(action, {"id-ok": "ok", "id-x": "x"}, Environment("t", {})) == {
        "type": "get-customer-input",
        "text": "Card number?",
        "timeout-seconds": 5,
        "store-input": True,
        "encryption": {"key-id": "k1", "key": "PEM"},
        "dtmf": {"disable-cancel-key": False},
        "next": {"success": "ok", "error": "ok"},
    }


def test_media_that_is_not_s3_audio_stays_a_connect_action() -> None:
    # kills flowrt.connect.import_blocks.x__prompt__mutmut_66 (the construct named dropped)
    action = {
        "Identifier": "id-x",
        "Type": "MessageParticipant",
        "Parameters": {"Media": {"Uri": "s3://b/k.wav", "SourceType": "S3", "MediaType": "Video"}},
        "Transitions": {
            "NextAction": "id-ok",
            "Errors": [{"NextAction": "id-ok", "ErrorType": "NoMatchingError"}],
        },
    }
    assert candidate(action, {"id-ok": "ok", "id-x": "x"}, Environment("t", {})) == Unmodelled(
        "parameter `Media`", "is not {Uri, SourceType: S3, MediaType: Audio}"
    )


def test_search_email_addresses_by_each_comparison() -> None:
    # kills flowrt.email.mailbox.xǁMailboxǁsearch__mutmut_49 (STARTS_WITH compared to nothing)
    addresses = {a: EmailAddress() for a in ("help@anycompany.example", "sales@anycompany.example")}
    mailbox = Mailbox(Instance(instance="x", email_addresses=addresses))

    def found(how: str, value: str) -> list[str]:
        condition = {"StringCondition": {"ComparisonType": how, "Value": value}}
        return [a["EmailAddress"] for a in mailbox.search(condition)["EmailAddresses"]]

    assert found("STARTS_WITH", "HELP") == ["help@anycompany.example"]
    assert found("CONTAINS", "s@any") == ["sales@anycompany.example"]
    assert found("EXACT", "sales@anycompany.example") == ["sales@anycompany.example"]
    assert found("EXACT", "sales") == []


def test_exporting_a_queue_outside_a_customer_queue_flow_is_fr415(tmp_path: Path) -> None:
    # kills flowrt.connect.export_blocks.x__params__mutmut_35 (the message's action name)
    flow = (
        "flow: x\nstart: a\nblocks:\n"
        "  a: {type: transfer-to-queue, queue: Q, next: {success: b, at-capacity: b, error: b}}\n"
        "  b: {type: disconnect}\n"
    )
    root = _project(tmp_path, INSTANCE + "queues:\n  Q: {}\n", x=flow)
    diags, written = export_paths([str(root)], str(tmp_path / "out"))
    assert written == []
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span] == [
        (
            "FR414",
            "block `a`: queue `Q` is not mapped to an ARN or ID; it is exported as written",
            4,
            39,
        ),
        (
            "FR415",
            "block `a`: names a queue or agent outside a customer queue flow; Amazon Connect's "
            "TransferContactToQueue uses the working queue",
            4,
            39,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/lang/blocks: wait and set-voice

WAIT_AND_VOICE = """\
flow: w
start: a
blocks:
  a:
    type: wait
    timeout-seconds: $.Attributes.secs
    next: {completed: v, error: v}
  v:
    type: set-voice
    voice: Joanna
    engine: neural
    style: conversational
    next: e
  e: {type: end-flow}
"""


def test_wait_from_an_attribute_and_a_voice_with_engine_and_style(tmp_path: Path) -> None:
    # kills flowrt.lang.blocks.flow_control.xǁWaitǁcompile_step__mutmut_6 (the attribute read
    # from another key) and flowrt.lang.blocks.settings.xǁSetVoiceǁcompile_step__mutmut_3 (the
    # engine and style joined wrongly)
    program = load_project(str(_project(tmp_path, INSTANCE, w=WAIT_AND_VOICE))).compile()
    result = program.run({"channel": "CHAT", "attributes": {"secs": "30"}}, {}, flow="w")
    assert result.branches() == [("a", "completed"), ("v", "success"), ("e", "-")]
    assert [step["facts"] for step in result.trace.steps()] == [
        [
            {
                "kind": "setting",
                "text": "wait: 30 s: completed",
                "setting": "wait",
                "value": "30 s: completed",
            }
        ],
        [
            {
                "kind": "setting",
                "text": "voice: Joanna (neural, conversational)",
                "setting": "voice",
                "value": "Joanna (neural, conversational)",
            }
        ],
        [],
    ]


def test_a_wait_over_a_week_is_fr041(tmp_path: Path) -> None:
    # kills flowrt.lang.blocks.flow_control.xǁWaitǁcheck__mutmut_39 (the code changed)
    flow = (
        "flow: w\nstart: a\nblocks:\n  a:\n    type: wait\n    timeout-seconds: 604801\n"
        "    next: {completed: e, error: e}\n  e: {type: end-flow}\n"
    )
    diags, _ = check_paths([str(_project(tmp_path, INSTANCE, w=flow))])
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span] == [
        (
            "FR041",
            "block `a` (wait): timeout-seconds is 604801; it must be between 1 and 604800",
            6,
            22,
        )
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/email/session.py


def test_email_contact_ids_without_an_instance(tmp_path: Path) -> None:
    # kills flowrt.email.session.xǁEmailSessionǁnew_contact_id__mutmut_7 (the instance's ARN read
    # when there is no instance.yaml): a project of flows alone still numbers its email contacts
    (tmp_path / "e.flow.yaml").write_text(
        "flow: e\nstart: a\nblocks:\n  a: {type: end-flow}\n", encoding="utf-8"
    )
    program = load_project(str(tmp_path)).compile()
    assert program.instance is None
    session = EmailSession(program)
    assert session.new_contact_id("order-42") == str(uuid.uuid5(NAMESPACE, "flowrt/order-42"))
    assert session.new_contact_id(None) == str(uuid.uuid5(NAMESPACE, "flowrt/2"))


# ---------------------------------------------------------------------------------------------
# The seven survivors left by the first 225 of `--sample 600 --seed 1`


def test_an_unmapped_prompt_of_loop_prompts_points_at_the_prompt(tmp_path: Path) -> None:
    # kills flowrt.connect.export_blocks.x__params__mutmut_295 (each message's position dropped:
    # FR414 then points at the block, not at the prompt that is not mapped)
    flow = (
        "flow: x\ntype: customer-queue\nstart: a\nblocks:\n  a:\n    type: loop-prompts\n"
        "    prompts:\n      - text: Please hold\n      - prompt: hold-music\n"
        "    next: {timeout: b, error: b}\n  b: {type: end-flow}\n"
    )
    root = _project(tmp_path, INSTANCE + "prompts: [hold-music]\n", x=flow)
    diags, written = export_paths([str(root)], str(tmp_path / "out"))
    assert written == [tmp_path / "out" / "x.json"]
    assert [(d.code, d.message, d.span.line, d.span.column, d.hint) for d in diags if d.span] == [
        (
            "FR414",
            "block `a`: prompt `hold-music` is not mapped to an ARN or ID; it is exported as "
            "written",
            9,
            17,
            "map it under `prompts:` in an environment file (--env)",
        )
    ]
    actions = json.loads(written[0].read_text(encoding="utf-8"))["Actions"]
    assert [a["Parameters"] for a in actions if a["Type"] == "MessageParticipantIteratively"] == [
        {"Messages": [{"Text": "Please hold"}, {"PromptId": "hold-music"}]}
    ]


def test_an_unknown_agent_of_an_email_case_says_where_users_are_declared(tmp_path: Path) -> None:
    # kills flowrt.email.checks.xǁ_CaseCheckǁreport__mutmut_19 (every email diagnostic's hint
    # dropped)
    root = tmp_path / "p"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("scenarios"))
    (root / "fw.scenario.yaml").write_text(FORWARD.replace("msantos", "nobody"), encoding="utf-8")
    diags, _ = check_paths([str(root)])
    assert [(d.code, d.message, d.span.line, d.span.column, d.hint) for d in diags if d.span] == [
        (
            "FR204",
            "unknown user `nobody`",
            13,
            28,
            "users are declared in instance.yaml",
        )
    ]


def test_deleting_an_email_address_names_the_operation() -> None:
    # kills flowrt.email.mailbox.xǁMailboxǁdelete_address__mutmut_3 (the operation's name
    # changed in both refusals)
    addresses = {a: EmailAddress() for a in ("help@anycompany.example", "sales@anycompany.example")}
    queue = Queue(email_addresses=QueueEmailAddresses(default="help@anycompany.example"))
    mailbox = Mailbox(Instance(instance="x", queues={"Q": queue}, email_addresses=addresses))
    with pytest.raises(ResourceNotFoundException) as missing:
        mailbox.delete_address("nobody@anycompany.example")
    assert str(missing.value) == (
        "An error occurred (ResourceNotFoundException) when calling the DeleteEmailAddress "
        "operation: email address `nobody@anycompany.example` does not exist in the instance"
    )
    assert missing.value.path == ("EmailAddressId",)
    with pytest.raises(ResourceConflictException) as conflict:
        mailbox.delete_address("help@anycompany.example")
    assert str(conflict.value) == (
        "An error occurred (ResourceConflictException) when calling the DeleteEmailAddress "
        "operation: `help@anycompany.example` is the default outbound address of queue `Q`"
    )
    mailbox.delete_address("sales@anycompany.example")
    assert mailbox.find("sales@anycompany.example") is None


def test_a_request_of_the_wrong_shape_lists_each_problem() -> None:
    # kills flowrt.email.request.x_parse_request__mutmut_3 (the problems list made None)
    req, problems = parse_request({"FromEmailAddress": {"EmailAddress": 3}, "Bogus": 1})
    assert req is None
    assert [(p.error, p.message, p.path) for p in problems] == [
        (
            InvalidRequestException,
            "Invalid type for parameter FromEmailAddress.EmailAddress: Input should be a valid "
            "string",
            ("FromEmailAddress", "EmailAddress"),
        ),
        (InvalidRequestException, 'Unknown parameter in input: "Bogus"', ("Bogus",)),
    ]


RELATED = (
    "flow: r\nstart: a\nblocks:\n  a:\n    type: set-contact-attributes\n"
    "    target-contact: related\n    attributes: {a: $.Attributes.big, b: $.Attributes.big}\n"
    "    next: {success: e, error: e}\n  e: {type: end-flow}\n"
)


@pytest.mark.parametrize(("width", "branch"), [(16_383, "success"), (16_384, "error")])
def test_the_related_contacts_attributes_over_32768_bytes_are_an_error(
    tmp_path: Path, width: int, branch: str
) -> None:
    # kills flowrt.run.calls.x_set_related_attributes__mutmut_54 (the fact's kind dropped): keys
    # `a` and `b` and two values of `width` bytes, 32,768 bytes at the limit
    program = load_project(str(_project(tmp_path, INSTANCE, r=RELATED))).compile()
    contact = PreparedContact(extra={("RelatedContactId",): "c-0"}, attributes={"big": "x" * width})
    result = program.run(contact, {}, flow="r")
    assert result.branches() == [("a", branch), ("e", "-")]
    facts = result.trace.steps()[0]["facts"]
    if branch == "success":
        assert [f["kind"] for f in facts] == ["note", "note"]
        return
    message = (
        "the related contact's attributes would take 32,770 UTF-8 bytes; at most 32,768 are "
        "allowed (nothing was set)"
    )
    assert facts == [{"kind": "error", "text": f"error: {message}", "message": message}]


def test_queue_metrics_facts_give_their_values_as_an_object(tmp_path: Path) -> None:
    # kills flowrt.run.trace.x_fact_json__mutmut_34 (a metrics fact's values left as pairs)
    flow = (
        "flow: m\nstart: a\nblocks:\n  a:\n    type: get-queue-metrics\n    queue: Q\n"
        "    next: {success: e, error: e}\n  e: {type: end-flow}\n"
    )
    program = load_project(
        str(_project(tmp_path, INSTANCE + "queues:\n  Q: {}\n", m=flow))
    ).compile()
    agents = {"online": 2, "available": 1, "staffed": 2}
    world = {"queues": {"Q": {"contacts-in-queue": 3, "oldest-contact-age": 40, "agents": agents}}}
    result = program.run({}, world, flow="m")
    assert result.branches() == [("a", "success"), ("e", "-")]
    assert result.trace.steps()[0]["facts"] == [
        {
            "kind": "metrics",
            "text": "Q: $.Metrics.Queue.Size = 3, $.Metrics.Queue.OldestContactAge = 40, "
            "$.Metrics.Agents.Online.Count = 2, $.Metrics.Agents.Available.Count = 1, "
            "$.Metrics.Agents.Staffed.Count = 2",
            "queue": "Q",
            "values": {
                "Queue.Size": "3",
                "Queue.OldestContactAge": "40",
                "Agents.Online.Count": "2",
                "Agents.Available.Count": "1",
                "Agents.Staffed.Count": "2",
            },
        }
    ]


def test_an_outcome_flows_expectation_shows_both_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kills flowrt.scenario.evaluation.x__show__mutmut_7 (a list value in the message)
    root = tmp_path / "p"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("scenarios"))
    (root / "t.scenario.yaml").write_text(
        "scenario: t\nflow: inbound-support\n"
        'contact: {customer-endpoint: "+15555550100", system-endpoint: "+18005550111"}\n'
        "world:\n"
        '  clock: "2026-11-23T09:00:00-05:00"\n'
        '  lambdas: {customer-lookup: {"1": {returns: {tier: gold, firstName: Ana}}}}\n'
        "  queues: {Premium: {agents: {online: 1, available: 1, staffed: 1}}}\n"
        "cases:\n  gold:\n    expect:\n      outcome: {flows: [after-hours, inbound-support]}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    report = run_suite(["."], update=True)
    assert report.errors == 0
    assert [line for c in report.cases for line in c.failures] == [
        "t.scenario.yaml:11:24: expect.outcome.flows: expected flows [after-hours, "
        "inbound-support], got [inbound-support] (queued in Premium)"
    ]

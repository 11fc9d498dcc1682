"""Tests that kill more of the mutants a seeded random sample of the semantic core left alive
(docs/fuzzing.md, "Mutation testing": `tools/mutation.sh --sample 600 --seed 1`).

Each test names the mutants it kills (`mutmut show NAME` shows one) and says what a user would
see change; each was run against them (`MUTANT_UNDER_TEST=NAME pytest ...` in `mutants/`) and
fails on every one, while the real code passes.  The survivors judged equivalent are in
tools/mutation-equivalent.txt with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowrt.client import ConnectClient
from flowrt.connect.export import export_paths
from flowrt.connect.importer import import_paths
from flowrt.core.diagnostics import FlowrtError
from flowrt.email.errors import InvalidParameterException, ResourceNotFoundException
from flowrt.email.mailbox import Mailbox
from flowrt.email.shapes import (
    _OPERATIONS,
    _SHAPES,
    OPERATIONS,
    SHAPES,
    Operation,
    _lines,
    parse_shape,
)
from flowrt.project.driver import check_paths, load_project
from flowrt.testing.golden import render_golden
from flowrt.testing.suite import run_suite
from tests.mutant_projects import KEPT
from tests.mutant_projects import compiled as _program

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
INSTANCE = "instance: t\n"


# ---------------------------------------------------------------------------------------------
# flowrt/connect/import_blocks.py: why an action stays a connect-action (FR430's text)

#: Three actions import cannot make native: a parameter flowrt does not model, a condition that
#: is no branch of the block, two parameters it does not model.
UNMODELLED = {
    "Version": "2019-10-30",
    "StartAction": "one",
    "Actions": [
        {
            "Identifier": "one",
            "Type": "MessageParticipant",
            "Parameters": {"Text": "Hi", "Color": "red"},
            "Transitions": {"NextAction": "two", "Errors": [], "Conditions": []},
        },
        {
            "Identifier": "two",
            "Type": "CheckHoursOfOperation",
            "Parameters": {
                "HoursOfOperationId": "arn:aws:connect:us-east-1:111122223333:instance/abc"
                "/operating-hours/h1"
            },
            "Transitions": {
                "NextAction": "bye",
                "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}],
                "Conditions": [
                    {
                        "NextAction": "bye",
                        "Condition": {"Operator": "Equals", "Operands": ["Maybe"]},
                    }
                ],
            },
        },
        {
            "Identifier": "bye",
            "Type": "DisconnectParticipant",
            "Parameters": {"Reason": "x", "Code": "y"},
            "Transitions": {},
        },
    ],
}


def test_import_says_which_parameters_and_conditions_are_not_modelled(tmp_path: Path) -> None:
    """FR430 names what keeps each action from being a native block: the parameter(s) by name,
    the condition that is no branch of the block type.  Kills
    flowrt.connect.import_blocks.x__extra__mutmut_10 and
    flowrt.connect.import_blocks.x__extra__mutmut_7 (the parameters' names lost: "None is not
    modelled") and flowrt.connect.import_blocks.x__next__mutmut_139 (the condition's reason lost:
    "... `Maybe` None")."""
    src = tmp_path / "f.json"
    src.write_text(json.dumps(UNMODELLED, indent=1), encoding="utf-8")
    diags, _, imported = import_paths([str(src)], str(tmp_path / "out"))
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span][1:] == [
        ("FR430", f"MessageParticipant 'one': parameter `Color` is not modelled; {KEPT}", 6, 4),
        (
            "FR430",
            "CheckHoursOfOperation 'two': condition Equals `Maybe` is not a branch of "
            f"check-hours-of-operation; {KEPT}",
            19,
            4,
        ),
        (
            "FR430",
            f"DisconnectParticipant 'bye': parameters `Code`, `Reason` are not modelled; {KEPT}",
            46,
            4,
        ),
    ]
    assert (imported[0].native, imported[0].passthrough) == (0, 3)


#: Three more: a Compare whose condition has two operands, two NoMatchingError transitions that
#: go to different actions, a parameter of TransferParticipantToThirdParty flowrt does not model.
MORE_UNMODELLED = {
    "Version": "2019-10-30",
    "StartAction": "cmp",
    "Actions": [
        {
            "Identifier": "cmp",
            "Type": "Compare",
            "Parameters": {"ComparisonValue": "$.Attributes.tier"},
            "Transitions": {
                "NextAction": "bye",
                "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingCondition"}],
                "Conditions": [
                    {
                        "NextAction": "bye",
                        "Condition": {"Operator": "Equals", "Operands": ["gold", "silver"]},
                    }
                ],
            },
        },
        {
            "Identifier": "flow",
            "Type": "TransferToFlow",
            "Parameters": {
                "ContactFlowId": "arn:aws:connect:us-east-1:111122223333:instance/abc"
                "/contact-flow/f1"
            },
            "Transitions": {
                "NextAction": "bye",
                "Errors": [
                    {"NextAction": "bye", "ErrorType": "NoMatchingError"},
                    {"NextAction": "dial", "ErrorType": "NoMatchingError"},
                ],
            },
        },
        {
            "Identifier": "dial",
            "Type": "TransferParticipantToThirdParty",
            "Parameters": {
                "ThirdPartyPhoneNumber": "+15555550100",
                "ThirdPartyConnectionTimeLimitSeconds": "30",
                "ContinueFlowExecution": "False",
                "Retries": "2",
            },
            "Transitions": {
                "NextAction": "bye",
                "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}],
            },
        },
        {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
    ],
}


def test_import_says_why_conditions_errors_and_a_transfer_are_not_native(tmp_path: Path) -> None:
    """FR430's reasons for a condition with two operands, an error that goes two places, a
    third-party transfer with a parameter flowrt does not model.  Kills
    flowrt.connect.import_blocks.x__conditions__mutmut_29 and
    flowrt.connect.import_blocks.x__next__mutmut_70 (the reasons' text changed) and
    flowrt.connect.import_blocks.x__third_party__mutmut_11 (the parameters not checked: the
    action is refused later, for another reason)."""
    src = tmp_path / "f.json"
    src.write_text(json.dumps(MORE_UNMODELLED, indent=1), encoding="utf-8")
    diags, _, imported = import_paths([str(src)], str(tmp_path / "out"))
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span][1:] == [
        (
            "FR430",
            f"Compare 'cmp': a condition with other than one text operand is not modelled; {KEPT}",
            6,
            4,
        ),
        (
            "FR430",
            f"TransferToFlow 'flow': error `NoMatchingError` goes where another transition goes; "
            f"{KEPT}",
            34,
            4,
        ),
        (
            "FR430",
            f"TransferParticipantToThirdParty 'dial': parameter `Retries` is not modelled; {KEPT}",
            54,
            4,
        ),
    ]
    assert (imported[0].native, imported[0].passthrough) == (1, 3)


# ---------------------------------------------------------------------------------------------
# flowrt/email/mailbox.py: the request field a refusal points at


def test_disassociating_an_unknown_address_points_at_its_field() -> None:
    """The error of DisassociateEmailAddressAlias names the request field at fault (`path`,
    as botocore's validation would): the address, not the alias.  Kills
    flowrt.email.mailbox.xǁMailboxǁdisassociate_alias__mutmut_20 (the field named
    `emailaddressid`, which no request has)."""
    connect = ConnectClient(load_project(FLOWS).compile())
    with pytest.raises(ResourceNotFoundException) as caught:
        connect.disassociate_email_address_alias(
            InstanceId="anycompany",
            EmailAddressId="nobody@anycompany.example",
            AliasConfiguration={"EmailAddressId": "help@anycompany.example"},
        )
    assert str(caught.value) == (
        "An error occurred (ResourceNotFoundException) when calling the "
        "DisassociateEmailAddressAlias operation: email address `nobody@anycompany.example` "
        "does not exist in the instance"
    )
    assert caught.value.path == ("EmailAddressId",)
    with pytest.raises(ResourceNotFoundException) as caught:
        connect.disassociate_email_address_alias(
            InstanceId="anycompany",
            EmailAddressId="support@anycompany.example",
            AliasConfiguration={"EmailAddressId": "nobody@anycompany.example"},
        )
    assert caught.value.path == ("AliasConfiguration", "EmailAddressId")


# ---------------------------------------------------------------------------------------------
# flowrt/email/shapes.py: the table of the API's shapes is read when the module is imported,
# before mutmut chooses a mutant; only reading it again can tell a wrong reading


def test_the_shape_tables_read_again_give_the_same_operations_and_shapes() -> None:
    """An indented line of the tables goes on the line above it: the parameter checks of the
    client (which shapes an operation takes, which members they have) come from that reading.
    Kills flowrt.email.shapes.x__lines__mutmut_9 (an indented line added to the second line of
    the table instead of the one above it)."""
    assert _lines("a b\n  c\n# note\n\nd e\n  f g\n") == [["a", "b", "c"], ["d", "e", "f", "g"]]
    assert {w[0]: Operation(w[0], w[1], w[2], tuple(w[3:])) for w in _lines(_OPERATIONS)} == (
        OPERATIONS
    )
    assert OPERATIONS["disassociate_email_address_alias"] == Operation(
        "disassociate_email_address_alias",
        "DisassociateEmailAddressAlias",
        "DisassociateEmailAddressAliasRequest",
        (),
    )
    assert {s.name: s for s in map(parse_shape, _lines(_SHAPES))} == SHAPES


# ---------------------------------------------------------------------------------------------
# flowrt/run/runtime.py: Runtime.match, a `when:` condition beside a condition whose operand is
# a reference (the general path, not the specialised matchers of flowrt.lang.steps)

WHEN_AND_REFERENCE = """\
flow: c
start: check
blocks:
  check:
    type: check-contact-attributes
    attribute: $.Attributes.tier
    conditions:
      - when: $.Attributes.spend > 100
        next: big
      - equals: $.Attributes.wanted
        next: same
    next: {no-match: other}
  big: {type: end-flow}
  same: {type: end-flow}
  other: {type: end-flow}
"""


def test_a_when_condition_beside_a_reference_operand(tmp_path: Path) -> None:
    """A `when:` condition evaluated on the general path takes its branch when true, notes the
    references it misses, and lets the next condition match when false.  Kills
    flowrt.run.runtime.xǁRuntimeǁmatch__mutmut_12 (the condition evaluated without the run:
    the run fails) and flowrt.run.runtime.xǁRuntimeǁmatch__mutmut_10 (the condition's fact of
    another kind: not shown as a `when`)."""
    program = _program(tmp_path, INSTANCE, c=WHEN_AND_REFERENCE)
    big = program.run({"attributes": {"tier": "gold", "spend": "500"}}, {}, flow="c")
    assert big.branches() == [("check", "condition-1"), ("big", "-")]
    assert big.trace.steps()[0]["facts"] == [
        {
            "kind": "when",
            "text": '$.Attributes.spend > 100 → "500" > 100 → true',
            "condition": "$.Attributes.spend > 100",
            "values": {"$.Attributes.spend": "500"},
        }
    ]
    same = program.run({"attributes": {"tier": "gold", "wanted": "gold"}}, {}, flow="c")
    assert same.branches() == [("check", "condition-2"), ("same", "-")]
    step = same.trace.steps()[0]
    assert step["missing"] == ["$.Attributes.spend"]
    assert [f["text"] for f in step["facts"]] == [
        '$.Attributes.spend > 100 → "" > 100 → false (missing: $.Attributes.spend)',
        '$.Attributes.tier is "gold": matches `equals $.Attributes.wanted`',
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/run/runtime.py: Runtime.queue_wait, the working queue of a customer queue flow


def test_a_wait_in_the_working_queue_ends_queued_there_when_the_agent_answers(
    tmp_path: Path,
) -> None:
    """A customer queue flow that sets its working queue itself (the contact came with none)
    and waits: when the queue's agent answers, the run ends queued in that queue, as it does
    for the contact's own queue.  Kills flowrt.run.runtime.xǁRuntimeǁqueue_wait__mutmut_39 (the
    run said `ended`, in no queue)."""
    flow = (
        "flow: q\ntype: customer-queue\nstart: pick\nblocks:\n"
        "  pick:\n    type: set-working-queue\n    queue: Support\n"
        "    next: {success: wait, error: done}\n"
        "  wait:\n    type: wait\n    timeout-seconds: 30\n"
        "    next: {completed: wait, error: done}\n"
        "  done: {type: end-flow}\n"
    )
    program = _program(tmp_path, INSTANCE + "queues:\n  Support: {max-contacts: 10}\n", q=flow)
    world = {"queues": {"Support": {"answer-after": 75}}}
    result = program.run({"channel": "CHAT"}, world, flow="q")
    assert (result.outcome.kind, result.outcome.block, result.outcome.queue) == (
        "queued",
        "wait",
        "Support",
    )
    assert [f["text"] for f in result.trace.steps()[-1]["facts"]] == [
        "75 s waited in Support",
        "an agent answers after 75 s in queue",
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/run/trace.py: the text of a customer profile fact


def test_a_profile_created_with_no_values_says_so_without_a_colon(tmp_path: Path) -> None:
    """`customer profile profile-1 created` when the block gives no values; with values, each
    `field = "value"` after a colon.  Kills flowrt.run.trace.x__profile__mutmut_10 (a colon and
    nothing after it: `created: `)."""
    flow = (
        "flow: c\nstart: new\nblocks:\n"
        "  new:\n    type: create-customer-profile\n    next: {success: change, error: done}\n"
        "  change:\n    type: update-customer-profile\n"
        "    values: {FirstName: Ana, City: $.Attributes.city}\n"
        "    next: {success: done, error: done}\n"
        "  done: {type: end-flow}\n"
    )
    program = _program(tmp_path, INSTANCE, c=flow)
    result = program.run({"attributes": {"city": "Lisbon"}}, {}, flow="c")
    assert [[f["text"] for f in s["facts"]] for s in result.trace.steps()] == [
        ["customer profile profile-1 created"],
        ['customer profile profile-1 updated: FirstName = "Ana", City = "Lisbon"'],
        [],
    ]


# ---------------------------------------------------------------------------------------------
# The survivors of the rest of `--sample 600 --seed 1`: Connect export


STORE_INPUT = """\
flow: g
start: ask
blocks:
  ask:
    type: get-customer-input
    text: Your account number, then the pound key twice
    store-input: true
    max-length: 10
    encryption: {key-id: key-2026, key: PUBLIC-KEY-PEM}
    dtmf: {termination-sequence: "##", disable-cancel-key: true}
    next: {success: check, error: done}
  check:
    type: check-contact-attributes
    attribute: $.StoredCustomerInput
    conditions:
      - equals: "123"
        next: done
    next: {no-match: done, error: done}
  done: {type: end-flow}
"""


def test_export_writes_the_dtmf_keys_and_says_how_to_drop_an_error_branch(tmp_path: Path) -> None:
    """The exported GetParticipantInput keeps the block's encryption key and termination
    sequence under Amazon Connect's names; FR416 (an `error:` a Compare cannot have) says how to
    fix it.  Kills flowrt.connect.export_blocks.x__input_params__mutmut_67 (`EncryptionKeyId`
    written `encryptionkeyid`), flowrt.connect.export_blocks.x__input_params__mutmut_75
    (`InputTerminationSequence` written as null),
    flowrt.connect.export_blocks.x_export_block__mutmut_56 (FR416's hint dropped),
    flowrt.connect.export_blocks.x_export_block__mutmut_55 (FR416's position dropped) and
    flowrt.connect.export_blocks.x_export_block__mutmut_46 (FR416 never given)."""
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "g.flow.yaml").write_text(STORE_INPUT, encoding="utf-8")
    diags, written = export_paths([str(tmp_path)], str(tmp_path / "out"))
    assert [(d.code, d.message, d.span.line, d.span.column, d.hint) for d in diags if d.span] == [
        (
            "FR416",
            "block `check`: `error` is not exported: Amazon Connect's Compare has no error branch",
            18,
            35,
            "remove `error:` from this block's next",
        )
    ]
    assert written == [tmp_path / "out" / "g.json"]
    actions = json.loads(written[0].read_text(encoding="utf-8"))["Actions"]
    assert [a["Parameters"] for a in actions if a["Type"] == "GetParticipantInput"] == [
        {
            "Text": "Your account number, then the pound key twice",
            "InputTimeLimitSeconds": "5",
            "StoreInput": "True",
            "InputValidation": {"CustomValidation": {"MaximumLength": "10"}},
            "InputEncryption": {"EncryptionKeyId": "key-2026", "Key": "PUBLIC-KEY-PEM"},
            "DTMFConfiguration": {"InputTerminationSequence": "##", "DisableCancelKey": "True"},
        }
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/email/mailbox.py: the operation and the field each refusal names


def test_associating_an_unknown_alias_names_the_operation() -> None:
    """AssociateEmailAddressAlias with an alias address that does not exist: the error says
    which operation refused it (botocore's `when calling the ... operation`) and points at the
    alias field.  Kills flowrt.email.mailbox.xǁMailboxǁassociate_alias__mutmut_24 (the
    operation dropped from the alias's refusal) and
    flowrt.email.errors.xǁConnectErrorǁ__init____mutmut_3 (every error's `operation_name`, as
    botocore's ClientError has it, lost)."""
    connect = ConnectClient(load_project(FLOWS).compile())
    with pytest.raises(ResourceNotFoundException) as caught:
        connect.associate_email_address_alias(
            InstanceId="anycompany",
            EmailAddressId="support@anybrand.example",
            AliasConfiguration={"EmailAddressId": "nobody@anycompany.example"},
        )
    assert str(caught.value) == (
        "An error occurred (ResourceNotFoundException) when calling the "
        "AssociateEmailAddressAlias operation: email address `nobody@anycompany.example` "
        "does not exist in the instance"
    )
    assert (caught.value.operation_name, caught.value.path) == (
        "AssociateEmailAddressAlias",
        ("AliasConfiguration", "EmailAddressId"),
    )


def test_the_mailbox_refuses_an_unknown_queue_and_a_wrong_count_of_addresses() -> None:
    """The mailbox's own checks of AssociateQueueEmailAddresses name the field at fault and
    the operation (the client checks the queue and the list's length first, so only a caller
    of Mailbox itself meets these two).  Kills
    flowrt.email.mailbox.xǁMailboxǁassociate_queue_addresses__mutmut_23 (the field named
    `QUEUEID`), flowrt.email.mailbox.xǁMailboxǁassociate_queue_addresses__mutmut_32 (the
    operation dropped), flowrt.email.mailbox.xǁMailboxǁassociate_queue_addresses__mutmut_35
    (the field named `emailaddressesconfig`) and
    flowrt.email.mailbox.xǁMailboxǁassociate_queue_addresses__mutmut_18 (the message
    dropped)."""
    mailbox = Mailbox(load_project(FLOWS).compile().instance)
    with pytest.raises(ResourceNotFoundException) as unknown:
        mailbox.associate_queue_addresses("Nowhere", ["support@anybrand.example"], None)
    assert str(unknown.value) == (
        "An error occurred (ResourceNotFoundException) when calling the "
        "AssociateQueueEmailAddresses operation: queue `Nowhere` does not exist"
    )
    assert unknown.value.path == ("QueueId",)
    with pytest.raises(InvalidParameterException) as empty:
        mailbox.associate_queue_addresses("Premium", [], None)
    assert str(empty.value) == (
        "An error occurred (InvalidParameterException) when calling the "
        "AssociateQueueEmailAddresses operation: EmailAddressesConfig has 0 items; 1 to 50 "
        "are allowed"
    )
    assert empty.value.path == ("EmailAddressesConfig",)


# ---------------------------------------------------------------------------------------------
# flowrt/lang/steps.py, flowrt/run/runtime.py, flowrt/run/interpreter.py: the run


def test_the_missing_references_of_many_when_conditions_are_all_named(tmp_path: Path) -> None:
    """Past 32 missing references in one step, a `when:` condition notes what it misses through
    a list of its own (constant time each): the step still names every one.  Kills
    flowrt.lang.steps.x_evaluate_noting__mutmut_15 (the 33rd and later noted as null)."""
    conditions = "".join(
        f'      - when: $.Attributes.a{i} == "x"\n        next: done\n' for i in range(1, 41)
    )
    flow = (
        "flow: w\nstart: check\nblocks:\n  check:\n    type: check-contact-attributes\n"
        f"    conditions:\n{conditions}    next: {{no-match: done}}\n  done: {{type: end-flow}}\n"
    )
    program = _program(tmp_path, INSTANCE, w=flow)
    result = program.run({}, {}, flow="w")
    assert result.branches() == [("check", "no-match"), ("done", "-")]
    step = result.trace.steps()[0]
    assert step["missing"] == [f"$.Attributes.a{i}" for i in range(1, 41)]
    assert step["facts"][-1]["text"] == (
        '$.Attributes.a40 == "x" → "" == "x" → false (missing: $.Attributes.a40)'
    )


def test_a_text_condition_on_a_reference_operand_takes_its_branch(tmp_path: Path) -> None:
    """`text-contains` with a `$.` operand (Runtime.match's general path) takes its branch when
    the value contains the operand's value.  Kills flowrt.run.runtime.xǁRuntimeǁmatch__mutmut_94
    (the branch lost on a text match) and flowrt.run.runtime.xǁRuntimeǁmatch__mutmut_95 (the
    match's fact made without its subject: the run fails)."""
    flow = (
        "flow: t\nstart: check\nblocks:\n  check:\n    type: check-contact-attributes\n"
        "    attribute: $.Attributes.reason\n    conditions:\n"
        "      - text-contains: $.Attributes.word\n        next: found\n"
        "    next: {no-match: other}\n  found: {type: end-flow}\n  other: {type: end-flow}\n"
    )
    program = _program(tmp_path, INSTANCE, t=flow)
    result = program.run(
        {"attributes": {"reason": "my card was stolen", "word": "card"}}, {}, flow="t"
    )
    assert result.branches() == [("check", "condition-1"), ("found", "-")]
    assert [f["text"] for f in result.trace.steps()[0]["facts"]] == [
        '$.Attributes.reason is "my card was stolen": matches `text-contains $.Attributes.word`'
    ]


def test_attributes_over_the_limit_are_undone_to_their_earlier_values(tmp_path: Path) -> None:
    """A set-contact-attributes that would take the attributes over 32,768 bytes sets nothing:
    an attribute it changed has its earlier value again for the blocks after it.  Kills
    flowrt.run.calls.x__undo_sets__mutmut_9 (the earlier value lost)."""
    flow = (
        "flow: u\nstart: big\nblocks:\n  big:\n    type: set-contact-attributes\n"
        "    attributes:\n      tier: platinum\n      copy: $.Attributes.blob\n"
        "    next: {success: said, error: said}\n"
        '  said:\n    type: play-prompt\n    text: "Tier: $.Attributes.tier"\n    next: done\n'
        "  done: {type: end-flow}\n"
    )
    program = _program(tmp_path, INSTANCE, u=flow)
    contact = {"channel": "CHAT", "attributes": {"tier": "gold", "blob": "x" * 20_000}}
    result = program.run(contact, {}, flow="u")
    assert result.branches() == [("big", "error"), ("said", "success"), ("done", "-")]
    steps = result.trace.steps()
    assert steps[0]["facts"][-1]["text"] == (
        "error: attributes would take 40,020 UTF-8 bytes; at most 32,768 are allowed "
        "(nothing was set)"
    )
    assert [f["text"] for f in steps[1]["facts"]] == ['prompt: "Tier: gold"']


def test_recording_behavior_says_the_analytics_language(tmp_path: Path) -> None:
    """Contact Lens analytics turned on: the step says the language they analyse, when the
    block gives one.  Kills
    flowrt.lang.blocks.settings.xǁSetRecordingBehaviorǁcompile_step__mutmut_41 (the language
    read from another key: never shown) and
    flowrt.lang.blocks.settings.xǁSetRecordingBehaviorǁcompile_step__mutmut_46 (the fact named
    `ANALYTICS`)."""
    flow = (
        "flow: r\nstart: rec\nblocks:\n"
        "  rec:\n    type: set-recording-behavior\n    recorded-participants: [Agent, Customer]\n"
        '    analytics: {Enabled: "True", AnalyticsLanguage: pt-BR, AnalyticsMode: PostContact}\n'
        "    next: plain\n"
        "  plain:\n    type: set-recording-behavior\n    recorded-participants: [Agent, Customer]\n"
        '    analytics: {Enabled: "True"}\n    next: done\n'
        "  done: {type: end-flow}\n"
    )
    program = _program(tmp_path, INSTANCE, r=flow)
    result = program.run({}, {}, flow="r")
    assert [[f["text"] for f in s["facts"]] for s in result.trace.steps()] == [
        ["recording: Agent+Customer on", "analytics: on (pt-BR)"],
        ["recording: Agent+Customer on", "analytics: on"],
        [],
    ]


def test_a_callback_with_no_queue_takes_its_error_branch(tmp_path: Path) -> None:
    """create-callback-contact with no queue of its own and no working queue: `error`, with
    why.  Kills flowrt.lang.blocks.flow_control.xǁCreateCallbackContactǁcompile_step__mutmut_12
    (a branch the block does not have: Amazon Connect's disconnect instead of `error`)."""
    flow = (
        "flow: c\nstart: callback\nblocks:\n  callback:\n    type: create-callback-contact\n"
        "    initial-delay-seconds: 60\n    max-attempts: 2\n    retry-delay-seconds: 300\n"
        "    next: {success: done, error: sorry}\n"
        "  sorry:\n    type: play-prompt\n    text: We cannot call you back\n    next: done\n"
        "  done: {type: end-flow}\n"
    )
    program = _program(tmp_path, INSTANCE + "queues:\n  Support: {}\n", c=flow)
    result = program.run({"customer-endpoint": "+15555550100"}, {}, flow="c")
    assert result.branches() == [("callback", "error"), ("sorry", "success"), ("done", "-")]
    assert result.outcome.kind == "ended"
    assert [f["text"] for f in result.trace.steps()[0]["facts"]] == [
        "error: no working queue is set (use set-working-queue first)"
    ]


def test_a_run_without_a_case_has_the_contact_id_of_its_flow(tmp_path: Path) -> None:
    """A run given no contact ID (a flow run on its own, no scenario case) gets a ContactId
    derived from the flow's name, the same in every run and every version, which goldens and
    `--format json` show.  Kills flowrt.run.interpreter.x__default_contact_id__mutmut_12 (derived
    from another text: every such run's ContactId changes)."""
    flow = "flow: a-run-without-a-case\nstart: done\nblocks:\n  done: {type: end-flow}\n"
    program = _program(tmp_path, INSTANCE, a=flow)
    result = program.run({}, {}, flow="a-run-without-a-case")
    assert result.contact_id == "c63b862f-b591-586a-8ea2-24f3db8e5f5b"


# ---------------------------------------------------------------------------------------------
# flowrt/testing/golden.py: text a terminal or a YAML reader should not see raw


def test_a_golden_escapes_a_line_separator_in_a_fact(tmp_path: Path) -> None:
    """A customer's text with a line separator (U+2028) is written in the golden as `\\u2028`
    inside a double-quoted scalar, not raw.  Kills flowrt.testing.golden.x__quoted__mutmut_17
    (the golden could not be written)."""
    flow = (
        "flow: s\nstart: say\nblocks:\n  say:\n    type: play-prompt\n"
        '    text: "Note: $.Attributes.note"\n    next: done\n  done: {type: end-flow}\n'
    )
    program = _program(tmp_path, INSTANCE, s=flow)
    result = program.run({"channel": "CHAT", "attributes": {"note": "one\u2028two"}}, {}, flow="s")
    golden = render_golden(result, flow="s")
    assert '      - "prompt: \\"Note: one\\u2028two\\""\n' in golden
    assert "\u2028" not in golden


# ---------------------------------------------------------------------------------------------
# flowrt/lang/blocks/hooks.py: FR445 only for a name that is no flow of the project


def test_an_event_hook_may_name_a_flow_by_its_id_or_a_flow_that_failed(tmp_path: Path) -> None:
    """A set-event-hook names a flow of the project by its `id:`, or a flow that failed to
    load (its own error is the one said): neither is FR445; a misspelt name is.  Kills
    flowrt.lang.blocks.hooks.x__hook_flow__mutmut_20 (FR445 for both)."""
    main = (
        "flow: main\nstart: music\nblocks:\n"
        "  music:\n    type: set-event-hook\n"
        "    customer-queue: 0a1b2c3d-0000-4000-8000-000000000001\n"
        "    next: {success: hold, error: done}\n"
        "  hold:\n    type: set-event-hook\n    customer-hold: hold-music\n"
        "    next: {success: typo, error: done}\n"
        "  typo:\n    type: set-event-hook\n    agent-hold: quue-music\n"
        "    next: {success: done, error: done}\n"
        "  done: {type: end-flow}\n"
    )
    queue = (
        "flow: queue-music\nid: 0a1b2c3d-0000-4000-8000-000000000001\ntype: customer-queue\n"
        "start: done\nblocks:\n  done: {type: end-flow}\n"
    )
    hold = (  # `strat:` for `start:`: the flow does not load
        "flow: hold-music\ntype: customer-hold\nstrat: play\nblocks:\n"
        "  play: {type: play-prompt, text: Please hold, next: done}\n  done: {type: end-flow}\n"
    )
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    for name, text in (("main", main), ("q", queue), ("h", hold)):
        (tmp_path / f"{name}.flow.yaml").write_text(text, encoding="utf-8")
    diags, _ = check_paths([str(tmp_path)])
    assert [(d.code, d.message, Path(d.span.file).name, d.span.line) for d in diags if d.span] == [
        ("FR010", "unknown key `strat` (did you mean `start`?)", "h.flow.yaml", 3),
        ("FR012", "missing required key `start`", "h.flow.yaml", 1),
        (
            "FR445",
            "block `typo` (set-event-hook): flow `quue-music` is not a flow of the project (did "
            "you mean `queue-music`?): kept as the name of a flow of the Amazon Connect "
            "instance; a dry run cannot run it",
            "main.flow.yaml",
            14,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# flowrt/scenario/evaluation.py: an expectation's failure shows the text as written


def test_a_failed_expectation_shows_accented_text_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`expect: attributes:` with text outside ASCII: the failure quotes it as the scenario
    wrote it (`"São Paulo"`), not as JSON escapes (`"S\\u00e3o Paulo"`).  Kills
    flowrt.scenario.evaluation.x_describe_match__mutmut_7 (escaped)."""
    flow = (
        "flow: c\nstart: set\nblocks:\n  set:\n    type: set-contact-attributes\n"
        "    attributes: {city: Lisboa, region: Algarve}\n"
        "    next: {success: done, error: done}\n  done: {type: end-flow}\n"
    )
    scenario = (
        "scenario: t\nflow: c\ncases:\n  where:\n    expect:\n      attributes:\n"
        "        city: São Paulo\n        region: {text-starts-with: Região}\n"
    )
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "c.flow.yaml").write_text(flow, encoding="utf-8")
    (tmp_path / "t.scenario.yaml").write_text(scenario, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = run_suite(["."], update=True)
    assert report.errors == 0
    assert [line for c in report.cases for line in c.failures] == [
        't.scenario.yaml:7:15: expect.attributes.city: expected $.Attributes.city "São Paulo", '
        'got "Lisboa"',
        "t.scenario.yaml:8:17: expect.attributes.region: expected $.Attributes.region "
        'text-starts-with "Região", got "Algarve"',
    ]


# ---------------------------------------------------------------------------------------------
# The last survivors of `--sample 600 --seed 1`: hints, reasons, and the run's own refusals


def test_fr415_says_to_set_the_queue_first(tmp_path: Path) -> None:
    """A transfer-to-queue that names its queue outside a customer queue flow: FR415 says what
    to do instead.  Kills flowrt.connect.export_blocks.x__params__mutmut_27 (the hint dropped)."""
    flow = (
        "flow: x\nstart: a\nblocks:\n"
        "  a: {type: transfer-to-queue, queue: Q, next: {success: b, at-capacity: b, error: b}}\n"
        "  b: {type: disconnect}\n"
    )
    (tmp_path / "instance.yaml").write_text(
        "instance: t\narn: arn:aws:connect:us-east-1:111122223333:instance/abc\nqueues:\n  Q: {}\n",
        encoding="utf-8",
    )
    (tmp_path / "x.flow.yaml").write_text(flow, encoding="utf-8")
    diags, written = export_paths([str(tmp_path)], str(tmp_path / "out"))
    assert written == []
    assert [(d.code, d.span.line, d.span.column, d.hint) for d in diags if d.code == "FR415"] == [
        ("FR415", 4, 39, "set the queue first with set-working-queue")
    ]


def test_import_says_why_a_queue_and_an_agent_together_are_not_native(tmp_path: Path) -> None:
    """UpdateContactTargetQueue with both a queue and an agent: FR430 says they are given
    together.  Kills flowrt.connect.import_blocks.x__queue__mutmut_58 (the reason said as
    "is not modelled")."""
    action = {
        "Identifier": "q",
        "Type": "UpdateContactTargetQueue",
        "Parameters": {
            "QueueId": "arn:aws:connect:us-east-1:111122223333:instance/abc/queue/q1",
            "AgentId": "arn:aws:connect:us-east-1:111122223333:instance/abc/agent/a1",
        },
        "Transitions": {
            "NextAction": "bye",
            "Errors": [{"NextAction": "bye", "ErrorType": "NoMatchingError"}],
        },
    }
    bye = {
        "Identifier": "bye",
        "Type": "DisconnectParticipant",
        "Parameters": {},
        "Transitions": {},
    }
    src = tmp_path / "q.json"
    src.write_text(
        json.dumps({"Version": "2019-10-30", "StartAction": "q", "Actions": [action, bye]}),
        encoding="utf-8",
    )
    diags, _, _ = import_paths([str(src)], str(tmp_path / "out"))
    assert [d.message for d in diags if d.code == "FR430"] == [
        "UpdateContactTargetQueue 'q': parameters `QueueId` and `AgentId` are given together or "
        f"are not text; {KEPT}"
    ]


def test_a_set_event_hook_with_two_events_says_to_use_one_block_each(tmp_path: Path) -> None:
    """FR070 (a set-event-hook with two events) says what to do instead.  Kills
    flowrt.lang.blocks.hooks.xǁSetEventHookǁcheck__mutmut_7 (the hint dropped)."""
    flow = (
        "flow: x\nstart: h\nblocks:\n  h:\n    type: set-event-hook\n"
        "    customer-queue: x\n    agent-whisper: x\n    next: {success: b, error: b}\n"
        "  b: {type: disconnect}\n"
    )
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "x.flow.yaml").write_text(flow, encoding="utf-8")
    diags, _ = check_paths([str(tmp_path)])
    assert [(d.code, d.message, d.span.line, d.hint) for d in diags if d.span] == [
        (
            "FR070",
            "block `h` (set-event-hook): sets 2 event hooks; Amazon Connect's "
            "UpdateContactEventHooks sets exactly one",
            5,
            "use one block per event: customer-queue, agent-whisper, ...",
        )
    ]


def test_the_run_refuses_an_unknown_flow_and_a_contact_with_no_flow(tmp_path: Path) -> None:
    """`Program.run` with a flow name that is no flow of the project: FR100 shows the name
    whole up to 80 characters (longer ones are cut, with their length); with no flow and no
    system endpoint in a project of two flows, FR100 says what to give.  Kills
    flowrt.run.interpreter.x__flow_for__mutmut_13 (a name of exactly 80 characters said to be
    cut), flowrt.run.interpreter.x__flow_for__mutmut_65 (the message lost) and
    flowrt.run.interpreter.x__flow_for__mutmut_63 (the diagnostics lost)."""
    one = "start: b\nblocks:\n  b: {type: disconnect}\n"
    program = _program(tmp_path, INSTANCE, x="flow: x\n" + one, z="flow: z\n" + one)
    with pytest.raises(FlowrtError) as eighty:
        program.run({}, {}, flow="y" * 80)
    assert [(d.code, d.message, d.hint) for d in eighty.value.diagnostics] == [
        ("FR100", f"unknown flow `{'y' * 80}`", "give the name of a flow of the project (x, z)")
    ]
    with pytest.raises(FlowrtError) as longer:
        program.run({}, {}, flow="y" * 81)
    assert [d.message for d in longer.value.diagnostics] == [
        f"unknown flow `{'y' * 80}... (81 characters)`"
    ]
    with pytest.raises(FlowrtError) as none:
        program.run({}, {})
    assert [(d.code, d.message) for d in none.value.diagnostics] == [
        (
            "FR100",
            "which flow should run? give `flow=`, or a system endpoint whose number or address "
            "names a flow in the instance",
        )
    ]


def test_a_before_pair_naming_one_block_twice_holds_when_it_is_visited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`before: [A, B]` fails only when B's first visit comes before A's: a pair that names the
    same block twice (or by its name and by `flow/name`) holds once the block is visited, while
    a pair the run reverses fails.  Kills
    flowrt.scenario.evaluation.xǁ_Evaluatorǁbefore__mutmut_14 (a block taken to come before
    itself)."""
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "c.flow.yaml").write_text(
        "flow: c\nstart: greet\nblocks:\n"
        "  greet: {type: play-prompt, text: Hello, next: done}\n  done: {type: end-flow}\n",
        encoding="utf-8",
    )
    (tmp_path / "t.scenario.yaml").write_text(
        "scenario: t\nflow: c\ncontact: {channel: CHAT}\ncases:\n  order:\n    expect:\n"
        "      before: [[greet, greet], [greet, c/greet], [done, greet]]\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    report = run_suite(["."], update=True)
    assert report.errors == 0
    assert [line for c in report.cases for line in c.failures] == [
        "t.scenario.yaml:7:50: expect.before[2]: expected `done` before `greet`; `greet` came "
        "first (step 1, `done` at step 2)"
    ]

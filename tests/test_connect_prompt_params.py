"""Issue 15 point 2: every parameter of Play prompt, Loop prompts and Get customer input.

MessageParticipant `SkipWhenDTMFBufferEnabled`, `TextToSpeechType` and `Media`;
MessageParticipantIteratively `ContinueMessagingDuringInterrupt` and `Media` messages;
GetParticipantInput `TextToSpeechType`.  Each literal action imports into the exact native block
and that block exports the literal action back; where the parameter changes what a contact
hears, a run shows it.  Actions copied from real exports name their source; the others are
written from the flow language reference (no flow-language export in the corpus has them).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from flowrt.core.diagnostics import FlowrtError
from flowrt.lang.compiler import Program
from flowrt.project.driver import load_project
from flowrt.run.trace import Result, fact_text
from tests.test_connect_native_blocks import NAME, _export, _import


def _round_trip(flow_type: str, action: dict[str, Any], block: dict[str, Any]) -> None:
    assert _import(flow_type, copy.deepcopy(action))["blocks"][NAME] == block
    assert _export(flow_type, block) == action


def _program(tmp_path: Path, text: str) -> Program:
    (tmp_path / "instance.yaml").write_text("instance: t\n")
    (tmp_path / "f.flow.yaml").write_text(text)
    prog = load_project(str(tmp_path)).compile()
    assert [d.message for d in prog.diagnostics if d.is_error] == []
    return prog


def _facts(result: Result, block: str) -> list[str]:
    return [
        fact_text(f)
        for _, node, _, fs, _ in result.trace.records
        if node.name == block
        for f in fs or ()
    ]


def _errors(**targets: str) -> dict[str, Any]:
    return {
        "NextAction": targets.get("next", "ok"),
        "Errors": [{"NextAction": "bad", "ErrorType": "NoMatchingError"}],
        "Conditions": [],
    }


# -- MessageParticipant --------------------------------------------------------------------------

MEDIA = {
    "Uri": "https://example-bucket.s3.amazonaws.com/prompts/welcome.wav",
    "SourceType": "S3",
    "MediaType": "Audio",
}

MESSAGE_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "skip-true-text": (
        {
            "Text": "Press 1 for sales",
            "TextToSpeechType": "text",
            "SkipWhenDTMFBufferEnabled": "True",
        },
        {"text": "Press 1 for sales", "speech-type": "text", "skip-when-typed-ahead": True},
    ),
    "skip-false-ssml": (
        {
            "SSML": "<speak>Welcome</speak>",
            "TextToSpeechType": "ssml",
            "SkipWhenDTMFBufferEnabled": "False",
        },
        {"ssml": "<speak>Welcome</speak>", "speech-type": "ssml", "skip-when-typed-ahead": False},
    ),
    "media": (
        {"Media": MEDIA},
        {
            "media": {
                "uri": MEDIA["Uri"],
                "source-type": "S3",
                "media-type": "Audio",
            }
        },
    ),
}


@pytest.mark.parametrize("case", list(MESSAGE_CASES))
def test_message_participant_parameters_round_trip(case: str) -> None:
    params, keys = MESSAGE_CASES[case]
    action = {
        "Identifier": NAME,
        "Type": "MessageParticipant",
        "Parameters": params,
        "Transitions": _errors(),
    }
    block = {"type": "play-prompt", **keys, "next": {"success": "ok", "error": "bad"}}
    _round_trip("contact", action, block)


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"Text": "Hi", "SkipWhenDTMFBufferEnabled": "yes"}, "`SkipWhenDTMFBufferEnabled` 'yes'"),
        ({"Text": "Hi", "TextToSpeechType": "TEXT"}, "`TextToSpeechType` 'TEXT'"),
        ({"Media": {**MEDIA, "SourceType": "HTTP"}}, "parameter `Media`"),
        ({"Media": MEDIA, "Text": "Hi"}, "parameters `Text`, `Media`"),
    ],
)
def test_message_participant_shapes_flowrt_does_not_model_stay_pass_through(
    params: dict[str, Any], why: str
) -> None:
    action = {
        "Identifier": NAME,
        "Type": "MessageParticipant",
        "Parameters": params,
        "Transitions": _errors(),
    }
    block = _import("contact", copy.deepcopy(action))["blocks"][NAME]
    assert block["type"] == "connect-action"
    assert block["parameters"] == params
    assert _export("contact", block) == action
    assert why  # the reason is named by the import warning (tests/test_import_params.py)


SKIP_FLOW = """flow: f
type: contact
start: menu-intro
blocks:
  menu-intro:
    type: play-prompt
    text: Press 1 for sales, 2 for support
    skip-when-typed-ahead: {skip}
    next: menu
  menu:
    type: get-customer-input
    text: Your choice?
    conditions:
      - equals: "1"
        next: bye
    next: {{no-match: bye, timeout: bye, error: bye}}
  bye:
    type: disconnect
"""


@pytest.mark.parametrize(
    ("skip", "world", "intro"),
    [
        # The caller typed ahead (input for `menu` is given): the prompt is skipped.
        ("true", {"input": {"menu": ["1"]}}, ["prompt skipped: the caller typed ahead for `menu`"]),
        # No input: nothing was typed, the prompt plays.
        ("true", {}, ['prompt: "Press 1 for sales, 2 for support"']),
        # Not enabled: the prompt plays even though the caller typed ahead.
        ("false", {"input": {"menu": ["1"]}}, ['prompt: "Press 1 for sales, 2 for support"']),
    ],
)
def test_skip_when_typed_ahead_skips_the_prompt_when_input_is_waiting(
    tmp_path: Path, skip: str, world: dict[str, Any], intro: list[str]
) -> None:
    prog = _program(tmp_path, SKIP_FLOW.format(skip=skip))
    result = prog.run({}, world, flow="f")
    assert _facts(result, "menu-intro") == intro
    assert result.branches()[0] == ("menu-intro", "success")


def test_skip_is_per_visit_input_already_used_plays_the_prompt(tmp_path: Path) -> None:
    text = SKIP_FLOW.format(skip="true").replace(
        "next: bye\n    next: {no", "next: menu-intro\n    next: {no"
    )
    prog = _program(tmp_path, text)
    result = prog.run({}, {"input": {"menu": ["1"]}}, flow="f")
    # Visit 1: skipped (input waiting); visit 2: the only input was used, the prompt plays.
    intro = [
        fact_text(f)
        for _, node, _, fs, _ in result.trace.records
        if node.name == "menu-intro"
        for f in fs or ()
    ]
    assert intro == [
        "prompt skipped: the caller typed ahead for `menu`",
        'prompt: "Press 1 for sales, 2 for support"',
    ]


def test_media_prompt_names_the_file_played(tmp_path: Path) -> None:
    prog = _program(
        tmp_path,
        """flow: f
type: contact
start: greet
blocks:
  greet:
    type: play-prompt
    media:
      uri: https://example-bucket.s3.amazonaws.com/greetings/$.Attributes.lang/welcome.wav
    next: bye
  bye:
    type: disconnect
""",
    )
    result = prog.run({"attributes": {"lang": "fr"}}, {}, flow="f")
    assert _facts(result, "greet") == [
        'media played: "https://example-bucket.s3.amazonaws.com/greetings/fr/welcome.wav"'
    ]


def test_media_and_text_together_is_fr013(tmp_path: Path) -> None:
    (tmp_path / "instance.yaml").write_text("instance: t\n")
    (tmp_path / "f.flow.yaml").write_text(
        "flow: f\ntype: contact\nstart: greet\nblocks:\n  greet:\n    type: play-prompt\n"
        "    text: Hi\n    media:\n      uri: https://b.s3.amazonaws.com/a.wav\n    next: bye\n"
        "  bye:\n    type: disconnect\n"
    )
    with pytest.raises(FlowrtError) as err:
        load_project(str(tmp_path)).compile()
    diags = err.value.diagnostics
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span] == [
        (
            "FR013",
            "block `greet` (play-prompt): give one of `text`, `ssml`, `prompt` or `media`, not text and media",
            9,
            7,
        )
    ]


# -- GetParticipantInput TextToSpeechType ---------------------------------------------------------


def test_get_participant_input_text_to_speech_type_round_trips() -> None:
    action = {
        "Identifier": NAME,
        "Type": "GetParticipantInput",
        "Parameters": {
            "SSML": "<speak>Press 1</speak>",
            "TextToSpeechType": "ssml",
            "InputTimeLimitSeconds": "5",
            "StoreInput": "False",
        },
        "Transitions": {
            "NextAction": "bad",
            "Conditions": [
                {
                    "NextAction": "ok",
                    "Condition": {"Operator": "Equals", "Operands": ["1"]},
                }
            ],
            "Errors": [
                {"NextAction": "bad", "ErrorType": "InputTimeLimitExceeded"},
                {"NextAction": "bad", "ErrorType": "NoMatchingCondition"},
                {"NextAction": "bad", "ErrorType": "NoMatchingError"},
            ],
        },
    }
    block = {
        "type": "get-customer-input",
        "ssml": "<speak>Press 1</speak>",
        "speech-type": "ssml",
        "timeout-seconds": 5,
        "conditions": [{"equals": "1", "next": "ok"}],
        "next": {"timeout": "bad", "no-match": "bad", "error": "bad"},
    }
    _round_trip("contact", action, block)


# -- MessageParticipantIteratively ---------------------------------------------------------------

# amazon-connect/voicemail-express-amazon-connect, CloudFormation/vmx3-contactflows.yaml:
# "Hold prompts with interrupt after 1 min" (its three targets renamed to the test's ends).
REAL_CONTINUE = {
    "Parameters": {
        "Messages": [
            {
                "Text": "Thank you for calling. Your call is very important to us and will be "
                "answered in the order it was received."
            }
        ],
        "InterruptFrequencySeconds": "30",
        "ContinueMessagingDuringInterrupt": "true",
    },
    "Identifier": NAME,
    "Type": "MessageParticipantIteratively",
    "Transitions": {
        "NextAction": "bad",
        "Conditions": [
            {
                "NextAction": "ok",
                "Condition": {"Operator": "Equals", "Operands": ["MessagesInterrupted"]},
            }
        ],
        "Errors": [{"NextAction": "bad", "ErrorType": "NoMatchingError"}],
    },
}

# aws-samples/amazon-connect-live-agent-translation, cloudformation/mlcc.template.json:
# mlccagentholdflow's only action (the bucket URL, a CloudFormation Fn::GetAtt, written out).
REAL_MEDIA_LOOP = {
    "Parameters": {
        "Messages": [
            {
                "Media": {
                    "Uri": "https://d111111abcdef8.cloudfront.net/customerprompts/"
                    "$.Attributes.ContactId$.Attributes.wav",
                    "SourceType": "S3",
                    "MediaType": "Audio",
                }
            },
            {"SSML": '<speak>\n<break time="3s"/>\n</speak>'},
        ]
    },
    "Identifier": NAME,
    "Type": "MessageParticipantIteratively",
    "Transitions": {},
}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal actions, `Transitions` lists compared as sets (Connect does not order them)."""
    from flowrt.connect.actions import same_action

    return same_action(a, b)


def test_real_continue_messaging_during_interrupt_round_trips() -> None:
    block = {
        "type": "loop-prompts",
        "prompts": [{"text": REAL_CONTINUE["Parameters"]["Messages"][0]["Text"]}],
        "interrupt-seconds": 30,
        "continue-during-interrupt": True,
        "next": {"timeout": "ok", "error": "bad"},
    }
    assert _import("customer-queue", copy.deepcopy(REAL_CONTINUE))["blocks"][NAME] == block
    exported = _export("customer-queue", block)
    assert exported["Parameters"] == REAL_CONTINUE["Parameters"]
    assert _same(exported, REAL_CONTINUE)


def test_real_media_message_in_a_loop_round_trips() -> None:
    flow = _import("customer-hold", copy.deepcopy(REAL_MEDIA_LOOP))
    block = flow["blocks"][NAME]
    assert block == {
        "type": "loop-prompts",
        "prompts": [
            {
                "media": {
                    "uri": "https://d111111abcdef8.cloudfront.net/customerprompts/"
                    "$.Attributes.ContactId$.Attributes.wav",
                    "source-type": "S3",
                    "media-type": "Audio",
                }
            },
            {"ssml": '<speak>\n<break time="3s"/>\n</speak>'},
        ],
    }
    assert _export("customer-hold", block)["Parameters"] == REAL_MEDIA_LOOP["Parameters"]


LOOP_FLOW = """flow: f
type: customer-queue
start: hold
blocks:
  hold:
    type: loop-prompts
    prompts:
      - media:
          uri: https://example-bucket.s3.amazonaws.com/hold/$.Attributes.tier/music.wav
    interrupt-seconds: 30
    continue-during-interrupt: {keep}
    next: {{timeout: done, error: done}}
  done:
    type: end-flow
"""


@pytest.mark.parametrize(
    ("keep", "note"),
    [("true", ["the prompts keep playing during the interrupt"]), ("false", [])],
)
def test_continue_during_interrupt_is_said_at_the_interrupt(
    tmp_path: Path, keep: str, note: list[str]
) -> None:
    prog = _program(tmp_path, LOOP_FLOW.format(keep=keep))
    result = prog.run({"attributes": {"tier": "gold"}}, {}, flow="f")
    facts = _facts(result, "hold")
    assert facts[0] == 'media played: "https://example-bucket.s3.amazonaws.com/hold/gold/music.wav"'
    assert [f for f in facts if "keep playing" in f] == note
    assert result.branches()[0] == ("hold", "timeout")


@pytest.mark.parametrize(
    ("block", "keys"),
    [
        ("type: play-prompt", "`text`, `ssml`, `prompt` or `media`"),
        ("type: get-customer-input", "`text`, `ssml` or `prompt`"),
    ],
)
def test_a_prompt_without_a_source_names_the_keys_its_block_has(
    tmp_path: Path, block: str, keys: str
) -> None:
    from flowrt.project.driver import check_paths

    (tmp_path / "instance.yaml").write_text("instance: t\n", encoding="utf-8")
    (tmp_path / "f.flow.yaml").write_text(
        f"flow: f\nstart: a\nblocks:\n  a:\n    {block}\n    next: b\n  b:\n    type: end-flow\n",
        encoding="utf-8",
    )
    diags, _ = check_paths([str(tmp_path)])
    assert [(d.code, d.message) for d in diags if d.code == "FR012"] == [
        ("FR012", f"block `a` ({block.split(': ')[1]}): needs one of {keys}")
    ]

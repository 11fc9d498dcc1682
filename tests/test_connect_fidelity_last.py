"""Issue 15, the last of it: legacy diagnostics at their place, text-to-speech type kept, and the
last pass-throughs of the real corpus made native (or refused with a precise reason).

- FR403, FR440 and FR430 on a legacy console export are at the module's `"id"` or at the
  parameter's `"name"` (or the branch's `"condition"`) in the file, not at line 1 column 1;
- a legacy PlayPrompt's `TextToSpeechType` becomes MessageParticipant's, and `speech-type:`;
- a hook naming a flow outside the project (FR445), a module outside the project, a flow ARN
  of the real form and an attribute name with spaces are native; a queue transfer in a module
  stays refused with a reason that says where Amazon Connect allows it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.connect.importer import import_paths
from flowrt.core.diagnostics import Diagnostic
from flowrt.lang.blocks.base import external_flow, external_module
from flowrt.lang.refs import parse_reference
from flowrt.project.driver import check_paths, load_project
from flowrt.run.trace import Result, fact_text

DATA = Path(__file__).parent / "data" / "connect-flows"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "connect-flows"
VM_GREETING = DATA / "voicemail-for-amazon-connect" / "VM-Greeting-DID.json"
BASIC_CHAT = DATA / "amazon-connect-chat-ui-examples" / "Basic_Chat.json"


def _where(diags: list[Diagnostic], code: str) -> list[tuple[int, int]]:
    return [(d.span.line, d.span.column) for d in diags if d.code == code and d.span]


def _facts(result: Result, block: str) -> list[str]:
    return [
        fact_text(f)
        for _, node, _, fs, _ in result.trace.records
        if node.name == block
        for f in fs or ()
    ]


def _import_one(tmp_path: Path, name: str, text: str) -> tuple[list[Diagnostic], dict[str, Any]]:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    diags, _, imported = import_paths([str(src)], str(tmp_path / "out"))
    return diags, imported[0].flow


# -- 1. legacy positions ------------------------------------------------------------------------


def test_fr403_on_a_real_legacy_file_is_at_the_parameter(tmp_path: Path) -> None:
    """VM-Greeting-DID.json (one line) with its SetLoggingBehavior's parameter renamed: FR403 at
    the renamed parameter's `"name"`, column 190 of line 1."""
    text = VM_GREETING.read_text(encoding="utf-8")
    assert text.index('"name":"LoggingBehavior"') == 189
    broken = text.replace('"name":"LoggingBehavior"', '"name":"LogLevel"')
    diags, flow = _import_one(tmp_path, "vm.json", broken)
    fr403 = [d for d in diags if d.code == "FR403"]
    assert [(d.span.line, d.span.column) for d in fr403 if d.span] == [(1, 190)]
    assert fr403[0].message == (
        "legacy module `SetLoggingBehavior` (b5bc6e4a-a590-4481-bb92-f485d14f6e28): "
        "SetLoggingBehavior with parameter `LogLevel`; kept as a pass-through that export refuses"
    )


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared corpus is not beside the repository")
def test_fr440_on_a_real_legacy_file_is_at_the_parameter(tmp_path: Path) -> None:
    """ivr-feedback-flow.json (pretty-printed): its two Lambda modules whose function the
    sample's author removed are FR440 at their `"name": "FunctionArn"`."""
    src = (
        SHARED
        / "more"
        / "aws-samples__amazon-connect-collect-feedback-via-phone-ivr__contactflow__ivr-feedback-flow.json"
    )
    diags, _, _ = import_paths([str(src)], str(tmp_path / "out"))
    assert _where(diags, "FR440") == [(262, 11), (377, 11)]
    assert {d.code for d in diags} == {"FR440"}


LEGACY = {
    "modules": [
        {
            "id": "voice",
            "type": "SetVoice",
            "branches": [
                {"condition": "Success", "transition": "dial"},
                {"condition": "Timeout", "transition": "dial"},
            ],
            "parameters": [{"name": "GlobalVoice", "value": "Joanna"}],
        },
        {
            "id": "dial",
            "type": "Transfer",
            "target": "PhoneNumber",
            "branches": [{"condition": "Error", "transition": "bye"}],
            "parameters": [{"name": "PhoneNumber", "value": "+1 phone"}],
        },
        {"id": "bye", "type": "Teleport", "branches": [], "parameters": []},
    ],
    "version": "1",
    "type": "contactFlow",
    "start": "voice",
}


def test_legacy_findings_are_at_their_line_and_column(tmp_path: Path) -> None:
    """Pretty-printed (indent 2): a branch no rule covers is at its `"condition"`, an unknown
    module type at the module's `"id"`, an action kept as a connect-action (FR430) at the
    module's `"id"` too."""
    diags, flow = _import_one(tmp_path, "old.json", json.dumps(LEGACY, indent=2))
    found = [(d.code, d.span.line, d.span.column) for d in diags if d.span]
    assert found == [("FR403", 12, 11), ("FR403", 41, 7), ("FR430", 24, 7)]
    text = (tmp_path / "old.json").read_text(encoding="utf-8").splitlines()
    assert text[11] == '          "condition": "Timeout",'
    assert text[40] == '      "id": "bye",'
    assert text[23] == '      "id": "dial",'
    assert diags[2].message.startswith(
        "TransferParticipantToThirdParty 'dial': transfer-to-phone-number refuses `phone-number`"
    )
    assert flow["blocks"]["dial"]["type"] == "connect-action"


# -- 2. text-to-speech type ---------------------------------------------------------------------


def _prompt_flow(kind: str, text: str) -> str:
    module = {
        "id": "say",
        "type": "PlayPrompt",
        "branches": [{"condition": "Success", "transition": "bye"}],
        "parameters": [
            {"name": "Text", "value": text, "namespace": None},
            {"name": "TextToSpeechType", "value": kind},
        ],
    }
    bye = {"id": "bye", "type": "Disconnect", "branches": [], "parameters": []}
    return json.dumps({"modules": [module, bye], "version": "1", "start": "say"})


@pytest.mark.parametrize(
    ("kind", "text", "key"),
    [("ssml", "<speak>Hi</speak>", "ssml"), ("text", "Hi", "text")],
)
def test_a_legacy_prompt_keeps_its_speech_type(
    tmp_path: Path, kind: str, text: str, key: str
) -> None:
    """Legacy -> play-prompt with `speech-type` -> MessageParticipant with `TextToSpeechType`
    -> the same play-prompt again."""
    src = tmp_path / "old.json"
    src.write_text(_prompt_flow(kind, text), encoding="utf-8")
    out = tmp_path / "flows"
    assert main(["import", str(src), "-o", str(out)]) == 0
    _, _, imported = import_paths([str(src)], str(tmp_path / "again"))
    assert imported[0].flow["blocks"]["say"] == {
        "type": "play-prompt",
        key: text,
        "speech-type": kind,
        "next": "bye",
    }
    assert main(["export", str(out), "-o", str(tmp_path / "json")]) == 0
    exported = json.loads((tmp_path / "json" / "old.json").read_text(encoding="utf-8"))
    say = next(a for a in exported["Actions"] if a["Identifier"] == "say")
    assert say["Type"] == "MessageParticipant"
    assert say["Parameters"] == {
        key.upper() if key == "ssml" else "Text": text,
        "TextToSpeechType": kind,
    }
    # Modern JSON -> the same block: the round trip is exact.
    _, _, back = import_paths([str(tmp_path / "json" / "old.json")], str(tmp_path / "back"))
    assert back[0].flow["blocks"]["say"]["speech-type"] == kind
    assert back[0].passthrough == 0


def test_the_real_chat_flow_keeps_its_speech_type(tmp_path: Path) -> None:
    _, _, imported = import_paths([str(BASIC_CHAT)], str(tmp_path / "out"))
    prompts = [b for b in imported[0].flow["blocks"].values() if b["type"] == "play-prompt"]
    assert [(p["text"], p.get("speech-type")) for p in prompts] == [
        ("Hi you are being put into queue", "text")
    ]


def test_send_message_has_no_speech_type(tmp_path: Path) -> None:
    """MessageParticipant's page lists no TextToSpeechType, and send-message is text for chat,
    SMS and email, where nothing is spoken: the key is refused (FR010), not ignored."""
    (tmp_path / "chat.flow.yaml").write_text(
        "flow: chat\nstart: hi\nblocks:\n  hi:\n    type: send-message\n    text: Hello\n"
        "    speech-type: ssml\n    next: bye\n  bye: {type: disconnect}\n",
        encoding="utf-8",
    )
    diags, _ = check_paths([str(tmp_path)])
    errors = [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.is_error]
    assert errors == [("FR010", "block `hi` (send-message): unknown key `speech-type`", 7, 5)]


# -- 3. the last pass-throughs ------------------------------------------------------------------


def test_a_hook_naming_a_flow_outside_the_project_is_native(tmp_path: Path) -> None:
    """VM-Greeting-DID.json's Set customer queue flow names `VM-Agent` (the name its author
    chose from the list): a native set-event-hook that exports back exactly."""
    diags, _, imported = import_paths([str(VM_GREETING)], str(tmp_path / "out"))
    assert [d.code for d in diags] == []
    hook = imported[0].flow["blocks"]["update-contact-event-hooks"]
    assert hook == {
        "type": "set-event-hook",
        "id": "4a9e6603-dde2-4395-8d4e-4be57d7f7312",
        "customer-queue": "VM-Agent",
        "next": "check-agents-available",
    }
    assert imported[0].passthrough == 0
    found, _ = check_paths([str(tmp_path / "out")])
    fr445 = [d for d in found if d.code == "FR445"]
    assert [(d.message, d.span.line, d.span.column) for d in fr445 if d.span] == [
        (
            "block `update-contact-event-hooks` (set-event-hook): flow `VM-Agent` is not a flow of the "
            "project: kept as the name of a flow of the Amazon Connect instance; a dry run "
            "cannot run it",
            14,  # `    customer-queue: VM-Agent`, at the name
            21,
        )
    ]
    assert not [d for d in found if d.is_error]
    assert main(["export", str(tmp_path / "out"), "-o", str(tmp_path / "json")]) == 0
    exported = json.loads((tmp_path / "json" / "vm-greeting-did.json").read_text())
    action = next(a for a in exported["Actions"] if a["Type"] == "UpdateContactEventHooks")
    assert action["Parameters"] == {"EventHooks": {"CustomerQueue": "VM-Agent"}}


HOOKS = """
flow: main
start: hook
blocks:
  hook:
    type: set-event-hook
    customer-queue: {flow}
    next: {{success: bye, error: bye}}
  bye: {{type: disconnect}}
"""
QUEUE_FLOW = "flow: queue-music\ntype: customer-queue\nstart: e\nblocks:\n  e: {type: end-flow}\n"


@pytest.mark.parametrize(
    ("flow", "warning"),
    [
        ("queue-musik", "flow `queue-musik` is not a flow of the project (did you mean "),
        ("queue-music", None),
        ("arn:aws:connect:us-east-1:1:instance/i/contact-flow/f", None),
        ("${var.queue_flow}", None),
        ("$.Attributes.queueFlow", None),
    ],
)
def test_fr445_only_for_a_name_outside_the_project(
    tmp_path: Path, flow: str, warning: str | None
) -> None:
    (tmp_path / "main.flow.yaml").write_text(HOOKS.format(flow=flow), encoding="utf-8")
    (tmp_path / "queue-music.flow.yaml").write_text(QUEUE_FLOW, encoding="utf-8")
    diags, _ = check_paths([str(tmp_path)])
    found = [d for d in diags if d.code == "FR445"]
    if warning is None:
        assert found == []
        return
    assert len(found) == 1 and found[0].span is not None
    assert found[0].message.startswith(f"block `hook` (set-event-hook): {warning}")
    assert "`queue-music`" in found[0].message
    assert (found[0].span.line, found[0].span.column) == (7, 21)


def test_the_run_notes_a_hook_flow_it_cannot_run(tmp_path: Path) -> None:
    (tmp_path / "main.flow.yaml").write_text(HOOKS.format(flow="VM-Agent"), encoding="utf-8")
    prog = load_project(str(tmp_path)).compile()
    result = prog.run({}, {}, flow="main")
    assert result.outcome.kind == "disconnected"
    assert _facts(result, "hook") == [
        "event hook: CustomerQueue -> VM-Agent",
        "`VM-Agent` is a flow of the Amazon Connect instance, not of the project: a dry run "
        "cannot run it when the event happens",
    ]


MODULE_ID = "1bc263e9-09cf-432c-971c-32da62c784af"
INVOKE = f"""
flow: main
start: survey
blocks:
  survey:
    type: invoke-module
    module: {MODULE_ID}
    next: {{success: thanks, error: sorry}}
  thanks: {{type: disconnect}}
  sorry: {{type: disconnect}}
"""


def test_a_module_outside_the_project_takes_success_with_a_note(tmp_path: Path) -> None:
    """contact-surveys' disconnect flow invokes a module by its ID: valid, and the run says it
    cannot run the module's blocks and takes success; `errors:` drives error."""
    (tmp_path / "main.flow.yaml").write_text(INVOKE, encoding="utf-8")
    prog = load_project(str(tmp_path)).compile()
    assert [d.code for d in prog.diagnostics if d.is_error] == []
    result = prog.run({}, {}, flow="main")
    assert [r[1].name for r in result.trace.records] == ["survey", "thanks"]
    assert _facts(result, "survey") == [
        f"module `{MODULE_ID}` is in the Amazon Connect instance, not in the project: a dry run "
        "cannot run its blocks; it takes `success`, as a module that ends does (list this "
        "block in the world's `errors` for `error`)"
    ]
    failed = prog.run({}, {"errors": ["survey"]}, flow="main")
    assert [r[1].name for r in failed.trace.records] == ["survey", "sorry"]


def test_a_module_name_outside_the_project_is_still_fr023(tmp_path: Path) -> None:
    (tmp_path / "main.flow.yaml").write_text(INVOKE.replace(MODULE_ID, "surveyy"), encoding="utf-8")
    diags, _ = check_paths([str(tmp_path)])
    assert [(d.code, d.message) for d in diags if d.is_error] == [
        ("FR023", "block `survey` (invoke-module): unknown flow `surveyy`")
    ]


def test_real_arns_and_module_ids_are_outside_the_project() -> None:
    real = (
        "arn:aws:connect:us-west-2:246268452856:instance/70ee8936-d46e-40ff-96aa-5bf8a6c7f47e/"
        "contact-flow/704324e6-b270-4d4c-a7d3-c3f975843c63"
    )
    assert external_flow(real) is True
    assert external_flow("arn:aws:connect:us-west-2:1:instance/i/queue/q") is False
    assert external_module(MODULE_ID) is True
    assert external_module(real.replace("contact-flow", "flow-module")) is True
    assert external_module("survey") is False


def test_amazon_connects_bracket_form_is_a_reference() -> None:
    """ "How to reference contact attributes": `$.Attributes.['user attribute name']`."""
    ref = parse_reference("$.Attributes.['CHANGE TO MAKE PAYMENT FLOW']")
    assert ref.path == ("Attributes", "CHANGE TO MAKE PAYMENT FLOW")


def test_a_legacy_flow_named_by_an_attribute_with_spaces_is_native(tmp_path: Path) -> None:
    """snippets/001_Context_Tracking_-_Main transfers to the flow in the User Defined attribute
    `CHANGE TO MAKE PAYMENT FLOW` (its author's placeholder): Amazon Connect finds no such
    attribute and takes Error; so does the dry run."""
    module = {
        "id": "pay",
        "type": "Transfer",
        "target": "Flow",
        "branches": [{"condition": "Error", "transition": "bye"}],
        "parameters": [
            {
                "name": "ContactFlowId",
                "namespace": "User Defined",
                "value": "CHANGE TO MAKE PAYMENT FLOW",
            }
        ],
    }
    bye = {"id": "bye", "type": "Disconnect", "branches": [], "parameters": []}
    text = json.dumps({"modules": [module, bye], "version": "1", "start": "pay"})
    diags, flow = _import_one(tmp_path, "old.json", text)
    assert [d.code for d in diags] == []
    assert flow["blocks"]["pay"] == {
        "type": "transfer-to-flow",
        "flow": "$.Attributes.['CHANGE TO MAKE PAYMENT FLOW']",
        "next": "bye",
    }
    prog = load_project(str(tmp_path / "out")).compile()
    result = prog.run({}, {}, flow="old")
    assert [r[1].name for r in result.trace.records] == ["pay", "bye"]
    assert result.outcome.kind == "disconnected"


def test_a_queue_transfer_in_a_module_stays_refused_with_the_reason(tmp_path: Path) -> None:
    content = {
        "Version": "2019-10-30",
        "StartAction": "q",
        "Actions": [
            {
                "Identifier": "q",
                "Type": "TransferContactToQueue",
                "Parameters": {},
                "Transitions": {
                    "NextAction": "e",
                    "Errors": [
                        {"NextAction": "e", "ErrorType": "QueueAtCapacity"},
                        {"NextAction": "e", "ErrorType": "NoMatchingError"},
                    ],
                },
            },
            {"Identifier": "e", "Type": "EndFlowModuleExecution", "Parameters": {}},
        ],
    }
    wrapper = {"Name": "queue-module", "Type": "MODULE", "Content": json.dumps(content)}
    diags, flow = _import_one(tmp_path, "mod.json", json.dumps(wrapper))
    assert [d.message for d in diags if d.code == "FR430"] == [
        "TransferContactToQueue 'q': the block would not validate in the flow (FR033 "
        "transfer-to-queue is not allowed in a module flow; transfer-to-queue is allowed in: "
        "agent-transfer, contact, customer-queue, queue-transfer, as the Restrictions of its "
        "action's page in Amazon Connect's \"Flow language actions\" say); kept as a "
        "connect-action, whose dry run only follows its first transition"
    ]
    assert flow["blocks"]["q"]["type"] == "connect-action"


# -- 4. the checks on the real corpus ---------------------------------------------------


def _native(root: Path) -> tuple[int, int, list[Diagnostic]]:
    """(native actions, all actions, FR430 warnings) of every file under `root`, imported as
    `flowrt import` imports it (bench/bench_corpus.py prints the same per file)."""
    from flowrt.connect.importer import import_source
    from flowrt.connect.templates import read_sources

    native = total = 0
    warnings: list[Diagnostic] = []
    files = (p for p in root.rglob("*") if p.is_file() and p.suffix != ".md")
    for f in sorted(p for p in files if not p.name.startswith(".")):
        sources, diags = read_sources(f)
        assert sources, [d.message for d in diags]
        for src in sources:
            imp = import_source(src)
            total += len(imp.flow["blocks"])
            native += imp.native
            warnings += [d for d in imp.diagnostics if d.code == "FR430"]
    return native, total, warnings


def test_every_vendored_action_is_native() -> None:
    assert _native(DATA)[:2] == (114, 114)


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared corpus is not beside the repository")
def test_the_shared_corpus_is_native_and_says_what_is_not() -> None:
    """At least 98% of the actions native (the issue's bar; 1,141 of 1,141 when this was
    written), and each action that is not has an FR430 placed at it (no silent demotion)."""
    native, total, warnings = _native(SHARED)
    assert native / total >= 0.98, (native, total)
    assert len(warnings) == total - native
    assert [d for d in warnings if d.span is None or (d.span.line, d.span.column) == (1, 1)] == []


REFERENCE = SHARED.parent / "reference" / "connect-flow-language"


def _table_types() -> set[str]:
    """The Connect Types of docs/connect.md's mapping table (its first column)."""
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "connect.md").read_text(encoding="utf-8")
    table = doc.split("## The mapping", 1)[1].split("Condition operators:", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| `")]
    # Every row says what its dry run does (the flowrt-only row has no Connect Type).
    assert [r.split("|")[1] for r in rows if "Dry run" not in r] == []
    return set(re.findall(r"^\| `([A-Za-z]+)`", table, re.M))


def _action_types(root: Path) -> set[str]:
    from flowrt.connect.legacy import convert_legacy
    from flowrt.connect.templates import read_sources

    found: set[str] = set()
    files = (p for p in root.rglob("*") if p.is_file() and p.suffix != ".md")
    for f in sorted(p for p in files if not p.name.startswith(".")):
        for src in read_sources(f)[0]:
            content = convert_legacy(src.content, src.file, "")[0] if src.legacy else src.content
            found |= {str(a.get("Type")) for a in content.get("Actions", [])}
    return found


def test_docs_list_every_action_type_of_the_vendored_flows() -> None:
    assert sorted(_action_types(DATA) - _table_types()) == []


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the flow language reference is not beside")
def test_docs_list_every_action_type_of_the_corpus_and_the_reference() -> None:
    pages = sorted(REFERENCE.glob("*-actions-*.md")) + sorted(REFERENCE.glob("interactions-*.md"))
    documented = {p.read_text(encoding="utf-8").split("<", 1)[0].strip("# \n") for p in pages}
    documented.discard("Parameter restrictions for actions in the Amazon Connect Flow language")
    assert len(documented) == 37
    missing = (documented | _action_types(SHARED)) - _table_types()
    assert sorted(missing) == []

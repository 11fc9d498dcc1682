"""Flow types from wrapper and content (never the file name), dangling transitions (FR441),
CloudFormation and Terraform files (several flows each, FR443), the export --wrap round trip,
and the transfer-to-flow target type check (FR444)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.connect.export import export_paths
from flowrt.connect.files import parse_source
from flowrt.connect.flowtypes import content_types
from flowrt.connect.hcl import HclError, parse
from flowrt.connect.importer import import_paths, import_source
from flowrt.connect.templates import read_sources
from flowrt.project.driver import check_paths, load_project
from tests.test_connect import CORPUS, _compare_flows, needs_corpus


def _content(actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Version": "2019-10-30",
        "StartAction": actions[0]["Identifier"],
        "Metadata": {"entryPointPosition": {"x": 1, "y": 2}, "ActionMetadata": {}},
        "Actions": actions,
    }


def _say(ident: str, nxt: str) -> dict[str, Any]:
    return {
        "Identifier": ident,
        "Type": "MessageParticipant",
        "Parameters": {"Text": "Hello"},
        "Transitions": {"NextAction": nxt},
    }


_BYE = {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
_END = {"Identifier": "end", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}
_LOOP = {
    "Identifier": "music",
    "Type": "MessageParticipantIteratively",
    "Parameters": {"Messages": [{"Text": "Please hold"}]},
    "Transitions": {},
}


def _flow_type(
    content: dict[str, Any], stem: str = "t", wrapper: Any = None
) -> tuple[str, list[str]]:
    text = json.dumps({**wrapper, "Content": json.dumps(content)} if wrapper else content)
    src, diags = parse_source(text, f"{stem}.json", stem)
    assert src is not None, [d.message for d in diags]
    imp = import_source(src)
    return imp.flow["type"], [f"{d.code} {d.message}" for d in imp.diagnostics]


# ---------------------------------------------------------------------------------------------
# flow types


def test_the_file_name_says_nothing_about_the_flow_type() -> None:
    """A file named like a customer queue flow, whose actions are a contact flow's: contact,
    with the note saying the type was not stated and which types its actions allow."""
    content = _content([_say("hi", "bye"), _BYE])
    assert _flow_type(content, "my-customer-queue-flow") == (
        "contact",
        [
            "FR442 the file does not state the flow type and its actions are allowed in "
            "`contact`, `agent-whisper`, `customer-whisper`, `outbound-whisper`, "
            "`customer-queue`, `agent-transfer`, `queue-transfer` flows; imported as `contact`"
        ],
    )


@pytest.mark.parametrize(
    ("wrapper", "expected"),
    [
        ({"Name": "w", "Type": "AGENT_WHISPER"}, "agent-whisper"),
        ({"Name": "w", "ContactFlowType": "OUTBOUND_WHISPER"}, "outbound-whisper"),
        ({"ContactFlow": {"Name": "w", "Type": "CUSTOMER_HOLD"}}, "customer-hold"),
    ],
)
def test_the_wrapper_states_the_type(wrapper: dict[str, Any], expected: str) -> None:
    content = _content([_say("hi", "end"), _END])
    if "ContactFlow" in wrapper:
        text = json.dumps(
            {"ContactFlow": {**wrapper["ContactFlow"], "Content": json.dumps(content)}}
        )
        src, _ = parse_source(text, "w.json", "w")
        assert src is not None
        imp = import_source(src)
        assert (imp.flow["type"], imp.diagnostics) == ("customer-hold", [])
        return
    assert _flow_type(content, "w", wrapper) == (expected, [])


@pytest.mark.parametrize(
    ("actions", "types"),
    [
        ([{"Type": "EndFlowModuleExecution"}], ["module"]),
        ([{"Type": "DequeueContactAndTransferToQueue"}], ["customer-queue"]),
        ([{"Type": "TransferContactToAgent"}], ["agent-transfer", "queue-transfer"]),
        ([{"Type": "UpdateContactRoutingBehavior"}], ["contact"]),
        (
            [{"Type": "MessageParticipant"}, {"Type": "EndFlowExecution"}],
            ["agent-whisper", "customer-whisper", "outbound-whisper", "customer-queue"],
        ),
        (
            [{"Type": "EndFlowExecution"}, {"Type": "UpdateContactRecordingBehavior"}],
            ["outbound-whisper", "customer-queue"],
        ),
        (
            [{"Type": "MessageParticipantIteratively"}],
            ["customer-hold", "agent-hold", "customer-queue"],
        ),
        ([{"Type": "GetParticipantInput"}, {"Type": "EndFlowExecution"}], ["customer-queue"]),
        ([{"Type": "TransferToFlow"}, {"Type": "EndFlowExecution"}], []),
    ],
)
def test_content_types_follow_the_restrictions(
    actions: list[dict[str, Any]], types: list[str]
) -> None:
    assert content_types(actions) == types


def test_a_flow_no_type_allows_is_a_contact_flow_with_a_note() -> None:
    transfer = {
        "Identifier": "go",
        "Type": "TransferToFlow",
        "Parameters": {"ContactFlowId": "arn:x"},
        "Transitions": {
            "NextAction": "end",
            "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}],
        },
    }
    assert _flow_type(_content([transfer, _END])) == (
        "contact",
        [
            "FR442 the file does not state the flow type and no single flow type allows all of "
            "its actions; imported as `contact`",
            # `arn:x` is no flow ARN, so the block stays a pass-through, and import says so.
            "FR430 TransferToFlow 'go': the block would not validate in the flow (FR023 unknown "
            "flow `arn:x`); kept as a connect-action, whose dry run only follows its first "
            "transition",
        ],
    )


@needs_corpus
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "more/aws-samples__amazon-connect-rules-engine__connect__contactflows__RulesEngineCustomerHold.json",
            "customer-hold",
        ),
        (
            "more/aws-samples__amazon-connect-rules-engine__connect__contactflows__RulesEngineCustomerQueue.json",
            "customer-queue",
        ),
        (
            "more/aws-samples__amazon-connect-rules-engine__connect__contactflows__RulesEngineOutboundWhisper.json",
            "outbound-whisper",
        ),
        ("gitlab-cicd-terraform/messageParticipantIteratively_holds.json", "customer-hold"),
        (
            "more/aws-samples__amazon-connect-rules-engine__connect__contactflows__RulesEngineAgentWhisper.json",
            "agent-whisper",
        ),
        ("goodmeasures/default_agent_transfer.json", "agent-transfer"),
    ],
)
def test_real_whisper_hold_and_queue_flows_get_their_type(
    name: str, expected: str, tmp_path: Path
) -> None:
    """Files that were imported as contact flows (or the wrong whisper) from their names."""
    diags, _, imported = import_paths([str(CORPUS / name)], str(tmp_path))
    assert [d for d in diags if d.is_error] == []
    assert imported[0].flow["type"] == expected


# ---------------------------------------------------------------------------------------------
# dangling transitions


def test_a_dangling_transition_is_an_error_at_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        '{\n  "Version": "2019-10-30",\n  "StartAction": "hi",\n  "Metadata": {},\n  "Actions": [\n'
        '    {"Identifier": "hi", "Type": "MessageParticipant", "Parameters": {"Text": "x"},\n'
        '     "Transitions": {"NextAction": "bye",\n'
        '       "Errors": [{"NextAction": "gone", "ErrorType": "NoMatchingError"}]}},\n'
        '    {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}\n'
        "  ]\n}\n"
    )
    f = tmp_path / "flow.json"
    f.write_text(text, encoding="utf-8")
    assert main(["import", str(f), "-o", str(tmp_path / "out"), "--color", "never"]) == 1
    diags, written, _ = import_paths([str(f)], str(tmp_path / "out2"))
    assert written == []
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span] == [
        (
            "FR441",
            "action `hi`: the `NoMatchingError` error's NextAction goes to `gone`, which is no "
            "action's Identifier",
            8,
            34,
        )
    ]
    assert diags[0].hint == "point it at an existing one (bye, hi) or remove the transition"


def test_a_dangling_transition_inside_a_content_string_is_placed_in_the_file() -> None:
    content = _content([_say("hi", "nowhere")])
    text = json.dumps({"Name": "n", "Type": "CONTACT_FLOW", "Content": json.dumps(content)})
    src, diags = parse_source(text, "w.json", "w")
    assert src is None
    col = text.index('\\"nowhere') + 1
    assert [(d.code, d.span.line, d.span.column) for d in diags if d.span] == [("FR441", 1, col)]
    assert (
        diags[0].message
        == "action `hi`: NextAction goes to `nowhere`, which is no action's Identifier"
    )


def test_a_dangling_legacy_branch_is_an_error() -> None:
    legacy = {
        "modules": [
            {
                "id": "m",
                "type": "Disconnect",
                "parameters": [],
                "branches": [{"condition": "Success", "transition": "lost"}],
            }
        ],
        "start": "m",
    }
    src, diags = parse_source(json.dumps(legacy), "old.json", "old")
    assert src is None
    assert [(d.code, d.message) for d in diags] == [
        ("FR441", "module `m`: the `Success` branch goes to `lost`, which is no module's id")
    ]


# ---------------------------------------------------------------------------------------------
# CloudFormation and Terraform


_MAIN = _content([_say("hi", "bye"), _BYE])
_MAIN["Actions"][0]["Parameters"]["Text"] = "Queue ${QueueName} at ${AWS::Region}"
_MODULE = _content(
    [{"Identifier": "done", "Type": "EndFlowModuleExecution", "Parameters": {}, "Transitions": {}}]
)
_QUEUE = _content([_LOOP])


def _indented(data: dict[str, Any], pad: int) -> str:
    return "\n".join(" " * pad + line for line in json.dumps(data, indent=2).splitlines())


def test_a_cloudformation_yaml_template_gives_one_file_per_flow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n  QueueName: {Type: String}\n"
        "Resources:\n"
        "  Bucket:\n    Type: AWS::S3::Bucket\n"
        "  MainFlow:\n    Type: AWS::Connect::ContactFlow\n    Properties:\n"
        "      InstanceArn: !Ref Instance\n      Name: Main flow\n      Type: CONTACT_FLOW\n"
        "      Description: The main one\n"
        "      Content: !Sub |\n" + _indented(_MAIN, 8) + "\n"
        "  Hold:\n    Type: AWS::Connect::ContactFlow\n    Properties:\n"
        "      Name: !Join ['', [Hold-, !Ref Env]]\n      Type: CUSTOMER_QUEUE\n"
        "      Content: !Sub\n        - '"
        + json.dumps(_QUEUE)
        + "'\n        - {X: !GetAtt A.Arn}\n"
        "  Mod:\n    Type: AWS::Connect::ContactFlowModule\n    Properties:\n"
        "      Name: Helper\n      Content: '" + json.dumps(_MODULE) + "'\n"
    )
    f = tmp_path / "stack.yaml"
    f.write_text(template, encoding="utf-8")
    out = tmp_path / "flows"
    assert main(["import", str(f), "-o", str(out)]) == 0
    # a template holds several flows: each line names its flow, or they could not be told apart
    got = [line for line in capsys.readouterr().out.splitlines() if "native" in line]
    assert got == [
        f"{f} (flow Main flow): 2 of 2 action(s) native, 0 kept as connect-action",
        f"{f} (flow Hold): 1 of 1 action(s) native, 0 kept as connect-action",
        f"{f} (flow Helper): 1 of 1 action(s) native, 0 kept as connect-action",
    ]
    assert sorted(p.name for p in out.glob("*.flow.yaml")) == [
        "helper.flow.yaml",
        "hold.flow.yaml",
        "main-flow.flow.yaml",
    ]
    sources, diags = read_sources(f)
    assert diags == []
    assert [(s.stem, s.wrapper) for s in sources] == [
        ("Main flow", {"Name": "Main flow", "Type": "CONTACT_FLOW", "Description": "The main one"}),
        ("Hold", {"Name": "Hold-${Env}", "Type": "CUSTOMER_QUEUE"}),
        ("Helper", {"Name": "Helper", "Type": "CONTACT_FLOW_MODULE"}),
    ]
    assert (
        sources[0].content["Actions"][0]["Parameters"]["Text"]
        == "Queue ${QueueName} at ${AWS::Region}"
    )
    types = {
        p.name: p.read_text(encoding="utf-8").split("\ntype: ")[1].split("\n")[0]
        for p in out.glob("*.flow.yaml")
    }
    assert types == {
        "hold.flow.yaml": "customer-queue",
        "helper.flow.yaml": "module",
        "main-flow.flow.yaml": "contact",
    }


def test_a_cloudformation_json_join_keeps_placeholders(tmp_path: Path) -> None:
    text = json.dumps(_MAIN)
    head, tail = text.split("Hello") if "Hello" in text else (text, "")
    head, tail = text[: text.index("Queue ")], text[text.index("Queue ") :]
    template = {
        "Resources": {
            "Flow": {
                "Type": "AWS::Connect::ContactFlow",
                "Properties": {
                    "Name": "joined",
                    "Type": "CONTACT_FLOW",
                    "Content": {
                        "Fn::Join": [
                            "",
                            [head, {"Ref": "Lead"}, " ", {"Fn::GetAtt": ["Q", "Arn"]}, tail],
                        ]
                    },
                },
            }
        }
    }
    f = tmp_path / "stack.template.json"
    f.write_text(json.dumps(template), encoding="utf-8")
    sources, diags = read_sources(f)
    assert diags == []
    assert sources[0].content["Actions"][0]["Parameters"]["Text"] == (
        "${Lead} ${Q.Arn}Queue ${QueueName} at ${AWS::Region}"
    )


def test_a_content_cloudformation_cannot_give_is_fr443_at_its_place(tmp_path: Path) -> None:
    f = tmp_path / "stack.yml"
    f.write_text(
        "Resources:\n  F:\n    Type: AWS::Connect::ContactFlow\n    Properties:\n"
        "      Type: CONTACT_FLOW\n      Content: !If [Cond, a, b]\n",
        encoding="utf-8",
    )
    sources, diags = read_sources(f)
    assert sources == []
    assert [(d.code, d.message, d.span.line, d.span.column) for d in diags if d.span] == [
        (
            "FR443",
            "resource `F`: `Content` is Fn::If, not a string, Fn::Sub or Fn::Join of strings, Ref and Fn::GetAtt",
            6,
            16,
        )
    ]


def test_terraform_heredoc_jsonencode_and_file(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "queue.json").write_text(json.dumps(_QUEUE), encoding="utf-8")
    tf = (
        '# flows\nvariable "x" { default = "a" }\n'
        'data "aws_connect_contact_flow" "d" { name = "Default" }\n'
        'resource "aws_connect_contact_flow" "main" {\n'
        "  instance_id = aws_connect_instance.this.id\n"
        '  name        = "Main"\n  type        = "CONTACT_FLOW"\n'
        "  content     = <<-EOF\n" + _indented(_MAIN, 4) + "\n    EOF\n"
        '  tags = { Name = "x", "y" = var.x == "a" ? 1 : 2 }\n}\n'
        'resource "aws_connect_contact_flow" "queue" {\n'
        '  name    = var.names["queue"]\n  type    = "CUSTOMER_QUEUE"\n'
        '  content = file("${path.module}/flows/queue.json")\n}\n'
        'resource "aws_connect_contact_flow_module" "helper" {\n'
        '  name    = "Helper"\n'
        "  content = jsonencode({\n"
        '    Version = "2019-10-30"\n    "StartAction": "done",\n'
        "    Metadata = { entryPointPosition = { x = 1, y = 2 }, ActionMetadata = {} }\n"
        '    Actions = [{ Identifier = "done", Type = "EndFlowModuleExecution", Parameters = {},\n'
        "                 Transitions = {} }]\n  })\n}\n"
    )
    f = tmp_path / "connect.tf"
    f.write_text(tf, encoding="utf-8")
    sources, diags = read_sources(f)
    assert diags == []
    assert [(s.stem, s.wrapper.get("Type")) for s in sources] == [
        ("Main", "CONTACT_FLOW"),
        ("queue", "CUSTOMER_QUEUE"),
        ("Helper", "CONTACT_FLOW_MODULE"),
    ]
    assert sources[0].content == _MAIN
    assert sources[1].content == _QUEUE
    assert sources[2].content == _MODULE


@pytest.mark.parametrize(
    ("content", "message", "column"),
    [
        (
            'file("../secret.json")',
            "file('../secret.json') is outside the directory of the .tf file; flowrt reads only files beside it or below it",
            18,
        ),
        (
            'templatefile("f.tpl", {})',
            '`content` is templatefile(...), which needs Terraform to evaluate; flowrt reads a string, a heredoc, jsonencode({...}) or file("...")',
            13,
        ),
    ],
)
def test_terraform_content_that_needs_evaluating_is_fr443(
    tmp_path: Path, content: str, message: str, column: int
) -> None:
    (tmp_path / "secret.json").write_text("{}", encoding="utf-8")
    d = tmp_path / "tf"
    d.mkdir()
    f = d / "main.tf"
    f.write_text(
        f'resource "aws_connect_contact_flow" "x" {{\n  content = {content}\n}}\n', encoding="utf-8"
    )
    sources, diags = read_sources(f)
    assert sources == []
    assert [(x.code, x.message, x.span.line, x.span.column) for x in diags if x.span] == [
        ("FR443", message, 2, column)
    ]


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ('resource "a" "b" {\n  x = "open\n}\n', "a string that never ends", 2, 7),
        ('resource "a" "b" {\n  x = 1\n', "a block that never ends (expected `}`)", 3, 1),
        ("x = <<EOF\nabc\n", "a heredoc whose closing `EOF` never comes", 1, 5),
        ("a {" * 300, "nested deeper than 200 levels", 1, 604),
    ],
)
def test_hcl_problems_are_placed(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(HclError) as exc:
        parse(text)
    assert (exc.value.message, exc.value.line, exc.value.column) == (message, line, column)


@pytest.mark.parametrize("how", ["cloudformation", "terraform"])
def test_import_of_export_wrap_gives_the_flow_back(tmp_path: Path, how: str) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "hold.flow.yaml").write_text(
        "flow: hold\ntype: customer-queue\ndescription: Queue music\nstart: music\nblocks:\n"
        "  music:\n    type: loop-prompts\n    prompts:\n      - text: Please hold\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["export", "--wrap", how, str(proj), "-o", str(out)]) == 0
    back = tmp_path / "back"
    assert main(["import", str(out), "-o", str(back)]) == 0
    (again,) = back.glob("*.flow.yaml")
    original = (proj / "hold.flow.yaml").read_text(encoding="utf-8")
    got = again.read_text(encoding="utf-8").split("\n", 1)[1]  # after the "Imported from" line
    assert "type: customer-queue\n" in got and "flow: hold\n" in got
    assert "description: Queue music\n" in got
    assert load_project(back).flows["hold"].flow.type == "customer-queue"
    assert original.startswith("flow: hold\ntype: customer-queue")


@needs_corpus
@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in (CORPUS / "more").glob("*")
        if p.name.endswith((".yml", ".yaml", ".tf", ".template.json"))
    )
    if CORPUS.is_dir()
    else [],
)
def test_every_real_template_imports_runs_and_exports(name: str, tmp_path: Path) -> None:
    path = CORPUS / "more" / name
    sources, diags = read_sources(path)
    assert [d.message for d in diags] == []
    found, written, imported = import_paths([str(path)], str(tmp_path))
    assert [d.message for d in found if d.is_error] == []
    assert len(imported) == len(sources) >= 1
    vdiags, _ = check_paths([str(tmp_path)])
    assert [d.message for d in vdiags if d.is_error] == []
    program = load_project(tmp_path).compile(strict=False)
    for imp in imported:
        result = program.run({}, {}, flow=imp.flow["flow"])
        assert result.outcome.kind not in ("", "step-limit")
    ediags, files = export_paths([str(tmp_path)], str(tmp_path / "out"))
    assert [d.message for d in ediags if d.is_error] == []
    by_name = {json.loads(f.read_text(encoding="utf-8"))["StartAction"]: f for f in files}
    for src in sources:
        exported = json.loads(by_name[src.content["StartAction"]].read_text(encoding="utf-8"))
        problems = _compare_flows(src.content, exported)
        if problems == ["Metadata"]:  # export adds a position for each action that has none
            kept = exported["Metadata"]["ActionMetadata"]
            original = src.content["Metadata"]
            assert {k: kept[k] for k in original["ActionMetadata"]} == original["ActionMetadata"]
            assert {
                **exported["Metadata"],
                "ActionMetadata": original["ActionMetadata"],
            } == original
            problems = []
        assert problems == []


# ---------------------------------------------------------------------------------------------
# transfer-to-flow targets


def test_transfer_to_a_customer_queue_flow_is_fr444(tmp_path: Path) -> None:
    (tmp_path / "main.flow.yaml").write_text(
        "flow: main\ntype: contact\nstart: hand-off\nblocks:\n  hand-off:\n"
        "    type: transfer-to-flow\n    flow: hold-music\n    next: {error: bye}\n"
        "  bye:\n    type: disconnect\n",
        encoding="utf-8",
    )
    (tmp_path / "hold.flow.yaml").write_text(
        "flow: hold-music\ntype: customer-queue\nstart: done\nblocks:\n  done:\n    type: end-flow\n",
        encoding="utf-8",
    )
    diags, _ = check_paths([str(tmp_path)])
    found = [
        (d.code, d.message, d.span.line, d.span.column)
        for d in diags
        if d.code == "FR444" and d.span
    ]
    assert found == [
        (
            "FR444",
            "block `hand-off` (transfer-to-flow): flow `hold-music` is a `customer-queue` flow; a "
            "`contact` flow's transfer-to-flow hands the contact only to `contact` flows (Amazon "
            'Connect, "Set up call transfers")',
            7,
            11,
        )
    ]
    assert main(["validate", str(tmp_path)]) == 1

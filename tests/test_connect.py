"""Amazon Connect interop: import and export of the flow language, proven on real exports.

The corpus tests read real exports from two places: the few vendored in tests/data/connect-flows/
(always: every checkout has them, and they never skip) and every file of ../shared/connect-flows/
beside the repository when it is there. Modern files must round-trip exactly (import, validate,
export, compare), legacy files import or yield FR403, and every imported flow dry-runs to an
outcome.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.cli import main
from flowrt.connect.actions import connect_text, identifier_problem, same_action
from flowrt.connect.env import Environment, load_environment
from flowrt.connect.export import Exported, export_flow, export_paths, wrap
from flowrt.connect.files import Source, parse_source, read_source
from flowrt.connect.importer import import_paths, import_source
from flowrt.connect.names import assign_names
from flowrt.lang.blocks import BLOCKS, Block, Flow
from flowrt.project.driver import check_paths, load_project

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "connect-flows"
VENDORED = Path(__file__).resolve().parent / "data" / "connect-flows"
ROOT = Path(__file__).resolve().parents[1]
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"shared corpus of real exports not found at {CORPUS}"
)


def _corpus_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        f
        for f in root.rglob("*")
        if f.is_file()
        and f.suffix != ".md"
        and not f.name.startswith(".")
        and not _infrastructure_template(f)
    )


def _corpus_params() -> list[Any]:
    """The vendored files (always), then the shared corpus's (or one skip saying it is absent)."""
    params = [
        pytest.param(f, id=f"vendored/{f.relative_to(VENDORED).as_posix()}")
        for f in _corpus_files(VENDORED)
    ]
    if CORPUS.is_dir():
        params += [
            pytest.param(f, id=f"shared/{f.relative_to(CORPUS).as_posix()}")
            for f in _corpus_files(CORPUS)
        ]
    else:
        params.append(pytest.param(None, id="shared", marks=needs_corpus))
    return params


def _infrastructure_template(path: Path) -> bool:
    """A CloudFormation or Terraform file that embeds flows, not a flow export itself.

    `flowrt import` reads them too (several flows each); they are tested, flow by flow, in
    tests/test_connect_templates.py (`test_every_real_template_imports_runs_and_exports`).
    """
    return path.suffix in (".yml", ".yaml", ".tf") or path.name.endswith(".template.json")


# ---------------------------------------------------------------------------------------------
# helpers


def _model(flow: dict[str, Any]) -> tuple[Flow, dict[str, Block]]:
    model = Flow.model_validate({**flow, "blocks": {}})
    blocks = {n: BLOCKS[b["type"]].model_validate(b) for n, b in flow["blocks"].items()}
    return model, blocks


def _content(actions: list[dict[str, Any]], start: str | None = None) -> dict[str, Any]:
    return {
        "Version": "2019-10-30",
        "StartAction": start or actions[0]["Identifier"],
        "Metadata": {"entryPointPosition": {"x": 1, "y": 2}, "ActionMetadata": {}},
        "Actions": actions,
    }


def _import(actions: list[dict[str, Any]], flow_type: str = "contact", **kw: Any) -> dict[str, Any]:
    wrapper = {"Name": "t", "Type": {"contact": "CONTACT_FLOW"}.get(flow_type, "CUSTOMER_QUEUE")}
    return import_source(Source("t.json", "t", _content(actions), wrapper), **kw).flow


def _roundtrip(flow: dict[str, Any], env: Environment | None = None) -> dict[str, Any]:
    model, blocks = _model(flow)
    content, diags = export_flow(model, blocks, env=env or Environment())
    assert content is not None, [d.message for d in diags]
    return content


def _compare_flows(original: dict[str, Any], exported: dict[str, Any]) -> list[str]:
    """Semantic differences: StartAction, actions by Identifier, Metadata, other keys."""
    problems = []
    if exported["StartAction"] != original["StartAction"]:
        problems.append("StartAction")
    got = {a["Identifier"]: a for a in exported["Actions"]}
    want = {a["Identifier"]: a for a in original["Actions"]}
    if set(got) != set(want):
        problems.append(f"identifiers differ: {sorted(set(got) ^ set(want))}")
    problems += [f"action {k}" for k in want if k in got and not same_action(got[k], want[k])]
    if exported.get("Metadata") != original.get("Metadata"):
        problems.append("Metadata")
    extra = set(original) - {"Version", "StartAction", "Metadata", "Actions"}
    problems += [f"key {k}" for k in extra if exported.get(k) != original[k]]
    return problems


# ---------------------------------------------------------------------------------------------
# the corpus of real exports


@pytest.mark.parametrize("path", _corpus_params())
def test_corpus_round_trip(path: Path, tmp_path: Path) -> None:
    src, diags = read_source(path)
    assert src is not None, [d.message for d in diags]
    found, written, imported = import_paths([str(path)], str(tmp_path))
    assert not [d for d in found if d.is_error]
    assert len(imported) == 1
    if src.legacy:
        # Every module of every real legacy file converts (no FR403); a resource the sample's
        # author left unchosen is FR440 (documented), an action kept as a pass-through FR430.
        assert {d.code for d in found} <= {"FR440", "FR430"}
    # The imported flow validates (without an instance: only FR036 and graph warnings).
    vdiags, _ = check_paths([str(tmp_path)])
    assert [d.message for d in vdiags if d.is_error] == []
    # It dry-runs to an outcome under a default world.
    project = load_project(tmp_path)
    program = project.compile(strict=False)
    name = imported[0].flow["flow"]
    result = program.run({}, {}, flow=name)
    assert result.outcome.kind
    assert result.outcome.kind != "step-limit"
    ediags, files = export_paths([str(tmp_path)], str(tmp_path / "out"))
    assert [d.message for d in ediags if d.is_error] == []
    exported = json.loads(files[0].read_text(encoding="utf-8"))
    if src.legacy:
        # Exported as flow language 2019-10-30 with every branch of every module.
        assert exported["Version"] == "2019-10-30"
        assert legacy_edges_lost(src.content, exported) == []
        return
    assert _compare_flows(src.content, exported) == []


def legacy_edges_lost(legacy: dict[str, Any], exported: dict[str, Any]) -> list[str]:
    """The branches of legacy modules that the exported flow language does not have: per module,
    as many transitions (NextAction for `Success`, one Error or Condition for each other branch)
    to the same targets."""
    actions = {a["Identifier"]: a for a in exported["Actions"]}
    lost = []
    for m in legacy["modules"]:
        a = actions.get(m["id"])
        if a is None:
            lost.append(f"module {m['id']}")
            continue
        t = a.get("Transitions", {})
        got = sorted(e["NextAction"] for e in t.get("Errors", []) + t.get("Conditions", []))
        want = sorted(b["transition"] for b in m["branches"] if b["condition"] != "Success")
        success = [b["transition"] for b in m["branches"] if b["condition"] == "Success"]
        if got != want or (success and t.get("NextAction") != success[0]):
            lost.append(f"module {m['id']} ({m['type']}): {want} + {success} -> {t}")
    return lost


def _kinds(root: Path) -> dict[str, list[str]]:
    """The corpus files under `root` by format: modern, wrapped (modern in a wrapper), legacy."""
    kinds: dict[str, list[str]] = {"modern": [], "wrapped": [], "legacy": []}
    for path in _corpus_files(root):
        src, diags = read_source(path)
        assert src is not None, [d.message for d in diags]
        kind = "legacy" if src.legacy else "wrapped" if src.wrapper else "modern"
        kinds[kind].append(path.relative_to(root).as_posix())
    return kinds


#: Files per format: exactly the seven vendored ones of tests/data/connect-flows/SOURCES.md (no
#: wrapped export: see there); the shared corpus, which grows, holds each format at least once.
_VENDORED_COUNTS = {"modern": 5, "wrapped": 0, "legacy": 2}


@pytest.mark.parametrize(
    ("root", "where"),
    [
        pytest.param(VENDORED, "vendored", id="vendored"),
        pytest.param(CORPUS, "shared", id="shared", marks=needs_corpus),
    ],
)
def test_corpus_counts(root: Path, where: str) -> None:
    """Every file reads as the flow language (bare or wrapped) or as a legacy export."""
    kinds = _kinds(root)
    counts = {k: len(v) for k, v in kinds.items()}
    if where == "shared":
        assert min(counts.values()) >= 1, counts
    else:
        assert counts == _VENDORED_COUNTS
        assert kinds["legacy"] == [
            "amazon-connect-chat-ui-examples/Basic_Chat.json",
            "voicemail-for-amazon-connect/VM-Greeting-DID.json",
        ]


def test_vendored_files_are_the_published_bytes() -> None:
    """Each vendored file is listed in SOURCES.md with its licence, and its bytes are the ones
    listed there (and, when the shared corpus is present, the bytes of the file it came from)."""
    rows = re.findall(
        r"^\| `([^`]+)` \| ([^ ]+) \| `([^`]+)` \| ([0-9a-f]{12}) \| (MIT-0|MIT|Apache-2\.0) "
        r"\| `([0-9a-f]{64})` \|$",
        (VENDORED / "SOURCES.md").read_text(encoding="utf-8"),
        re.M,
    )
    listed = {name: digest for name, _, _, _, _, digest in rows}
    files = [f.relative_to(VENDORED).as_posix() for f in _corpus_files(VENDORED)]
    assert sorted(listed) == files
    for name, repo, source, _, _, digest in rows:
        data = (VENDORED / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
        shared = CORPUS / "more" / f"{repo.replace('/', '__')}__{source.replace('/', '__')}"
        shared = shared.with_name(shared.name.replace(" ", "_"))
        if CORPUS.is_dir():
            assert shared.read_bytes() == data, name


# ---------------------------------------------------------------------------------------------
# import: mapping, names, values


PROMPT = {
    "Identifier": "0c3b0c4e-1111-4a4a-9c9c-000000000001",
    "Type": "MessageParticipant",
    "Parameters": {"Text": "Thanks for calling AnyCompany support today"},
    "Transitions": {
        "NextAction": "0c3b0c4e-1111-4a4a-9c9c-000000000002",
        "Errors": [],
        "Conditions": [],
    },
}
BYE = {
    "Identifier": "0c3b0c4e-1111-4a4a-9c9c-000000000002",
    "Type": "DisconnectParticipant",
    "Parameters": {},
    "Transitions": {},
}


def test_known_actions_map_to_blocks_with_names_and_ids() -> None:
    flow = _import([PROMPT, BYE])
    assert flow["start"] == "say-thanks-for-calling-anycompany"
    assert flow["blocks"] == {
        "say-thanks-for-calling-anycompany": {
            "type": "play-prompt",
            "id": PROMPT["Identifier"],
            "text": "Thanks for calling AnyCompany support today",
            "next": "disconnect",
        },
        "disconnect": {"type": "disconnect", "id": BYE["Identifier"]},
    }


def test_readable_identifiers_are_kept_as_names() -> None:
    a = {**PROMPT, "Identifier": "Greet caller", "Transitions": {"NextAction": "bye"}}
    b = {**BYE, "Identifier": "bye"}
    flow = _import([a, b])
    assert list(flow["blocks"]) == ["Greet caller", "bye"]
    assert "id" not in flow["blocks"]["bye"]


def test_names_from_metadata_labels_are_unique_and_stable() -> None:
    def queue(i: int) -> dict[str, Any]:
        return {
            "Identifier": f"0c3b0c4e-1111-4a4a-9c9c-00000000010{i}",
            "Type": "UpdateContactTargetQueue",
            "Parameters": {"QueueId": '${var.queues_map["billing"]}'},
            "Transitions": {},
        }

    actions = [queue(1), queue(2)]
    meta = {
        "ActionMetadata": {a["Identifier"]: {"queue": {"text": "Billing Queue"}} for a in actions}
    }
    names = assign_names(actions, meta)
    assert list(names.values()) == ["set-queue-billing-queue", "set-queue-billing-queue-2"]
    assert assign_names(actions, meta) == names


def test_unknown_types_pass_through_exactly() -> None:
    odd = {
        "Identifier": "0c3b0c4e-1111-4a4a-9c9c-000000000003",
        "Type": "ShowView",
        "Parameters": {"ViewResource": {"Id": "arn:x"}, "InvocationTimeLimitSeconds": "08"},
        "Transitions": {
            "NextAction": BYE["Identifier"],
            "Errors": [{"NextAction": BYE["Identifier"], "ErrorType": "TimeLimitExceeded"}],
            "Conditions": [
                {
                    "NextAction": BYE["Identifier"],
                    "Condition": {"Operator": "Equals", "Operands": ["Back"]},
                }
            ],
        },
    }
    flow = _import([odd, BYE])
    block = flow["blocks"]["show-view"]
    assert block == {
        "type": "connect-action",
        "id": odd["Identifier"],
        "action": "ShowView",
        "parameters": {"ViewResource": {"Id": "arn:x"}, "InvocationTimeLimitSeconds": "08"},
        "next": {"success": "disconnect", "TimeLimitExceeded": "disconnect"},
        "conditions": [{"operator": "Equals", "operands": ["Back"], "next": "disconnect"}],
    }
    out = _roundtrip(flow)
    assert same_action(out["Actions"][0], odd)


def test_numbers_convert_only_when_they_round_trip() -> None:
    attrs = {
        "Identifier": "0c3b0c4e-1111-4a4a-9c9c-000000000004",
        "Type": "UpdateContactAttributes",
        "Parameters": {"Attributes": {"count": "8", "code": "08", "flag": "True"}},
        "Transitions": {
            "NextAction": BYE["Identifier"],
            "Errors": [{"NextAction": BYE["Identifier"], "ErrorType": "NoMatchingError"}],
        },
    }
    flow = _import([attrs, BYE])
    block = flow["blocks"]["set-count"]
    assert block["attributes"] == {"count": 8, "code": "08", "flag": "True"}
    assert block["next"] == {"success": "disconnect", "error": "disconnect"}
    assert same_action(_roundtrip(flow)["Actions"][0], attrs)


def test_third_party_transfer_booleans_and_numbers() -> None:
    dial = {
        "Identifier": "0c3b0c4e-1111-4a4a-9c9c-000000000005",
        "Type": "TransferParticipantToThirdParty",
        "Parameters": {
            "ThirdPartyPhoneNumber": "+18005550100",
            "ThirdPartyConnectionTimeLimitSeconds": "30",
            "ContinueFlowExecution": "True",
            "CallerId": {"Name": "AnyCompany"},
        },
        "Transitions": {
            "NextAction": BYE["Identifier"],
            "Errors": [
                {"NextAction": BYE["Identifier"], "ErrorType": "CallFailed"},
                {"NextAction": BYE["Identifier"], "ErrorType": "ConnectionTimeLimitExceeded"},
                {"NextAction": BYE["Identifier"], "ErrorType": "NoMatchingError"},
            ],
        },
    }
    flow = _import([dial, BYE])
    block = flow["blocks"]["dial-18005550100"]
    assert block["timeout-seconds"] == 30
    assert block["resume-after-disconnect"] is True
    assert block["next"] == {
        "success": "disconnect",
        "call-failed": "disconnect",
        "timeout": "disconnect",
        "error": "disconnect",
    }
    params = _roundtrip(flow)["Actions"][0]["Parameters"]
    assert params["ContinueFlowExecution"] == "True"
    assert params["ThirdPartyConnectionTimeLimitSeconds"] == "30"


def test_placeholders_survive_import_and_export() -> None:
    to_flow = {
        "Identifier": "0c3b0c4e-1111-4a4a-9c9c-000000000006",
        "Type": "UpdateContactTargetQueue",
        "Parameters": {"QueueId": '${var.queues_map["z_default"]}'},
        "Transitions": {
            "NextAction": BYE["Identifier"],
            "Errors": [{"NextAction": BYE["Identifier"], "ErrorType": "NoMatchingError"}],
        },
    }
    flow = _import([to_flow, BYE])
    assert flow["blocks"]["set-queue"]["queue"] == '${var.queues_map["z_default"]}'
    out = _roundtrip(flow)
    assert out["Actions"][0]["Parameters"] == {"QueueId": '${var.queues_map["z_default"]}'}


def test_compare_with_odd_operand_stays_exact() -> None:
    cmp_ = {
        "Identifier": "0c3b0c4e-1111-4a4a-9c9c-000000000007",
        "Type": "Compare",
        "Parameters": {"ComparisonValue": "$.Attributes.n"},
        "Transitions": {
            "NextAction": BYE["Identifier"],
            "Errors": [{"NextAction": BYE["Identifier"], "ErrorType": "NoMatchingCondition"}],
            "Conditions": [
                {
                    "NextAction": BYE["Identifier"],
                    "Condition": {"Operator": "NumberGreaterThan", "Operands": ["08"]},
                },
                {
                    "NextAction": BYE["Identifier"],
                    "Condition": {"Operator": "Equals", "Operands": ["1"]},
                },
            ],
        },
    }
    flow = _import([cmp_, BYE])
    block = flow["blocks"]["check-n"]
    assert block["type"] == "check-contact-attributes"
    assert block["conditions"] == [
        {"number-greater-than": "08", "next": "disconnect"},
        {"equals": "1", "next": "disconnect"},
    ]
    assert same_action(_roundtrip(flow)["Actions"][0], cmp_)


def test_end_flow_in_a_module_exports_as_end_module() -> None:
    end = {**BYE, "Type": "EndFlowModuleExecution"}
    src = Source("m.json", "m", _content([end]))
    flow = import_source(src).flow
    assert flow["type"] == "module"
    assert flow["blocks"]["end-module"]["type"] == "end-flow"
    assert _roundtrip(flow)["Actions"][0]["Type"] == "EndFlowModuleExecution"


# ---------------------------------------------------------------------------------------------
# import: files, wrappers, bad input


def test_wrappers_are_read() -> None:
    inner = json.dumps(_content([BYE]))
    src, diags = parse_source(
        json.dumps({"Name": "x", "Type": "AGENT_WHISPER", "Content": inner}), "a", "a"
    )
    assert src is not None and not diags
    assert import_source(src).flow["type"] == "agent-whisper"
    cf = {
        "ContactFlow": {
            "Name": "y",
            "Type": "QUEUE_TRANSFER",
            "Arn": "arn:aws:connect:x",
            "Content": inner,
        }
    }
    src, diags = parse_source(json.dumps(cf), "b", "b")
    assert src is not None and not diags
    flow = import_source(src).flow
    assert (flow["flow"], flow["type"], flow["id"]) == ("y", "queue-transfer", "arn:aws:connect:x")


def test_not_json_names_line_and_column() -> None:
    src, diags = parse_source('{\n  "Version": "2019-10-30",\n  oops\n}', "bad.json", "bad")
    assert src is None
    assert [(d.code, d.span.line, d.span.column) for d in diags if d.span] == [("FR400", 3, 3)]


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("[1, 2]", "FR401", "holds list"),
        ('{"Name": "x"}', "FR401", "no `Actions`"),
        ('{"Version": "2020-01-01", "Actions": []}', "FR402", "'2020-01-01'"),
        (
            '{"Version": "2019-10-30", "StartAction": "a", "Actions": [{"Type": "X"}]}',
            "FR401",
            "Identifier",
        ),
        ('{"Version": "2019-10-30", "StartAction": "zz", "Actions": []}', "FR401", "StartAction"),
        ('{"modules": [], "start": "a"}', "FR401", "`start` names no module"),
    ],
)
def test_bad_inputs_give_diagnostics(text: str, code: str, fragment: str) -> None:
    src, diags = parse_source(text, "f.json", "f")
    assert src is None
    assert [d.code for d in diags] == [code]
    assert fragment in diags[0].message


def test_import_writes_layout_side_file_and_never_overwrites(tmp_path: Path) -> None:
    f = tmp_path / "in.json"
    f.write_text(json.dumps(_content([BYE])), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["import", str(f), "-o", str(out)]) == 0
    layout = json.loads((out / "in.flow.layout.json").read_text(encoding="utf-8"))
    assert layout == {"Metadata": {"entryPointPosition": {"x": 1, "y": 2}, "ActionMetadata": {}}}
    assert "Metadata" not in (out / "in.flow.yaml").read_text(encoding="utf-8")
    assert main(["import", str(f), "-o", str(out)]) == 1
    assert main(["import", str(f), "-o", str(out), "--force"]) == 0


def test_legacy_import_converts_and_reports(tmp_path: Path) -> None:
    legacy = {
        "modules": [
            {
                "id": "m1",
                "type": "PlayPrompt",
                "branches": [{"condition": "Success", "transition": "m2"}],
                "parameters": [{"name": "Text", "value": "Hi", "namespace": None}],
            },
            {
                "id": "m2",
                "type": "SetEventHook",
                "branches": [{"condition": "Success", "transition": "m3"}],
                "parameters": [{"name": "Type", "value": "AgentWhisper"}],
            },
            {"id": "m3", "type": "Disconnect", "branches": [], "parameters": []},
        ],
        "version": "1",
        "type": "contactFlow",
        "start": "m1",
        "metadata": {},
    }
    src, _ = parse_source(json.dumps(legacy), "old", "old")
    assert src is not None and src.legacy
    imp = import_source(src)
    assert [d.code for d in imp.diagnostics] == ["FR403"]
    assert "SetEventHook" in imp.diagnostics[0].message
    assert imp.flow["blocks"]["m1"] == {"type": "play-prompt", "text": "Hi", "next": "m2"}
    assert imp.flow["blocks"]["m2"]["action"] == "legacy:SetEventHook"
    model, blocks = _model(imp.flow)
    content, diags = export_flow(model, blocks)
    assert content is None
    assert [d.code for d in diags] == ["FR417"]


# ---------------------------------------------------------------------------------------------
# export


def test_connect_text_formats() -> None:
    assert [connect_text(v) for v in (8, True, False, 1.5, 30.0, "08")] == [
        "8",
        "True",
        "False",
        "1.5",
        "30",
        "08",
    ]


@pytest.mark.parametrize(
    ("identifier", "ok"),
    [
        ("check-tier", True),
        ("a" * 50, True),
        ("a" * 51, False),
        ("x:y", False),
        ("a$b", False),
        ("toString", False),
        ("Greet caller", True),
        ("", False),
        ("f(x)", False),
    ],
)
def test_identifier_rules(identifier: str, ok: bool) -> None:
    assert (identifier_problem(identifier) is None) is ok


def _flow(
    blocks: dict[str, Any], start: str | None = None, type_: str = "contact"
) -> dict[str, Any]:
    return {"flow": "f", "type": type_, "start": start or next(iter(blocks)), "blocks": blocks}


def test_when_lowers_to_a_chain_of_compares() -> None:
    flow = _flow(
        {
            "route": {
                "type": "check-contact-attributes",
                "conditions": [
                    {
                        "when": '$.Attributes.tier == "gold" and not $.Attributes.vip != "yes"',
                        "next": "a",
                    },
                    {"when": "$.Attributes.n > 3 or 5 > $.Attributes.m", "next": "b"},
                ],
                "next": "c",
            },
            "a": {"type": "end-flow"},
            "b": {"type": "end-flow"},
            "c": {"type": "disconnect"},
        }
    )
    shapes = []
    for a in _roundtrip(flow)["Actions"][:4]:
        t = a["Transitions"]
        cond = t["Conditions"][0]
        shapes.append(
            (
                a["Identifier"],
                a["Parameters"]["ComparisonValue"],
                cond["Condition"]["Operator"],
                cond["Condition"]["Operands"],
                cond["NextAction"],
                t["NextAction"],
            )
        )
    # tier == gold -> (not vip != yes, i.e. vip == yes) -> a; else n > 3 -> b; else
    # 5 > m (m < 5) -> b; else no-match c.  The entry keeps the block's Identifier.
    assert shapes == [
        ("route", "$.Attributes.tier", "Equals", ["gold"], "route-c3", "route-c2"),
        ("route-c1", "$.Attributes.m", "NumberLessThan", ["5"], "b", "c"),
        ("route-c2", "$.Attributes.n", "NumberGreaterThan", ["3"], "b", "route-c1"),
        ("route-c3", "$.Attributes.vip", "Equals", ["yes"], "a", "route-c2"),
    ]


def test_when_that_cannot_be_expressed_is_refused() -> None:
    flow = _flow(
        {
            "route": {
                "type": "check-contact-attributes",
                "conditions": [{"when": "$.Attributes.a == $.Attributes.b", "next": "x"}],
            },
            "x": {"type": "end-flow"},
        }
    )
    model, blocks = _model(flow)
    content, diags = export_flow(model, blocks)
    assert content is None
    assert [d.code for d in diags] == ["FR411"]
    assert "compares two references" in diags[0].message


def test_flowrt_only_block_is_refused_by_name() -> None:
    flow = _flow(
        {
            "policy": {"type": "outbound-email-policy", "next": {"allowed": "x", "denied": "x"}},
            "x": {"type": "end-flow"},
        },
        type_="outbound-email",
    )
    model, blocks = _model(flow)
    content, diags = export_flow(model, blocks)
    assert content is None
    assert diags[0].code == "FR410"
    assert "outbound-email-policy" in diags[0].message


def test_bad_identifier_and_too_many_actions_are_refused() -> None:
    bad = _flow({"a": {"type": "end-flow", "id": "x=y"}})
    model, blocks = _model(bad)
    assert [d.code for d in export_flow(model, blocks)[1]] == ["FR413"]
    many = _flow(
        {f"b{i}": {"type": "play-prompt", "text": "hi", "next": f"b{i + 1}"} for i in range(250)}
        | {"b250": {"type": "disconnect"}}
    )
    model, blocks = _model(many)
    content, diags = export_flow(model, blocks)
    assert content is None and [d.code for d in diags] == ["FR412"]


def test_example_project_exports_valid_actions(tmp_path: Path) -> None:
    diags, files = export_paths([str(ROOT / "flows")], str(tmp_path))
    errors = [d for d in diags if d.is_error]
    # Only the flowrt-only outbound email policy is refused.
    assert {d.code for d in errors} == {"FR410"}
    refused = {d.span.file for d in errors if d.span}
    assert len(files) + len(refused) == len(list((ROOT / "flows").glob("*.flow.yaml")))
    for f in files:
        content = json.loads(f.read_text(encoding="utf-8"))
        assert content["Version"] == "2019-10-30"
        assert len(content["Actions"]) <= 250
        ids = [a["Identifier"] for a in content["Actions"]]
        assert len(set(ids)) == len(ids)
        assert content["StartAction"] in ids
        for a in content["Actions"]:
            assert identifier_problem(a["Identifier"]) is None
            assert _only_strings(a["Parameters"]), a
            for t in _targets(a):
                assert t in ids


def _only_strings(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_only_strings(v) for v in value.values())
    if isinstance(value, list):
        return all(_only_strings(v) for v in value)
    return isinstance(value, str)


def _targets(action: dict[str, Any]) -> list[str]:
    t = action["Transitions"]
    out = [t["NextAction"]] if "NextAction" in t else []
    return out + [x["NextAction"] for x in (*t.get("Errors", []), *t.get("Conditions", []))]


def test_wrap_cloudformation_and_terraform() -> None:
    content = _content([BYE])
    e = Exported("Main flow", "contact", "d", content)
    cfn = wrap(e, "cloudformation")
    res = cfn["Resources"]["MainFlow"]
    assert res["Type"] == "AWS::Connect::ContactFlow"
    assert res["Properties"]["Type"] == "CONTACT_FLOW"
    assert json.loads(res["Properties"]["Content"]) == content
    tf = wrap(Exported("m", "module", None, content), "terraform")
    mod = tf["resource"]["aws_connect_contact_flow_module"]["m"]
    assert isinstance(mod["content"], str) and json.loads(mod["content"]) == content
    assert "type" not in mod


# ---------------------------------------------------------------------------------------------
# environment mapping


def test_environment_maps_both_ways(tmp_path: Path) -> None:
    envfile = tmp_path / "prod.env.yaml"
    envfile.write_text(
        "environment: prod\nqueues:\n  Billing: arn:aws:connect:us-east-1:1:instance/i/queue/q1\n"
        "flows:\n  after-hours: arn:aws:connect:us-east-1:1:instance/i/contact-flow/f1\n",
        encoding="utf-8",
    )
    env, diags = load_environment(envfile)
    assert env is not None and not diags
    flow = _flow(
        {
            "q": {"type": "set-working-queue", "queue": "Billing", "next": "t"},
            "t": {"type": "transfer-to-flow", "flow": "after-hours"},
        }
    )
    out = _roundtrip(flow, env)
    assert out["Actions"][0]["Parameters"] == {
        "QueueId": "arn:aws:connect:us-east-1:1:instance/i/queue/q1"
    }
    assert out["Actions"][1]["Parameters"] == {
        "ContactFlowId": "arn:aws:connect:us-east-1:1:instance/i/contact-flow/f1"
    }
    back = import_source(Source("x", "x", out), env, known_flows=["after-hours"]).flow
    assert back["blocks"]["q"]["queue"] == "Billing"
    assert back["blocks"]["t"]["flow"] == "after-hours"


def test_environment_file_errors(tmp_path: Path) -> None:
    envfile = tmp_path / "bad.env.yaml"
    envfile.write_text("queus: {}\nqueues: [1]\n", encoding="utf-8")
    env, diags = load_environment(envfile)
    assert env is None
    assert [d.code for d in diags] == ["FR420", "FR420"]
    assert "unknown key `queus`" in diags[0].message


# ---------------------------------------------------------------------------------------------
# export -> import -> export is a fixed point


_text = st.text(alphabet="abcdefghij XYZ09.,!", min_size=1, max_size=12).filter(str.strip)
_scalar = st.one_of(_text, st.integers(0, 999), st.booleans())


@st.composite
def _flows(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    names = [f"b{i}" for i in range(n)] + ["end"]
    blocks: dict[str, Any] = {}
    for i in range(n):
        nxt = draw(st.sampled_from(names[i + 1 :]))
        kind = draw(st.sampled_from(["prompt", "attrs", "check", "queue", "dial", "lambda", "raw"]))
        if kind == "prompt":
            blocks[names[i]] = {"type": "play-prompt", "text": draw(_text), "next": nxt}
        elif kind == "attrs":
            blocks[names[i]] = {
                "type": "set-contact-attributes",
                "attributes": {"k": draw(_scalar)},
                "next": {"success": nxt, "error": nxt},
            }
        elif kind == "check":
            blocks[names[i]] = {
                "type": "check-contact-attributes",
                "attribute": "$.Attributes.x",
                "conditions": [{"equals": draw(_text), "next": nxt}],
                "next": nxt,
            }
        elif kind == "queue":
            blocks[names[i]] = {"type": "set-working-queue", "queue": "arn:q", "next": nxt}
        elif kind == "dial":
            blocks[names[i]] = {
                "type": "transfer-to-phone-number",
                "phone-number": "+18005550100",
                "timeout-seconds": draw(st.integers(0, 600)),
                "resume-after-disconnect": True,
                "next": {"success": nxt, "error": nxt},
            }
        elif kind == "lambda":
            blocks[names[i]] = {
                "type": "invoke-lambda",
                "function": "arn:aws:lambda:x",
                "timeout-seconds": draw(st.integers(1, 8)),
                "parameters": {"p": draw(_scalar)},
                "next": nxt,
            }
        else:
            blocks[names[i]] = {
                "type": "connect-action",
                "action": "UpdateFlowLoggingBehavior",
                "parameters": {"FlowLoggingBehavior": draw(_text)},
                "next": nxt,
            }
    blocks["end"] = {"type": "disconnect"}
    return _flow(blocks, "b0")


@given(_flows())
def test_export_import_export_is_a_fixed_point(flow: dict[str, Any]) -> None:
    first = _roundtrip(flow)
    again = import_source(Source("x", "x", first)).flow
    second = _roundtrip(again)
    assert second["StartAction"] == first["StartAction"]
    assert [json.dumps(a, sort_keys=True) for a in second["Actions"]] == [
        json.dumps(a, sort_keys=True) for a in first["Actions"]
    ]


def test_cli_export_stdout_and_terraform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = tmp_path / "main.flow.yaml"
    flow.write_text(
        "flow: main\nstart: hi\nblocks:\n  hi:\n    type: play-prompt\n    text: Hi\n"
        "    next: bye\n  bye:\n    type: disconnect\n",
        encoding="utf-8",
    )
    assert main(["export", str(flow), "--stdout"]) == 0
    content = json.loads(capsys.readouterr().out)
    assert [a["Identifier"] for a in content["Actions"]] == ["hi", "bye"]
    assert content["Actions"][0]["Parameters"] == {"Text": "Hi"}
    out = tmp_path / "build"
    assert main(["export", str(flow), "-o", str(out), "--wrap", "terraform"]) == 0
    tf = json.loads((out / "main.tf.json").read_text(encoding="utf-8"))
    res = tf["resource"]["aws_connect_contact_flow"]["main"]
    assert json.loads(res["content"]) == content
    assert main(["export", str(flow), "-o", str(out), "--wrap", "terraform"]) == 1
    assert "FR404" in capsys.readouterr().err

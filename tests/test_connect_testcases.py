"""`flowrt export-tests` and the import of Amazon Connect test cases (issue 15, point 7).

Scenario cases become CreateTestCase requests whose Content is the Testing language; test cases
come back as scenario cases.  What the Testing language cannot state is refused with the reason
(FR450 on export, FR453 on import).  Every exported request is checked against the botocore
model of CreateTestCase (required members, enum values, lengths, patterns), and its content
against the Testing language's rules.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from flowrt.cli import main
from flowrt.connect import testcases as tc
from flowrt.connect.tests_import import find_testcase_files, import_tests
from flowrt.connect.tests_write import export_test_paths
from flowrt.project.driver import load_project
from flowrt.scenario.model import cases_of

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
REFERENCE = ROOT.parent / "shared" / "reference" / "connect-testing-language"
API = REFERENCE / "api" / "botocore-connect-2017-08-08-testcase-operations-and-shapes.json"
EXAMPLES = REFERENCE / "examples"
INSTANCE_ARN = (
    "arn:aws:connect:us-east-1:123456789012:instance/5f0c4b2e-1d3a-4c5e-9a7b-2e8f6d1c0a91"
)
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:anycompany-customer-lookup"

LINE_INSTANCE = f"""\
instance: anycompany
arn: {INSTANCE_ARN}
hours-of-operation:
  Business:
    id: 11111111-2222-4333-8444-555555555555
    time-zone: America/New_York
    days: {{monday: "08:00-20:00", tuesday: "08:00-20:00"}}
queues:
  BasicQueue:
    id: 99999999-8888-4777-8666-555555555555
    max-contacts: 50
    hours: Business
lambda-functions:
  customer-lookup:
    arn: arn:aws:lambda:us-east-1:123456789012:function:lookup
"""
LINE_FLOW = """\
flow: line
id: 0f0f0f0f-1111-4222-8333-444444444444
type: contact
start: greet
blocks:
  greet:
    type: play-prompt
    text: "Welcome to AnyCompany."
    next: lookup
  lookup:
    type: invoke-lambda
    function: customer-lookup
    next: {success: remember, error: hours}
  remember:
    type: set-contact-attributes
    attributes: {tier: $.External.tier}
    next: hours
  hours:
    type: check-hours-of-operation
    hours: Business
    next: {in-hours: menu, out-of-hours: bye, error: bye}
  menu:
    type: get-customer-input
    text: "For billing, press 1. For support, press 2."
    conditions:
      - equals: "1"
        next: basic
    next: {timeout: bye, no-match: bye, error: bye}
  basic:
    type: set-working-queue
    queue: BasicQueue
    next: {success: to-queue, error: bye}
  to-queue:
    type: transfer-to-queue
    next: {success: done, at-capacity: bye, error: bye}
  done:
    type: end-flow
  bye:
    type: disconnect
"""
LINE_SCENARIO = """\
scenario: line
flow: line
contact: {channel: VOICE, customer-endpoint: "+15555550100", attributes: {source: web}}
world:
  clock: "2026-11-23T09:00:00-05:00"
  lambdas: {customer-lookup: {"1": {returns: {tier: gold, openCases: 2}}}}
cases:
  billing:
    description: Presses 1 and is queued in BasicQueue.
    world: {input: {menu: ["1"]}}
    expect:
      outcome: {queued: BasicQueue}
      attributes: {tier: gold, source: {text-starts-with: we}}
      prompts: ["Welcome to AnyCompany.", {text-contains: press 2}]
  full:
    description: BasicQueue is full.
    world: {input: {menu: "1"}, queues: {BasicQueue: {contacts-in-queue: 50}}}
  closed:
    world: {clock: "2026-11-22T21:00:00-05:00", lambdas: {customer-lookup: {"1": {error: Unavailable}}}}
    expect:
      attributes: {source: web}
"""
QUEUE_ARN = f"{INSTANCE_ARN}/queue/99999999-8888-4777-8666-555555555555"
HOURS_ARN = f"{INSTANCE_ARN}/operating-hours/11111111-2222-4333-8444-555555555555"
FLOW_ARN = f"{INSTANCE_ARN}/contact-flow/0f0f0f0f-1111-4222-8333-444444444444"


@pytest.fixture
def line(tmp_path: Path) -> Path:
    root = tmp_path / "line"
    root.mkdir()
    (root / "instance.yaml").write_text(LINE_INSTANCE)
    (root / "line.flow.yaml").write_text(LINE_FLOW)
    (root / "line.scenario.yaml").write_text(LINE_SCENARIO)
    return root


def _requests(path: Path) -> dict[str, dict[str, Any]]:
    diags, written, cases = export_test_paths([str(path)], None)
    return {c.case: c.request for c in cases if c.request is not None}


def _mock(
    ident: str, kind: str, params: dict[str, Any], response: dict[str, Any]
) -> dict[str, Any]:
    return {
        "Identifier": ident,
        "Type": "OverrideSystemBehavior",
        "Parameters": {
            "ActionType": "OverrideSystemBehavior",
            "Behavior": {
                "Type": "FlowAction",
                "Properties": {
                    "ActionType": kind,
                    "ActionParameters": params,
                    "Strategy": {"Type": "MockResponse", "Response": response},
                },
            },
        },
    }


# -- export: exact documents -------------------------------------------------------------------


def test_example_after_hours_is_exact() -> None:
    request = _requests(FLOWS)["after-hours"]
    content = json.loads(request.pop("Content"))
    assert request == {
        "InstanceId": INSTANCE_ARN,
        "Name": "inbound-support.after-hours",
        "Description": "Sunday evening; transfer to the after-hours flow, which hangs up.",
        "EntryPoint": {
            "Type": "VOICE_CALL",
            "VoiceCallEntryPointParameters": {
                "FlowId": "inbound-support",
                "SourcePhoneNumber": "+15555550100",
                "DestinationPhoneNumber": "+18005550111",
            },
        },
        "Status": "PUBLISHED",
    }
    lambda_mock = _mock(
        "mock-1",
        "InvokeLambdaFunction",
        {"LambdaFunctionARN": LAMBDA_ARN},
        {
            "Type": "ExecutionResult",
            "ExecutionResult": {"LoadedData": '{"tier":"bronze","firstName":"Sam","openCases":0}'},
        },
    )
    lambda_mock["Transitions"] = {"NextAction": "mock-2"}
    hours_mock = _mock(
        "mock-2",
        "CheckHoursOfOperation",
        {"HoursOfOperationId": "Business"},
        {"Type": "ExecutionResult", "ExecutionResult": {"Value": "OutOfHours"}},
    )
    assert content == {
        "Version": "2019-10-30",
        "Metadata": {
            "flowrt": {
                "scenario": "inbound support",
                "scenario-file": "inbound-support",
                "case": "after-hours",
                "clock": "2026-11-22T21:00:00-05:00",
            }
        },
        "Observations": [
            {
                "Identifier": "test-start",
                "Event": {
                    "Identifier": "test-start-event",
                    "Type": "TestInitiated",
                    "Actor": "System",
                    "Properties": {},
                },
                "Actions": [lambda_mock, hours_mock],
                "Transitions": {"NextObservations": []},
            }
        ],
    }


def test_example_hours_error_mocks_the_hours_error() -> None:
    content = json.loads(_requests(FLOWS)["hours-error"]["Content"])
    (start,) = content["Observations"]
    assert start["Actions"][1]["Parameters"]["Behavior"]["Properties"]["Strategy"] == {
        "Type": "MockResponse",
        "Response": {"Type": "Error", "Error": {"Value": "NoMatchingError"}},
    }
    assert "clock" not in content["Metadata"]["flowrt"]


def test_input_prompts_queue_and_asserts_are_exact(line: Path, snapshot: Any) -> None:
    requests = _requests(line)
    billing = requests["billing"]
    content = json.loads(billing["Content"])
    assert billing["EntryPoint"] == {
        "Type": "VOICE_CALL",
        "VoiceCallEntryPointParameters": {"FlowId": FLOW_ARN, "SourcePhoneNumber": "+15555550100"},
    }
    assert billing["InitializationData"] == '{"Attributes": {"source": "web"}}'
    obs = content["Observations"]
    assert [o["Identifier"] for o in obs] == ["test-start", "prompt-1", "prompt-2", "queued"]
    assert [o["Transitions"]["NextObservations"] for o in obs] == [
        ["prompt-1"],
        ["prompt-2"],
        ["queued"],
        [],
    ]
    assert [a["Parameters"]["Behavior"]["Properties"]["ActionType"] for a in obs[0]["Actions"]] == [
        "InvokeLambdaFunction",
        "CheckHoursOfOperation",
    ]
    assert obs[0]["Actions"][1]["Parameters"]["Behavior"]["Properties"]["ActionParameters"] == {
        "HoursOfOperationId": HOURS_ARN
    }
    assert obs[1]["Event"] == {
        "Identifier": "prompt-1-event",
        "Type": "MessageReceived",
        "Actor": "System",
        "Properties": {"Text": "Welcome to AnyCompany."},
        "MatchingCriteria": "Similarity",
    }
    # `text-contains: press 2` is heard in the menu's own prompt: one observation, then the DTMF.
    assert obs[2]["Event"]["Properties"] == {"Text": "press 2"}
    assert obs[2]["Event"]["MatchingCriteria"] == "Inclusion"
    assert obs[2]["Actions"] == [
        {
            "Identifier": "send-1",
            "Type": "SendInstruction",
            "Parameters": {
                "ActionType": "SendInstruction",
                "Actor": "Customer",
                "Instruction": {"Type": "DtmfInput", "Properties": {"Value": "1"}},
            },
        }
    ]
    assert obs[3]["Event"]["Properties"] == {
        "ActionType": "TransferContactToQueue",
        "ActionParameters": {"QueueId": QUEUE_ARN},
    }
    assert [
        (
            a["Type"],
            a["Parameters"].get("Namespace"),
            a["Parameters"].get("Operator"),
            a["Parameters"].get("Operand"),
        )
        for a in obs[3]["Actions"]
    ] == [
        ("Assert", "$.Queue.Name", "Equals", "BasicQueue"),
        ("Assert", "$.Attributes.tier", "Equals", "gold"),
        ("Assert", "$.Attributes.source", "TextStartsWith", "we"),
        ("TestControl", None, None, None),
    ]
    assert "Transitions" not in obs[3]["Actions"][-1]  # the last action names no next one
    full = json.loads(requests["full"]["Content"])
    assert full["Observations"][0]["Actions"][-1]["Parameters"]["Behavior"]["Properties"][
        "Strategy"
    ]["Response"] == {"Type": "Error", "Error": {"Value": "QueueAtCapacity"}}
    assert full["Metadata"]["flowrt"]["input-only"] == ["input-1"]
    closed = json.loads(requests["closed"]["Content"])
    assert closed["Metadata"]["flowrt"]["lambda-errors"] == {
        "customer-lookup": {"1": "Unavailable"}
    }
    assert [o["Identifier"] for o in closed["Observations"]] == ["test-start", "completed"]
    assert requests == snapshot


# -- export: refusals --------------------------------------------------------------------------


def test_refusals_are_named_with_the_reason() -> None:
    diags, _, cases = export_test_paths([str(FLOWS)], None)
    by_case = {c.case: c for c in cases}
    assert by_case["gold-caller"].reasons[0] == (
        "check-staffing block `staffing`: Check staffing counts the instance's real agents, "
        "which a test case cannot override (only Lambda functions, hours of operation, Lex bots "
        "and queue transfers)"
    )
    assert by_case["email-contact"].reasons == [
        "channel EMAIL: a test case starts a voice call or a chat (entry point VOICE_CALL or CHAT)"
    ]
    assert by_case["after-hours-direct"].reasons == [
        "`expect.first`: the Testing language observes messages, a few flow actions and values, "
        "not which blocks run or the branches they take"
    ]
    assert by_case["whisper"].reasons == [
        "flow `agent-whisper` is of type agent-whisper; a test case's entry point is a contact flow"
    ]
    first = next(d for d in diags if d.code == "FR450" and "`after-hours-direct`" in d.message)
    assert (first.span.file, first.span.line, first.span.column) == (
        "flows/scenarios/other-flows.scenario.yaml",
        115,
        3,
    ) or first.span.line == 115
    assert sum(c.request is not None for c in cases) == 5


def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert main(["export-tests", str(FLOWS), "-o", str(out), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "flowrt/1" and doc["command"] == "export-tests"
    assert (
        doc["summary"]["exported"] == 5 and doc["summary"]["refused"] == doc["summary"]["cases"] - 5
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "inbound-support.after-hours.json",
        "inbound-support.hours-error.json",
        "other-flows.callback-number-invalid.json",
        "other-flows.callback-number-stored.json",
        "self-service.christmas-day.json",
    ]
    # never overwritten without --force
    assert (
        main(
            [
                "export-tests",
                str(FLOWS / "scenarios" / "inbound-support.scenario.yaml"),
                "-o",
                str(out),
            ]
        )
        == 1
    )
    assert "already exists" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "instance.yaml").write_text("instance: x\n")
    assert main(["export-tests", str(empty)]) == 5


def test_only_exportable_cases_exit_zero(line: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    assert main(["export-tests", str(line), "-o", str(out)]) == 0


# -- the botocore model ------------------------------------------------------------------------


def _check(shapes: dict[str, Any], name: str, value: Any, where: str) -> list[str]:
    """`value` against the stored botocore shape `name`: types, required members, enums,
    lengths and patterns, all the way down."""
    import re

    shape = shapes[name]
    kind = shape["type"]
    out: list[str] = []
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        out += [f"{where}: `{r}` missing" for r in shape.get("required", []) if r not in value]
        for key, item in value.items():
            member = shape["members"].get(key)
            if member is None:
                out.append(f"{where}: `{key}` is no member")
            else:
                out += _check(shapes, member["shape"], item, f"{where}.{key}")
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: not a map"]
        for k, v in value.items():
            out += _check(shapes, shape["key"]["shape"], k, where)
            out += _check(shapes, shape["value"]["shape"], v, f"{where}.{k}")
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{where}: not a string"]
        if "enum" in shape and value not in shape["enum"]:
            out.append(f"{where}: {value!r} not in {shape['enum']}")
        if len(value) < shape.get("min", 0) or len(value) > shape.get("max", 1 << 30):
            out.append(f"{where}: length {len(value)} out of bounds")
        # The model writes its patterns with doubled backslashes (`\\\\+[1-9]`); \p{L} is Java's.
        pattern = shape.get("pattern", "").replace("\\\\", "\\").replace("\\p{L}", "a-zA-Z")
        if pattern and not re.search(pattern, value):
            out.append(f"{where}: {value!r} does not match {shape['pattern']}")
    return out


def test_every_exported_case_fits_the_botocore_model(line: Path) -> None:
    api = json.loads(API.read_text())
    shapes = api["shapes"]
    model = botocore.session.get_session().get_service_model("connect")
    input_shape = model.operation_model("CreateTestCase").input_shape
    requests = [*_requests(FLOWS).values(), *_requests(line).values()]
    assert len(requests) == 8
    for request in requests:
        assert _check(shapes, "CreateTestCaseRequest", request, "CreateTestCase") == []
        report = ParamValidator().validate(request, input_shape)
        assert not report.has_errors(), report.generate_report()
        content = json.loads(request["Content"])
        assert tc.content_problems(content) == []
        assert json.loads(request.get("InitializationData", "{}")).keys() <= {"Attributes"}


def test_content_problems_names_what_is_wrong() -> None:
    assert tc.content_problems({"Version": "2025-06-21", "Observations": []}) == [
        "`Version` is '2025-06-21'; Amazon Connect accepts '2019-10-30'",
        "`Observations` must be a non-empty list",
    ]
    doc = {
        "Version": "2019-10-30",
        "Observations": [
            {
                "Identifier": "a",
                "Event": {"Type": "Nope", "Actor": "System", "Properties": {}},
                "Actions": [
                    {
                        "Identifier": "x",
                        "Type": "Assert",
                        "Parameters": {"Namespace": "$.A", "Operator": "Like"},
                        "Transitions": {"NextAction": "y"},
                    }
                ],
                "Transitions": {"NextObservations": ["b"]},
            }
        ],
    }
    assert tc.content_problems(doc) == [
        "observation `a`: event Type 'Nope' is not one of TestInitiated, TestCompleted, "
        "MessageReceived, FlowActionStarted, FlowActionCompleted",
        "observation `a`: action `x`: Operator 'Like' is not one of Equals, TextStartsWith, "
        "TextEndsWith, TextContains, NumberGreaterThan, NumberGreaterOrEqualTo, NumberLessThan, "
        "NumberLessOrEqualTo, Exists",
        "observation `a`: action `x`: `NextAction` 'y' names no action of this observation",
        "observation `a`: `NextObservations` names `b`, which is no observation",
    ]


# -- import ------------------------------------------------------------------------------------


def _project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("scenarios"))
    return root


def test_real_examples_import_into_the_exact_case(tmp_path: Path) -> None:
    root = _project_copy(tmp_path)
    files = find_testcase_files([str(EXAMPLES)])
    diags, written, cases = import_tests(files, str(root), flow="after-hours")
    assert diags == []
    assert {c.case: c.data for c in cases} == {
        "community-ivr5-transfer-to-flow.content": {
            "flow": "after-hours",
            "contact": {"channel": "VOICE"},
            "expect": {
                "prompts": [
                    {"text-contains": "A B testing flow"},
                    {"text-contains": "group A"},
                    {"text-contains": "transferred to the secondary flow"},
                ]
            },
        },
        "community-live-verified-minimal.content": {
            "flow": "after-hours",
            "contact": {"channel": "VOICE"},
            "expect": {"prompts": ["Press 1 to be connected to an agent"]},
        },
    }
    assert sorted(p.name for p in written) == [
        "community-ivr5-transfer-to-flow.content.scenario.yaml",
        "community-live-verified-minimal.content.scenario.yaml",
    ]
    assert (root / "community-live-verified-minimal.content.scenario.yaml").read_text() == (
        "# Imported from Amazon Connect test cases by `flowrt import`.\n"
        "scenario: community-live-verified-minimal.content\n"
        "cases:\n"
        "  community-live-verified-minimal.content:\n"
        "    flow: after-hours\n"
        "    contact:\n"
        "      channel: VOICE\n"
        "    expect:\n"
        "      prompts:\n"
        "        - Press 1 to be connected to an agent\n"
    )
    project = load_project(root)
    assert [d for d in project.compile(strict=False).diagnostics if d.is_error] == []


def _write(tmp_path: Path, name: str, content: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(content))
    return path


def test_import_refusals_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project_copy(tmp_path)
    start = {
        "Identifier": "s",
        "Event": {"Type": "TestInitiated", "Actor": "System", "Properties": {}},
        "Actions": [],
    }
    parallel = {"Version": "2019-10-30", "Observations": [start, {**start, "Identifier": "t"}]}
    bye = {
        "Version": "2019-10-30",
        "Observations": [
            {
                "Identifier": "m",
                "Event": {
                    "Type": "MessageReceived",
                    "Actor": "System",
                    "Properties": {"Text": "Hi"},
                    "MatchingCriteria": "Inclusion",
                },
                "Actions": [
                    {
                        "Identifier": "d",
                        "Type": "SendInstruction",
                        "Parameters": {
                            "ActionType": "SendInstruction",
                            "Actor": "Customer",
                            "Instruction": {"Type": "Disconnect"},
                        },
                    }
                ],
            }
        ],
    }
    files = [_write(tmp_path, "parallel.json", parallel), _write(tmp_path, "bye.json", bye)]
    diags, written, cases = import_tests(files, str(root), flow="after-hours")
    assert written == []
    assert [(d.code, d.message) for d in diags] == [
        (
            "FR453",
            "test case parallel has no scenario equivalent: 2 observations wait from the start; a scenario case has one order",
        ),
        (
            "FR453",
            "test case bye has no scenario equivalent: the customer disconnecting has no scenario equivalent",
        ),
    ]
    no_flow = _write(tmp_path, "noflow.json", {"Version": "2019-10-30", "Observations": [start]})
    assert main(["import", str(no_flow), "-o", str(root), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["test-cases"] == [
        {
            "case": None,
            "imported": False,
            "reasons": ["the test case has no entry point: name its flow with --flow"],
            "scenario-file": None,
            "source": str(no_flow),
        }
    ]
    bad = _write(tmp_path, "bad.json", {"Version": "2025-06-21", "Observations": [start]})
    assert main(["import", str(bad), "-o", str(root)]) == 1
    assert (
        "error[FR452]: not an Amazon Connect test case: `Version` is '2025-06-21'"
        in capsys.readouterr().err
    )


def _steps(result: Any) -> list[dict[str, Any]]:
    """A run's steps; a failing Lambda call's `returns` (a shared world's answer that the
    case's `error` overrides, never used) is left out."""
    steps = result.trace.steps()
    for step in steps:
        for fact in step["facts"]:
            if fact["kind"] == "lambda" and fact["error"] is not None:
                fact.pop("returns")
                fact.pop("text")
    return steps


def _same_cases(original: Path, imported_root: Path, names: set[str]) -> None:
    """The imported cases run exactly as the originals (same trace) and assert the same."""
    orig = load_project(original)
    oprog = orig.compile()
    back = load_project(imported_root)
    bprog = back.compile()
    want = {c.case: (sf, c) for _, sf in orig.scenarios for c in cases_of(sf) if c.case in names}
    got = {c.case: (sf, c) for _, sf in back.scenarios for c in cases_of(sf)}
    assert set(got) == names
    for name, (osf, o) in want.items():
        bsf, b = got[name]
        assert (b.flow, b.description) == (o.flow, o.description)
        assert b.contact == o.contact.model_copy(
            update={"attributes": {k: str(v) for k, v in o.contact.attributes.items()}}
        )
        assert bsf.cases[name].expect == osf.cases[name].expect
        r1 = oprog.run(o.contact, o.world, flow=o.flow)
        r2 = bprog.run(b.contact, b.world, flow=b.flow)
        assert _steps(r2) == _steps(r1)
        assert r2.outcome == r1.outcome


def test_round_trip_of_the_example_project(tmp_path: Path) -> None:
    out = tmp_path / "tests"
    out.mkdir()
    export_test_paths([str(FLOWS)], str(out))
    root = _project_copy(tmp_path)
    diags, written, cases = import_tests(find_testcase_files([str(out)]), str(root))
    assert diags == [] and sorted(p.name for p in written) == [
        "inbound-support.scenario.yaml",
        "other-flows.scenario.yaml",
        "self-service.scenario.yaml",
    ]
    _same_cases(
        FLOWS,
        root,
        {
            "after-hours",
            "hours-error",
            "callback-number-invalid",
            "callback-number-stored",
            "christmas-day",
        },
    )
    again = tmp_path / "again"
    again.mkdir()
    export_test_paths([str(root)], str(again))
    for f in out.iterdir():  # and exporting the imported cases gives the same test cases
        assert (again / f.name).read_text() == f.read_text()


def test_round_trip_with_input_mocks_and_asserts(line: Path, tmp_path: Path) -> None:
    out = tmp_path / "tests"
    out.mkdir()
    export_test_paths([str(line)], str(out))
    root = tmp_path / "back"
    root.mkdir()
    shutil.copy(line / "instance.yaml", root)
    shutil.copy(line / "line.flow.yaml", root)
    assert main(["import", str(out), "-o", str(root)]) == 0
    _same_cases(line, root, {"billing", "full", "closed"})

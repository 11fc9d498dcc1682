"""The block that turns flow logs on, in both of its forms: the native `set-logging-behavior`
block (what the example project's `enable-logging` is) and a `connect-action` of Type
UpdateFlowLoggingBehavior (what an imported flow may keep).  `flowrt run --format connect-logs`
starts a contact's log at either, stops it after either one that disables logging, and
`flowrt replay` finds those logs identical to the runs that made them."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.project.driver import load_project

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
NATIVE = """  enable-logging:
    type: set-logging-behavior
    description: Turn flow logs on first, so the contact's whole path is logged.
"""
#: The same block as a pass-through, as the example project wrote it before the block was native.
PASS_THROUGH = """  enable-logging:
    type: connect-action
    description: The same logging block, as an imported flow may keep it.
    action: UpdateFlowLoggingBehavior
    parameters:
      FlowLoggingBehavior: Enabled
"""


def _logs(project: Path) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["run", str(project), "--format", "connect-logs"]) == 0
    return buf.getvalue()


def test_the_example_project_turns_logging_on_with_the_native_block() -> None:
    program = load_project(FLOWS).compile()
    flow = program.flows["inbound-support"]
    node = next(n for n in flow.nodes if n.name == "enable-logging")
    assert node.type == "set-logging-behavior"
    assert node.block.model_dump(by_alias=True, exclude_none=True)["flow-logging"] == "Enabled"
    targets = {b: flow.nodes[t].name for b, t in node.targets.items() if t is not None}
    assert targets == {"success": "set-voice"}
    # No pass-through in the example project is an action flowrt models natively any more.
    actions = sorted(
        (f.name, n.name, n.block.action)  # type: ignore[attr-defined]
        for f in program.flows.values()
        for n in f.nodes
        if n.type == "connect-action"
    )
    assert actions == [("inbound-support", "set-voice", "UpdateContactTextToSpeechVoice")]


def test_the_pass_through_form_logs_the_same_bytes_and_replays_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "flows"
    shutil.copytree(FLOWS, project, ignore=shutil.ignore_patterns("__goldens__"))
    flow = project / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    old = text[text.index(NATIVE) : text.index("    next: set-voice\n")]
    assert old.startswith(NATIVE) and "flow-logging: Enabled" in old
    flow.write_text(text.replace(old, PASS_THROUGH), encoding="utf-8")
    kept = load_project(project).compile().flows["inbound-support"]
    assert next(n.type for n in kept.nodes if n.name == "enable-logging") == "connect-action"

    native = _logs(FLOWS)
    assert _logs(project) == native
    first = json.loads(native.splitlines()[0])
    assert (first["ContactFlowModuleType"], first["Identifier"], first["Parameters"]) == (
        "SetLoggingBehavior",
        "enable-logging",
        {"LoggingBehavior": "Enable"},
    )
    logs = tmp_path / "week.jsonl"
    logs.write_text(native, encoding="utf-8")
    expected = (
        "read 586 record(s) from 1 file(s): 32 contact(s), 0 duplicate(s) dropped, "
        "0 malformed line(s), 32 contact record(s)\n"
        "fidelity: 32 of 32 contact(s) identical (100.0%), 0 diverged, 0 not replayable\n"
    )
    for against in (FLOWS, project):
        capsys.readouterr()
        assert main(["replay", str(logs), "--project", str(against)]) == 0
        assert capsys.readouterr().out == expected


def _block(form: str, name: str, value: str, nxt: str) -> str:
    if form == "native":
        return f"  {name}:\n    type: set-logging-behavior\n    flow-logging: {value}\n"
    return (
        f"  {name}:\n    type: connect-action\n    action: UpdateFlowLoggingBehavior\n"
        f"    parameters: {{FlowLoggingBehavior: {value}}}\n"
    ) + f"    next: {nxt}\n"


def _small_project(root: Path, form: str) -> Path:
    """before (not logged) -> on -> middle -> off -> after (not logged) -> bye."""

    def prompt(name: str, nxt: str) -> str:
        return f"  {name}:\n    type: play-prompt\n    text: {name}\n    next: {nxt}\n"

    on = _block(form, "on", "Enabled", "middle")
    off = _block(form, "off", "Disabled", "after")
    if form == "native":
        on += "    next: middle\n"
        off += "    next: after\n"
    flow = (
        "flow: main\ntype: contact\nstart: before\nblocks:\n"
        + prompt("before", "on")
        + on
        + prompt("middle", "off")
        + off
        + prompt("after", "bye")
        + "  bye:\n    type: disconnect\n"
    )
    root.mkdir()
    (root / "instance.yaml").write_text("instance: x\n", encoding="utf-8")
    (root / "main.flow.yaml").write_text(flow, encoding="utf-8")
    scenarios = root / "scenarios"
    scenarios.mkdir()
    (scenarios / "main.scenario.yaml").write_text(
        "scenario: main\ncontact: {channel: VOICE}\ncases:\n  one:\n    flow: main\n",
        encoding="utf-8",
    )
    return root


@pytest.mark.parametrize("form", ["native", "connect-action"])
def test_logs_start_at_the_enabling_block_and_stop_after_the_disabling_one(
    tmp_path: Path, form: str
) -> None:
    project = _small_project(tmp_path / "p", form)
    records: list[dict[str, Any]] = [json.loads(x) for x in _logs(project).splitlines()]
    logged = [
        (r["ContactFlowModuleType"], r["Identifier"], r.get("Parameters"))
        for r in records
        if "ContactFlowModuleType" in r
    ]
    assert logged == [
        ("SetLoggingBehavior", "on", {"LoggingBehavior": "Enable"}),
        ("PlayPrompt", "middle", {"Text": "middle", "TextToSpeechType": "text"}),
        ("SetLoggingBehavior", "off", {"LoggingBehavior": "Disable"}),
    ]
    # ...and the contact record closes the contact's log.
    assert len(records) == 4 and records[-1]["AWSContactTraceRecordFormatVersion"] == "2017-03-10"


@pytest.mark.parametrize("form", ["native", "connect-action"])
def test_a_logging_block_does_not_stop_a_case_becoming_a_connect_test_case(
    tmp_path: Path, form: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """UpdateFlowLoggingBehavior has no errors and no conditions, so Amazon Connect's test takes
    its one branch as flowrt's run does: `flowrt export-tests` does not refuse the case."""
    project = _small_project(tmp_path / "p", form)
    out = tmp_path / "out"
    assert main(["export-tests", str(project), "-o", str(out), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(c["case"], c["exported"], c["reasons"]) for c in doc["cases"]] == [("one", True, [])]
    assert sorted(p.name for p in out.iterdir()) == ["main.one.json"]


def _replay_text(logs: str, tmp_path: Path, project: Path) -> tuple[int, str]:
    path = tmp_path / "logs.jsonl"
    path.write_text(logs, encoding="utf-8")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["replay", str(path), "--project", str(project), "-j", "1"])
    return code, buf.getvalue()


@pytest.mark.parametrize("form", ["native", "connect-action"])
def test_a_flow_that_turns_logging_off_replays_identical(tmp_path: Path, form: str) -> None:
    """Connect logs nothing after a block turns logging off: the replay expects nothing there
    either (it used to expect `after` and call the contact diverged at `off`)."""
    project = _small_project(tmp_path / "p", form)
    code, out = _replay_text(_logs(project), tmp_path, project)
    assert code == 0
    assert out.splitlines()[1] == (
        "fidelity: 1 of 1 contact(s) identical (100.0%), 0 diverged, 0 not replayable"
    )


def test_logging_turned_off_then_on_again_is_logged_and_replayed_in_both_parts(
    tmp_path: Path,
) -> None:
    project = _small_project(tmp_path / "p", "native")
    flow = project / "main.flow.yaml"
    text = flow.read_text(encoding="utf-8").replace(
        "    text: after\n    next: bye\n", "    text: after\n    next: again\n"
    )
    text += (
        "  again:\n    type: set-logging-behavior\n    flow-logging: Enabled\n    next: last\n"
        "  last:\n    type: play-prompt\n    text: last\n    next: bye\n"
    )
    flow.write_text(text, encoding="utf-8")
    logs = _logs(project)
    logged = [
        (r["ContactFlowModuleType"], r["Identifier"])
        for r in map(json.loads, logs.splitlines())
        if "ContactFlowModuleType" in r
    ]
    assert logged == [
        ("SetLoggingBehavior", "on"),
        ("PlayPrompt", "middle"),
        ("SetLoggingBehavior", "off"),
        ("SetLoggingBehavior", "again"),
        ("PlayPrompt", "last"),
        ("Disconnect", "bye"),
    ]
    code, out = _replay_text(logs, tmp_path, project)
    assert (code, out.splitlines()[1]) == (
        0,
        "fidelity: 1 of 1 contact(s) identical (100.0%), 0 diverged, 0 not replayable",
    )

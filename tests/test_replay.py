"""flowrt replay and `flowrt run --format connect-logs` (issue 16): the records a run logs, the
reader of flow logs (real samples, wrappers, gzip, malformed lines, duplicates, spilling), the
fidelity replay of generated logs, the impact of a changed flow and recorded contacts written
as scenario cases."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.project.driver import load_project
from flowrt.replay.engine import replay_logs
from flowrt.replay.grouping import contacts
from flowrt.replay.mapping import BLOCK_MODULES
from flowrt.replay.reader import ReadStats
from flowrt.replay.report import as_json

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
SAMPLES = Path("/work/shared/reference/connect-flow-logs/samples")
GOLD = "643ff718-81fd-5de1-93e6-04ead975f39a"  # inbound-support::gold-caller


def _logs(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["run", str(FLOWS), "--format", "connect-logs", *extra]) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project's logs, both eras (written once for the module)."""
    out = tmp_path_factory.mktemp("logs")
    for era in ("current", "2019"):
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["run", str(FLOWS), "--format", "connect-logs", "--log-era", era]) == 0
        (out / f"{era}.jsonl").write_text(buf.getvalue(), encoding="utf-8")
    return out


def test_connect_logs_records_of_the_gold_caller(generated: Path) -> None:
    lines = (generated / "current.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 618
    mine = [json.loads(line) for line in lines if GOLD in line]
    first = mine[0]
    assert first == {
        "ContactId": GOLD,
        "ContactFlowId": "arn:aws:connect:us-east-1:123456789012:instance/"
        "5f0c4b2e-1d3a-4c5e-9a7b-2e8f6d1c0a91/contact-flow/inbound-support",
        "ContactFlowName": "inbound-support",
        "ContactFlowModuleType": "SetLoggingBehavior",
        "Identifier": "enable-logging",
        "Timestamp": "2026-11-23T14:00:00.000Z",
        "Parameters": {"LoggingBehavior": "Enable"},
    }
    lam = next(r for r in mine if r.get("ContactFlowModuleType") == "InvokeExternalResource")
    assert lam["ExternalResults"] == {"tier": "gold", "firstName": "Ana", "openCases": "1"}
    assert lam["Parameters"]["TimeLimit"] == "4000"
    assert [r["ContactFlowModuleType"] for r in mine[:-1]] == [
        "SetLoggingBehavior", "SetVoice", "CheckAttribute", "PlayPrompt",
        "InvokeExternalResource", "SetAttributes", "SetAttributes", "SetAttributes",
        "SetAttributes", "CheckHoursOfOperation", "CheckAttribute", "SetQueue",
        "CheckStaffing", "GetQueueMetrics", "CheckAttribute", "TransferToQueue",
    ]  # fmt: skip
    assert [r["Timestamp"][-7:] for r in mine[:3]] == ["00.000Z", "00.001Z", "00.002Z"]
    ctr = mine[-1]
    assert ctr["AWSContactTraceRecordFormatVersion"] == "2017-03-10"
    assert ctr["Channel"] == "VOICE"
    assert ctr["CustomerEndpoint"] == {"Address": "+15555550100", "Type": "TELEPHONE_NUMBER"}
    assert ctr["Queue"]["Name"] == "Premium"


def test_connect_logs_2019_era_has_no_identifier_nor_flow_name(generated: Path) -> None:
    records = [json.loads(x) for x in (generated / "2019.jsonl").read_text().splitlines()]
    logs = [r for r in records if "ContactFlowModuleType" in r]
    assert len(logs) == 586
    assert not any("Identifier" in r or "ContactFlowName" in r for r in logs)


def test_get_customer_input_logs_entry_and_exit(generated: Path) -> None:
    records = [json.loads(x) for x in (generated / "current.jsonl").read_text().splitlines()]
    inputs = [r for r in records if r.get("ContactFlowModuleType") == "GetUserInput"]
    entry, exit_ = inputs[0], inputs[1]
    assert entry["Identifier"] == exit_["Identifier"] == "menu"
    assert "Results" not in entry and entry["Parameters"]["Timeout"] == "8"
    assert "Parameters" not in exit_
    assert sorted({r["Results"] for r in inputs if "Results" in r}) == [
        "1",
        "2",
        "3",
        "9",
        "Error",
        "Timeout",
    ]


def test_connect_logs_are_the_same_bytes_for_any_jobs(capsys: pytest.CaptureFixture[str]) -> None:
    one = _logs(capsys, "-j", "1")
    assert one == _logs(capsys, "-j", "2")
    assert one == _logs(capsys)


@pytest.mark.parametrize("era", ["current", "2019"])
def test_generated_logs_replay_identical(
    generated: Path, era: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["replay", str(generated / f"{era}.jsonl"), "--project", str(FLOWS)])
    out = capsys.readouterr().out
    assert code == 0
    assert out == (
        "read 586 record(s) from 1 file(s): 32 contact(s), 0 duplicate(s) dropped, "
        "0 malformed line(s), 32 contact record(s)\n"
        "fidelity: 32 of 32 contact(s) identical (100.0%), 0 diverged, 0 not replayable\n"
    )


def test_replay_json_envelope(generated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["replay", str(generated / "current.jsonl"), "--project", str(FLOWS),
          "--format", "json"])  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert (doc["format"], doc["command"]) == ("flowrt/1", "replay")
    assert doc["fidelity"]["identical-percent"] == 100.0
    assert doc["read"]["records"] == 586 and doc["read"]["spilled-to-disk"] is False


def test_real_samples_read_without_traceback() -> None:
    program = load_project(FLOWS).compile(strict=False)
    inputs = [*map(str, sorted(SAMPLES.glob("*.jsonl"))), str(SAMPLES / "raw"),
              str(SAMPLES / "ctr")]  # fmt: skip
    report = replay_logs(inputs, program)
    s = report.stats
    assert (s.files, s.lines, s.records, s.duplicates, s.contact_records) == (9, 53, 40, 16, 4)
    problems = [(Path(p.file).name, p.line, p.message) for p in s.problems]
    assert problems == [
        *[("community-abridged-2026-entry-exit.jsonl", n, "no `ContactId`") for n in range(1, 7)],
        ("community-records.jsonl", 6, "no `ContactId`"),
        ("community-records.jsonl", 7, "no `Timestamp`"),
        ("community-records.jsonl", 9, "no `ContactId`"),
    ]
    # The 2019 tool's pretty-printed records are the same records as its JSON lines file.
    assert report.contacts == 10 and report.unreplayable == 10
    assert report.causes["flow `Sample Flow name` is not in the project"].count == 1


def test_malformed_lines_reported_at_their_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {"ContactId": "c1", "ContactFlowModuleType": "SetLoggingBehavior",
            "ContactFlowName": "inbound-support", "Timestamp": "2026-01-05T12:00:00.000Z",
            "Parameters": {"LoggingBehavior": "Enable"}}  # fmt: skip
    logs = tmp_path / "bad.jsonl"
    logs.write_text(
        json.dumps(good)
        + "\nnot json\n[1, 2]\n"
        + json.dumps({"ContactId": "x"})
        + "\n"
        + json.dumps({**good, "ContactFlowModuleType": "Teleport"})
        + "\n",
        encoding="utf-8",
    )
    code = main(["replay", str(logs), "--project", str(FLOWS)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{logs}:2:1: warning[FR600]: not a JSON record" in out
    assert f"{logs}:3:1: warning[FR600]: a JSON list, not an object" in out
    assert f"{logs}:4:1: warning[FR600]: no `ContactFlowModuleType`" in out
    assert "warning[FR601]: 1 record(s) of module type `Teleport`" in out
    assert "3 malformed line(s)" in out


def test_wrappers_gzip_directories_globs_and_duplicates(generated: Path, tmp_path: Path) -> None:
    lines = (generated / "current.jsonl").read_text(encoding="utf-8").splitlines()
    d = tmp_path / "export"
    d.mkdir()
    # S3 export lines (TIMESTAMP message), gzip-compressed, under a directory.
    with gzip.open(d / "000000.gz", "wt", encoding="utf-8") as f:
        for line in lines[:300]:
            f.write("2026-11-23T14:00:00.000Z " + line + "\n")
    # A subscription filter batch and plain CloudWatch events.
    batch = {"messageType": "DATA_MESSAGE", "logEvents": [{"id": "1", "message": x}
                                                           for x in lines[300:450]]}  # fmt: skip
    (tmp_path / "batch.json").write_text(json.dumps(batch) + "\n", encoding="utf-8")
    events = [json.dumps({"timestamp": 1, "message": x}) for x in lines[450:]]
    (tmp_path / "events.jsonl").write_text("\n".join(events + lines[:5]) + "\n")
    program = load_project(FLOWS).compile(strict=False)
    report = replay_logs([str(d), str(tmp_path / "*.json"), str(tmp_path / "events.jsonl")],
                         program)  # fmt: skip
    assert (report.contacts, report.identical) == (32, 32)
    assert report.stats.duplicates == 5


def test_spilling_to_disk_gives_the_same_contacts(generated: Path) -> None:
    path = str(generated / "2019.jsonl")
    memory, spilled = ReadStats(), ReadStats()
    a = [(c.contact_id, c.records, c.where) for c in contacts([path], memory)]
    # parts of 4 KB (the file cut where records start), spilled to disk past 1 KB of input
    b = [(c.contact_id, c.records, c.where) for c in contacts([path], spilled, 4096, 1000)]
    assert a == b and len(a) == 32
    assert (memory.spilled, spilled.spilled) == (False, True)
    assert (memory.lines, memory.records) == (spilled.lines, spilled.records) == (618, 586)
    # the line numbers of a later part count the lines of the parts before it
    assert a[-1][2][-1] == (path, _line_of(path, a[-1][1][-1]))


def _line_of(path: str, record: dict[str, object]) -> int:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if json.loads(line) == record)


def _changed_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "changed"
    shutil.copytree(FLOWS, copy, ignore=shutil.ignore_patterns("__goldens__"))
    flow = copy / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    # Gold customers now go through the open-cases check like silver ones.
    new = text.replace("      - equals: gold\n        next: premium-queue",
                       "      - equals: gold\n        next: check-cases")  # fmt: skip
    assert new != text
    flow.write_text(new, encoding="utf-8")
    return copy


def _routed_by_gold(path: Path) -> set[str]:
    """The contacts whose log shows check-tier matching gold (computed from the log alone)."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r.get("Identifier") == "check-tier" and r.get("Results") == "equals gold":
            out.add(r["ContactId"])
    return out


def test_impact_reports_exactly_the_contacts_whose_route_moved(
    generated: Path, tmp_path: Path
) -> None:
    program = load_project(FLOWS).compile(strict=False)
    changed = load_project(_changed_copy(tmp_path)).compile(strict=False)
    path = generated / "current.jsonl"
    moved: set[str] = set()
    report = replay_logs([str(path)], program, against=changed)
    assert report.impact is not None
    for g in report.impact.values():
        assert g.count <= 3 or g.examples  # examples are kept per group
    doc = as_json(report)["impact"]
    queue = [c for c in doc["changes"] if c["aspect"] == "queue"]
    assert [(c["before"], c["after"], c["count"]) for c in queue] == [("Premium", None, 1)]
    assert queue[0]["missing-answers"][0] == "menu: no input given for visit 1 of `menu`: timeout"
    expected = _routed_by_gold(path)
    assert len(expected) == 3

    from flowrt.replay.fidelity import replay_contact
    from flowrt.replay.impact import compare

    for c in contacts([str(path)], ReadStats()):
        change = compare(replay_contact(program, c), changed)
        if change is not None and change.changed:
            moved.add(c.contact_id)
    assert moved == expected
    assert report.changed == 3 and doc["changed-percent"] == 9.38


def test_fail_over_gates_ci(generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                            ) -> None:  # fmt: skip
    changed = _changed_copy(tmp_path)
    args = ["replay", str(generated / "current.jsonl"), "--project", str(FLOWS),
            "--against", str(changed)]  # fmt: skip
    assert main([*args, "--fail-over", "9"]) == 1
    out = capsys.readouterr().out
    assert "impact: 3 of 32 contact(s) change (9.38%), 3 reach a block with no recorded" in out
    assert "1 (3.12%) queue: Premium -> (none)" in out
    assert main([*args, "--fail-over", "9.38"]) == 0
    capsys.readouterr()
    assert main(["replay", str(generated / "current.jsonl"), "--fail-over", "5"]) == 2
    assert "--fail-over needs --against DIR" in capsys.readouterr().err


def test_logs_of_the_old_flow_diverge_in_the_changed_one(
    generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = _changed_copy(tmp_path)
    code = main(["replay", str(generated / "2019.jsonl"), "--project", str(changed)])
    out = capsys.readouterr().out
    assert code == 1
    assert "fidelity: 29 of 32 contact(s) identical (90.62%), 3 diverged" in out
    assert (
        "  3 (9.38%) check-contact-attributes `check-tier` took `condition-1`: a different block"
        in out
    )
    assert "Connect next: (SetQueue) in inbound-support" in out


def test_to_scenario_turns_a_contact_into_a_passing_case(
    generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "proj"
    shutil.copytree(FLOWS, project, ignore=shutil.ignore_patterns("__goldens__"))
    target = project / "scenarios" / "incident.scenario.yaml"
    code = main(["replay", str(generated / "current.jsonl"), "--project", str(project),
                 "--to-scenario", str(target), "--contact", GOLD])  # fmt: skip
    assert code == 0
    assert "wrote 1 case(s)" in capsys.readouterr().out
    text = target.read_text(encoding="utf-8")
    assert f'"{GOLD}":' in text
    assert '"lambdas": {"customer-lookup": {"1": {"returns":' in text
    assert main(["run", "--scenario", str(target), "--case", GOLD]) == 0
    out = capsys.readouterr().out
    assert "outcome: queued in Premium" in out
    assert main(["test", str(project), "--update"]) == 0
    capsys.readouterr()
    assert (project / "scenarios" / "__goldens__").is_dir()
    assert main(["replay", str(generated / "current.jsonl"), "--project", str(project),
                 "--to-scenario", str(target), "--contact", "nope"]) == 2  # fmt: skip
    assert "no replayable contact with id nope" in capsys.readouterr().err


def test_unreadable_input_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:  # fmt: skip
    assert main(["replay", str(tmp_path / "missing.jsonl"), "--project", str(FLOWS)]) == 2
    assert "missing.jsonl: no such file or directory" in capsys.readouterr().err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["replay", str(empty), "--project", str(FLOWS)]) == 5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_being_opened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "logs.jsonl"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    assert main(["replay", str(fifo), "--project", str(FLOWS)]) == 2
    assert capsys.readouterr().err == (
        f"flowrt replay: {fifo}: it is a named pipe (FIFO), not a regular file\n"
    )


def test_mapping_table_is_documented() -> None:
    doc = (ROOT / "docs" / "replay.md").read_text(encoding="utf-8")
    for block, module in BLOCK_MODULES.items():
        row = re.search(rf"^\| `{re.escape(block)}` \| ([^|]+) \|", doc, re.M)
        assert row is not None, block
        shown = row.group(1).strip()
        assert shown.startswith("not logged") if module is None else shown == f"`{module}`"

"""Exact diagnostics for the errors users make most (issue 2's acceptance list).

Each runs the real command line (`flowrt.cli.main`), in a temporary project, and checks the
whole one-screen diagnostic: position, message, source line, caret and hint, with no traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowrt.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main
from flowrt.lang.loader import Limits
from flowrt.project import driver as project
from flowrt.project.driver import check_paths

INSTANCE = """\
instance: anycompany
queues:
  BasicQueue: {}
  Premium: {max-contacts: 10}
"""


@pytest.fixture
def tmp_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project directory with an instance, as the working directory."""
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def validate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["validate", *argv])
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "Traceback" not in out
    return code, out


def flow(blocks: str, start: str = "step") -> str:
    return f"flow: main\nstart: {start}\nblocks:\n{blocks}"


def check_one(capsys: pytest.CaptureFixture[str], name: str, expected: str, files: int = 1) -> None:
    """`flowrt validate NAME` prints exactly `expected` and the summary, and exits 1."""
    code, out = validate(capsys, name)
    assert code == EXIT_FINDINGS
    assert out == f"{expected}\n\n{files} file(s) checked: 1 error(s), 0 warning(s)\n"
    assert len(out.splitlines()) <= 10  # one screen


def test_misspelled_branch(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: transfer-to-queue\n"
            "    next: {sucess: done, at-capacity: done}\n"
            "  done:\n"
            "    type: end-flow\n"
        )
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:6:12: error[FR010]: block `step` (transfer-to-queue): unknown branch "
        "`sucess` (did you mean `success`?); the branches are success, at-capacity, error\n"
        " 6 |     next: {sucess: done, at-capacity: done}\n"
        "   |            ^^^^^^",
    )


def test_misspelled_key(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: play-prompt\n"
            "    txet: Hello\n"
            "    text: Hello\n"
            "    next: done\n"
            "  done:\n"
            "    type: end-flow\n"
        )
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:6:5: error[FR010]: block `step` (play-prompt): unknown key `txet` "
        "(did you mean `text`?)\n"
        " 6 |     txet: Hello\n"
        "   |     ^^^^\n"
        "  = hint: allowed keys here: type, id, description, next, text, ssml, prompt, media, "
        "speech-type, skip-when-typed-ahead",
    )


def test_wrong_type(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: transfer-to-phone-number\n"
            '    phone-number: "+18005550100"\n'
            "    timeout-seconds: [30]\n"
            "    next: done\n"
            "  done:\n"
            "    type: end-flow\n"
        )
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:7:22: error[FR011]: block `step` (transfer-to-phone-number): "
        "`timeout-seconds` must be a whole number of seconds, or a reference like "
        "`$.Attributes.name`, not a list\n"
        " 7 |     timeout-seconds: [30]\n"
        "   |                      ^^^^\n"
        "  = hint: Seconds to wait for an answer, 0-600, or a `$.` reference.",
    )


def test_unknown_block_target(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: play-prompt\n"
            "    text: Hello\n"
            "    next: {success: done, error: hangup}\n"
            "  done:\n"
            "    type: end-flow\n"
        )
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:7:34: error[FR020]: block `step` (play-prompt): branch `error` goes to "
        "unknown block `hangup`\n"
        " 7 |     next: {success: done, error: hangup}\n"
        "   |                                  ^^^^^^",
    )


def test_unknown_block_target_suggests(
    tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: play-prompt\n"
            "    text: Hello\n"
            "    next: {success: hang-up, error: hangup}\n"
            "  hang-up:\n"
            "    type: disconnect\n"
        )
    )
    code, out = validate(capsys, "main.flow.yaml")
    assert code == EXIT_FINDINGS
    assert out.splitlines()[0] == (
        "main.flow.yaml:7:37: error[FR020]: block `step` (play-prompt): branch `error` goes to "
        "unknown block `hangup` (did you mean `hang-up`?)"
    )


def test_unknown_queue(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: set-working-queue\n"
            "    queue: Premum\n"
            "    next: {success: done, error: done}\n"
            "  done:\n"
            "    type: end-flow\n"
        )
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:6:12: error[FR021]: block `step` (set-working-queue): unknown queue "
        "`Premum` (did you mean `Premium`?)\n"
        " 6 |     queue: Premum\n"
        "   |            ^^^^^^\n"
        "  = hint: queues are declared under `queues:` in instance.yaml",
    )


def test_over_long_dtmf(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digits = "1234567890" * 5 + "#"
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: transfer-to-phone-number\n"
            '    phone-number: "+18005550100"\n'
            f'    dtmf: "{digits}"\n'
            "    next: done\n"
            "  done:\n"
            "    type: end-flow\n"
        )
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:7:11: error[FR040]: block `step` (transfer-to-phone-number): `dtmf`: "
        "DTMF has 51 characters; at most 50 are sent\n"
        f' 7 |     dtmf: "{digits}"\n'
        f"   |           {'^' * 53}\n"
        "  = hint: Up to 50 DTMF characters (0-9 , * #) sent after the call connects.",
    )


def test_transfer_to_queue_success_unconnected(
    tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: transfer-to-queue\n"
            "    next: {at-capacity: hang-up, error: hang-up}\n"
            "  hang-up:\n"
            "    type: disconnect\n"
        )
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:6:11: error[FR031]: block `step` (transfer-to-queue): required branch "
        "`success` is not connected\n"
        " 6 |     next: {at-capacity: hang-up, error: hang-up}\n"
        "   |           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  = hint: Amazon Connect needs a block after Success, e.g. an end-flow block",
    )


def test_transfer_to_queue_without_next(
    tmp_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_project / "main.flow.yaml").write_text(flow("  step:\n    type: transfer-to-queue\n"))
    code, out = validate(capsys, "main.flow.yaml")
    assert code == EXIT_FINDINGS
    assert out.splitlines()[:3] == [
        "main.flow.yaml:5:11: error[FR031]: block `step` (transfer-to-queue): required branch "
        "`success` is not connected",
        " 5 |     type: transfer-to-queue",
        "   |           ^^^^^^^^^^^^^^^^^",
    ]


def test_duplicate_key(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: play-prompt\n"
            "    text: Hello\n"
            "    text: Goodbye\n"
            "    next: done\n"
            "  done:\n"
            "    type: end-flow\n"
        )
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:7:5: error[FR003]: duplicate key `text` (first defined on line 6)\n"
        " 7 |     text: Goodbye\n"
        "   |     ^^^^\n"
        "  = hint: YAML would silently keep only the last value; remove or rename one",
    )


def test_tab_indented_file(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        "flow: main\nstart: step\nblocks:\n  step:\n\ttype: end-flow\n"
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:5:1: error[FR002]: invalid YAML: a tab character is used for "
        "indentation\n"
        " 5 |  type: end-flow\n"
        "   | ^\n"
        "  = hint: YAML indentation must use spaces; replace the tabs with spaces",
    )


def test_truncated_file(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        'flow: main\nstart: step\nblocks:\n  step:\n    type: play-prompt\n    text: "Thanks for'
    )
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:6:11: error[FR002]: invalid YAML: this quoted text is never closed: "
        "the file ends first\n"
        ' 6 |     text: "Thanks for\n'
        "   |           ^\n"
        "  = hint: the file seems truncated, or a closing quote, bracket or brace is missing",
    )


def test_truncated_flow_mapping(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        "flow: main\nstart: step\nblocks:\n  step: {type: end-flow\n"
    )
    code, out = validate(capsys, "main.flow.yaml")
    assert code == EXIT_FINDINGS
    assert out.splitlines()[:3] == [
        "main.flow.yaml:4:9: error[FR002]: invalid YAML: this `{` is never closed: the file "
        "ends first",
        " 4 |   step: {type: end-flow",
        "   |         ^",
    ]


def test_empty_file(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text("")
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:1:1: error[FR004]: the document is empty\n"
        "  = hint: a flow file starts with `flow: <name>`; see `flowrt schema flow`",
    )


def test_binary_file(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x1b[2J")
    check_one(
        capsys,
        "main.flow.yaml",
        "main.flow.yaml:3:1: error[FR001]: this is a binary file, not YAML text (it contains a "
        "NUL byte)\n"
        # control characters are never echoed to the terminal
        " 3 | \ufffd\ufffd\ufffd\ufffdIHDR\ufffd[2J\n"
        "   | ^\n"
        "  = hint: flows, instances and scenarios are UTF-8 YAML text files",
    )


def test_not_utf8(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_bytes(b"flow: main\ndescription: caf\xe9\n")
    code, out = validate(capsys, "main.flow.yaml")
    assert code == EXIT_FINDINGS
    assert out.splitlines()[0] == (
        "main.flow.yaml:2:17: error[FR001]: file is not UTF-8 text (byte 0xe9 cannot be decoded)"
    )


def test_alias_bomb(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    (tmp_project / "lol.flow.yaml").write_text("\n".join(lines) + "\n")
    code, out = validate(capsys, "lol.flow.yaml")
    assert code == EXIT_FINDINGS
    first = out.splitlines()[0]
    # Reported where the aliases are used (line 6, a5), not where "lol" is defined.
    assert first == "lol.flow.yaml:6:5: error[FR007]: aliases expand to more than 100,000 nodes"
    assert "= hint: this looks like an alias bomb" in out
    assert len(out.splitlines()) <= 7


def test_document_too_large(tmp_project: Path) -> None:
    (tmp_project / "main.flow.yaml").write_text("flow: main\n" + "# padding\n" * 20)
    diags, _ = check_paths(["main.flow.yaml"], limits=Limits(max_bytes=100))
    assert [(d.code, d.message, str(d.span)) for d in diags] == [
        ("FR005", "file is 211 bytes; the limit is 100", "main.flow.yaml:1:1")
    ]


def test_too_many_blocks(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project, "MAX_BLOCKS", 3)
    blocks = "".join(f"  b{i}: {{type: end-flow}}\n" for i in range(4))
    (tmp_project / "main.flow.yaml").write_text(flow(blocks, start="b0"))
    diags, _ = check_paths(["main.flow.yaml"])
    assert [(d.code, d.message, str(d.span)) for d in diags] == [
        ("FR045", "4 blocks; flowrt reads at most 3 per flow", "main.flow.yaml:3:1")
    ]


def test_json_format(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        flow(
            "  step:\n"
            "    type: set-working-queue\n"
            "    queue: Premum\n"
            "    next: {success: done, error: done}\n"
            "  orphan:\n"
            "    type: end-flow\n"
            "  done:\n"
            "    type: end-flow\n"
        )
    )
    code, out = validate(capsys, "--format", "json", "main.flow.yaml")
    assert code == EXIT_FINDINGS
    data = json.loads(out)
    assert (data["format"], data["command"]) == ("flowrt/1", "validate")
    assert data["summary"] == {
        "files": 1,
        "errors": 1,
        "warnings": 1,
        "nothing-selected": None,
        "text": "1 file(s) checked: 1 error(s), 1 warning(s)",
    }
    assert data["diagnostics"] == [
        {
            "code": "FR021",
            "severity": "error",
            "message": "block `step` (set-working-queue): unknown queue `Premum` "
            "(did you mean `Premium`?)",
            "file": "main.flow.yaml",
            "line": 6,
            "column": 12,
            "end_line": 6,
            "end_column": 18,
            "hint": "queues are declared under `queues:` in instance.yaml",
        },
        {
            "code": "FR030",
            "severity": "warning",
            "message": "block `orphan` is never reached from `step`",
            "file": "main.flow.yaml",
            "line": 8,
            "column": 3,
            "end_line": 8,
            "end_column": 9,
            "hint": "connect it from another block, or delete it",
        },
    ]


def test_json_format_clean_project(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "main.flow.yaml").write_text(flow("  step:\n    type: end-flow\n"))
    code, out = validate(capsys, "--format", "json")
    assert (code, json.loads(out)["diagnostics"]) == (EXIT_OK, [])


def test_exit_codes(tmp_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_project / "ok.flow.yaml").write_text(flow("  step:\n    type: end-flow\n"))
    assert validate(capsys, "ok.flow.yaml") == (
        EXIT_OK,
        "1 file(s) checked: 0 error(s), 0 warning(s)\n",
    )
    # warnings alone do not fail
    (tmp_project / "warn.flow.yaml").write_text(
        "flow: warn\nstart: a\nblocks:\n  a: {type: end-flow}\n  b: {type: end-flow}\n"
    )
    code, out = validate(capsys, "warn.flow.yaml")
    assert (code, out.splitlines()[-1]) == (
        EXIT_OK,
        "1 file(s) checked: 0 error(s), 1 warning(s)",
    )
    (tmp_project / "bad.flow.yaml").write_text("flow: bad\n")
    assert validate(capsys, "bad.flow.yaml")[0] == EXIT_FINDINGS
    assert main(["validate", "--format", "xml"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        "flowrt validate: --format: `xml` is not one of text, json, sarif, github\n"
    )
    assert main([]) == EXIT_USAGE


def test_subprocess_python_m_flowrt(tmp_project: Path) -> None:
    (tmp_project / "main.flow.yaml").write_text(
        "flow: main\nstart: step\nblocks:\n  step:\n    type: play-prompt\n"
        "    text: Hello\n    next: {success: step, eror: step}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "flowrt", "validate", "main.flow.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_project,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert proc.returncode == EXIT_FINDINGS
    assert proc.stderr == ""
    assert proc.stdout == (
        "main.flow.yaml:7:27: error[FR010]: block `step` (play-prompt): unknown branch `eror` "
        "(did you mean `error`?); the branches are success, error\n"
        " 7 |     next: {success: step, eror: step}\n"
        "   |                           ^^^^\n"
        "\n"
        "1 file(s) checked: 1 error(s), 0 warning(s)\n"
    )

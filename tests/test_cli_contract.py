"""The command line's contract: one exit-code table, one JSON envelope, one-line value errors,
colour, shell completion, and `flowrt run` without FLOW.

The table (flowrt/cli/common.py, README.md, docs/ci.md): 0 ok, 1 findings, 2 usage, 5 nothing
selected, 130 interrupted; the same for every command.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from flowrt.cli import build_parser, main
from flowrt.cli.common import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_NOTHING,
    EXIT_OK,
    EXIT_USAGE,
    JSON_FORMAT,
    use_color,
)
from flowrt.cli.completion import script

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "flows"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "flows"
    shutil.copytree(EXAMPLES, root)
    monkeypatch.chdir(root)
    return root


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_exit_codes() -> None:
    assert (EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_NOTHING, EXIT_INTERRUPTED) == (0, 1, 2, 5, 130)


# ---------------------------------------------------------------------------------------------
# 2: a path that does not exist is a usage error for every command


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["validate", "nowhere"], "flowrt validate: no such file or directory: nowhere"),
        (["test", "nowhere"], "flowrt test: no such file or directory: nowhere"),
        (["run", "nowhere/"], "flowrt run: no such file or directory: nowhere/"),
        (
            ["run", "--scenario", "nowhere.scenario.yaml"],
            "flowrt run: no such file or directory: nowhere.scenario.yaml",
        ),
        (
            ["graph", "nowhere.flow.yaml"],
            "flowrt graph: no such file or directory: nowhere.flow.yaml",
        ),
        (["import", "nowhere.json"], "flowrt import: no such file or directory: nowhere.json"),
        (
            ["export", "nowhere.flow.yaml"],
            "flowrt export: no such file or directory: nowhere.flow.yaml",
        ),
    ],
)
def test_a_missing_path_exits_2_for_every_command(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], shown: str
) -> None:
    assert _cli(capsys, *argv) == (EXIT_USAGE, "", shown + "\n")


# ---------------------------------------------------------------------------------------------
# 5: nothing selected


def test_k_that_matches_nothing_exits_5_and_names_the_filter(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "test", "-k", "nomatch")
    assert (code, err) == (EXIT_NOTHING, "")
    assert out.splitlines() == [
        "-k `nomatch` selected none of the 99 case(s): a word matches part of a case id "
        "(file::case) or a scenario name",
        "0 passed, 0 failed",
    ]
    code, out, _ = _cli(capsys, "test", "-k", "nomatch", "--format", "json")
    summary = json.loads(out)["summary"]
    assert code == EXIT_NOTHING
    assert summary["nothing-selected"].startswith("-k `nomatch` selected none of the 99 case(s)")
    # what the filter matches still runs and passes
    assert _cli(capsys, "test", "-q", "-k", "gold-caller")[:2] == (EXIT_OK, "1 passed, 0 failed\n")


def test_a_project_without_cases_exits_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("scenarios"))
    monkeypatch.chdir(root)
    message = (
        "no scenario cases found in .: add a *.scenario.yaml file with cases "
        "(`flowrt init` writes an example)"
    )
    assert _cli(capsys, "test") == (EXIT_NOTHING, f"{message}\n0 passed, 0 failed\n", "")
    assert _cli(capsys, "run") == (EXIT_NOTHING, message + "\n", "")
    code, out, _ = _cli(capsys, "run", "--format", "json")
    assert (code, json.loads(out)["summary"]["nothing-selected"]) == (EXIT_NOTHING, message)
    # validating is not selecting cases: the flows are there
    assert _cli(capsys, "validate")[0] == EXIT_OK


def test_an_empty_directory_exits_5(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _cli(capsys, "validate") == (
        EXIT_NOTHING,
        "no flowrt files found in .: flowrt reads instance.yaml, *.flow.yaml and "
        "*.scenario.yaml files (`flowrt init` writes a project)\n"
        "0 file(s) checked: 0 error(s), 0 warning(s)\n",
        "",
    )
    assert _cli(capsys, "test")[0] == EXIT_NOTHING
    assert _cli(capsys, "export", ".") == (
        EXIT_NOTHING,
        "0 file(s) written\n",
        "flowrt export: no flows found in .: export reads *.flow.yaml files\n",
    )
    code, out, _ = _cli(capsys, "import", ".", "-o", "out")
    assert code == EXIT_NOTHING
    assert out.splitlines()[0].startswith("no flow files found in .: import reads")


# ---------------------------------------------------------------------------------------------
# 1: findings; `flowrt run` checks `expect:`


FAILING_EXPECT = """\
scenario: wrong
flow: inbound-support
contact: {customer-endpoint: "+15555550100", system-endpoint: "+18005550111"}
world:
  clock: "2026-11-23T09:00:00-05:00"
  lambdas: {customer-lookup: {"1": {returns: {tier: gold}}}}
  queues: {Premium: {agents: {online: 1, available: 1, staffed: 1}}}
cases:
  gold:
    expect: {outcome: {queued: BasicQueue}}
"""


def test_run_reports_a_failed_expect_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("scenarios"))
    (root / "wrong.scenario.yaml").write_text(FAILING_EXPECT)
    monkeypatch.chdir(root)
    code, out, _ = _cli(capsys, "run", "--format", "json")
    run = json.loads(out)["runs"][0]
    assert (code, run["ok"]) == (EXIT_FINDINGS, False)
    [failure] = run["failures"]  # the assertion that does not hold, where it is written
    assert failure.startswith("wrong.scenario.yaml:10:") and "BasicQueue" in failure
    assert _cli(capsys, "run", ".") == (
        EXIT_FINDINGS,
        "FAIL wrong.scenario.yaml::gold  queued in Premium\n"
        f"     {failure}\n"
        "1 case(s) run: 0 completed, 1 failed\n",
        "",
    )
    code, out, _ = _cli(capsys, "run", "--scenario", "wrong.scenario.yaml")
    assert code == EXIT_FINDINGS
    assert out.splitlines()[-3:] == ["expect: failed", f"  {failure}", ""]


# ---------------------------------------------------------------------------------------------
# `flowrt run --scenario F --case C` needs no FLOW; the flow a case ran is named


def test_run_scenario_case_without_flow(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = "scenarios/inbound-support.scenario.yaml"
    code, out, err = _cli(capsys, "run", "--scenario", scenario, "--case", "gold-caller")
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines()[0] == "== inbound support :: gold-caller (inbound-support)"
    assert (
        _cli(capsys, "run", "inbound-support", "--scenario", scenario, "--case", "gold-caller")[1]
        == out
    )
    # an email case names no flow: the address it is sent to chooses it
    email = "scenarios/email.scenario.yaml"
    code, out, _ = _cli(capsys, "run", "--scenario", email, "--case", "to-primary")
    assert code == EXIT_OK
    assert out.splitlines()[0] == "== email :: to-primary (inbound-email)"
    code, out, _ = _cli(capsys, "run", "--scenario", email, "--format", "json")
    flows = {r["case"]: r["flow"] for r in json.loads(out)["runs"]}
    assert (flows["to-primary"], flows["with-contact-flow-id"]) == ("inbound-email", "after-hours")
    assert _cli(capsys, "run", "--case", "gold-caller") == (
        EXIT_USAGE,
        "",
        "flowrt run: --case needs --scenario FILE (the scenario the case is in)\n",
    )


def test_email_goldens_name_the_flow_the_case_ran() -> None:
    goldens = sorted((EXAMPLES / "scenarios" / "__goldens__" / "email").glob("*.golden.yaml"))
    flows = {g.stem.removesuffix(".golden"): g.read_text().splitlines()[4] for g in goldens}
    assert len(flows) == 23
    assert flows.pop("with-contact-flow-id") == "flow: after-hours"
    assert set(flows.values()) == {"flow: inbound-email"}


# ---------------------------------------------------------------------------------------------
# one JSON envelope


@pytest.mark.parametrize(
    ("argv", "command", "payload"),
    [
        (["validate", "--format", "json"], "validate", {"diagnostics", "summary"}),
        (["test", "-k", "gold-caller", "--format", "json"], "test", {"cases", "summary"}),
        (["run", "--format", "json"], "run", {"diagnostics", "runs", "summary"}),
        (
            ["run", "after-hours", "--channel", "CHAT", "--format", "json"],
            "run",
            {"diagnostics", "runs", "summary"},
        ),
    ],
)
def test_every_json_output_has_the_envelope(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    command: str,
    payload: set[str],
) -> None:
    code, out, _ = _cli(capsys, *argv)
    data = json.loads(out)
    assert code == EXIT_OK
    assert isinstance(data, dict)
    assert (data["format"], data["command"]) == (JSON_FORMAT, command) == ("flowrt/1", command)
    assert payload <= set(data)


def test_import_json_has_the_envelope(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _cli(capsys, "export", "after-hours.flow.yaml", "-o", str(tmp_path / "x"))[0] == 0
    code, out, _ = _cli(
        capsys, "import", str(tmp_path / "x" / "after-hours.json"), "-o", str(tmp_path / "y"),
        "--format", "json",
    )  # fmt: skip
    data = json.loads(out)
    assert (code, data["format"], data["command"]) == (EXIT_OK, "flowrt/1", "import")
    assert data["summary"]["flows"] == 1 and data["summary"]["files-written"] == 2
    assert data["flows"][0]["flow"] == "after-hours"


# ---------------------------------------------------------------------------------------------
# 2: every value error is one line in flowrt's words


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["run", "after-hours", "--clock", "2026-11-24T10:00:00"],
            "flowrt run: --clock: `2026-11-24T10:00:00` has no UTC offset; add an offset, e.g. "
            "-05:00 (2026-11-24T10:00:00-05:00), or Z for UTC",
        ),
        (
            ["run", "after-hours", "--clock", "tomorrow"],
            "flowrt run: --clock: `tomorrow` is not a date and time; write YYYY-MM-DDTHH:MM[:SS] "
            "and a UTC offset, e.g. 2026-11-23T09:00-05:00",
        ),
        (
            ["run", "after-hours", "--clock", "2026-13-45T10:00Z"],
            "flowrt run: --clock: `2026-13-45T10:00Z` is not a date and time (month must be in "
            "1..12)",
        ),
        (
            ["run", "after-hours", "--max-steps", "many"],
            "flowrt run: --max-steps: `many` is not a whole number: give N from 1 to 1,000,000",
        ),
        (["test", "--max-steps", "0"], "flowrt test: --max-steps: must be from 1 to 1,000,000"),
        (
            ["test", "--fail-under", "ninety"],
            "flowrt test: --fail-under: `ninety` is not a number: give a percentage from 0 to "
            "100, e.g. 90",
        ),
        (["test", "--fail-under", "120"], "flowrt test: --fail-under: must be between 0 and 100"),
        (
            ["run", "after-hours", "--attr", "tier"],
            "flowrt run: --attr: `tier` is not KEY=VALUE; write e.g. --attr tier=gold",
        ),
        (
            ["run", "after-hours", "--attr", "my tier=gold"],
            "flowrt run: --attr: attribute key `my tier` may only hold letters, digits, `-` and "
            "`_`",
        ),
        (
            ["run", "after-hours", "--channel", "fax"],
            "flowrt run: --channel: `FAX` is not one of VOICE, CHAT, TASK, EMAIL",
        ),
        (
            ["validate", "--format", "jsn"],
            "flowrt validate: --format: `jsn` is not one of text, json, sarif, github (did you "
            "mean `json`?)",
        ),
        (
            ["graph", "after-hours", "--format", "svgz"],
            "flowrt graph: --format: `svgz` is not one of mermaid, dot, svg, png (did you mean "
            "`svg`?)",
        ),
        (
            ["export", ".", "--wrap", "cfn"],
            "flowrt export: --wrap: `cfn` is not one of cloudformation, terraform",
        ),
        (
            ["test", "--color", "yes"],
            "flowrt test: --color: `yes` is not one of auto, always, never",
        ),
        (
            ["tset"],
            "flowrt: unknown command `tset` (did you mean `test`?); the commands are test, "
            "validate, run, graph, explore, init, import, export, export-tests, schema, lsp, "
            "completion, replay (see `flowrt --help`)",
        ),
        (
            ["test", "--frobnicate"],
            "flowrt test: unknown option or extra argument: --frobnicate "
            "(see `flowrt test --help`)",
        ),  # fmt: skip
        (["completion"], "flowrt completion: missing SHELL (see `flowrt completion --help`)"),
        (["test", "-k"], "flowrt test: -k: needs a value"),
        (
            ["run", "--clock", "2026-11-24T10:00-05:00"],
            "flowrt run: the contact options (--clock) need a FLOW to run one contact through (a "
            "flow name or a *.flow.yaml file), not the directory .",
        ),
    ],
)
def test_value_errors_are_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert _cli(capsys, *argv) == (EXIT_USAGE, "", message + "\n")


def test_a_good_clock_is_used(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "run", "inbound-support", "--clock", "2026-11-24T10:00-05:00")
    assert code == EXIT_OK
    assert out.splitlines()[1].endswith(", clock 2026-11-24T10:00:00-05:00")


# ---------------------------------------------------------------------------------------------
# colour


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "mode", "tty", "expected"),
    [
        ({}, "auto", True, True),
        ({}, "auto", False, False),
        ({"CI": "false"}, "auto", True, True),  # CI=false does not turn colour off
        ({"CI": "0"}, "auto", True, True),
        ({"CI": "true"}, "auto", True, False),
        ({"NO_COLOR": "1"}, "auto", True, False),
        ({"NO_COLOR": ""}, "auto", True, True),  # set but empty: ignored (no-color.org)
        ({"FORCE_COLOR": "1"}, "auto", False, True),
        ({"FORCE_COLOR": "1", "CI": "true"}, "auto", False, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, "auto", False, False),
        ({"TERM": "dumb"}, "auto", True, False),
        ({"NO_COLOR": "1"}, "always", False, True),
        ({"FORCE_COLOR": "1"}, "never", True, False),
    ],
)
def test_use_color(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], mode: str, tty: bool, expected: bool
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "CI", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert use_color(_Tty() if tty else io.StringIO(), mode) is expected


def test_color_options_and_force_color_reach_the_output(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "CI"):
        monkeypatch.delenv(name, raising=False)
    (project / "bad.flow.yaml").write_text("flow: bad\nstart: a\nblocks:\n  a: {type: nope}\n")
    code, plain, _ = _cli(capsys, "validate")
    assert code == EXIT_FINDINGS and not ANSI.search(plain)
    for argv in (["validate", "--color", "always"], ["--color=always", "validate"]):
        code, out, _ = _cli(capsys, *argv)
        assert code == EXIT_FINDINGS and ANSI.search(out), argv
        assert ANSI.sub("", out) == plain
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI.search(_cli(capsys, "validate")[1])
    assert not ANSI.search(_cli(capsys, "validate", "--color", "never")[1])
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(_cli(capsys, "validate")[1])
    (project / "bad.flow.yaml").unlink()
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[32mPASS\x1b[0m" in _cli(capsys, "test", "-k", "gold-caller")[1]


# ---------------------------------------------------------------------------------------------
# shell completion


def _subcommands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices)


def test_bash_completion_names_every_subcommand_and_parses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, text, _ = _cli(capsys, "completion", "bash")
    assert code == EXIT_OK
    commands = _subcommands()
    assert {"test", "validate", "run", "graph", "init", "import", "export", "schema"} <= set(
        commands
    )
    listed = re.search(r'compgen -W "(test [^"]*)"', text)
    assert listed is not None and listed.group(1).split() == commands
    for command in commands:
        assert f"\n    {command})\n" in text, command
    path = tmp_path / "flowrt.bash"
    path.write_text(text)
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")


def _complete(text: str, tmp_path: Path, words: list[str]) -> list[str]:
    path = tmp_path / "flowrt.bash"
    path.write_text(text)
    line = " ".join(f"'{w}'" for w in words)
    program = (
        f"source {path}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _flowrt; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_bash_completion_completes(tmp_path: Path) -> None:
    text = script("bash", build_parser())
    assert _complete(text, tmp_path, ["flowrt", "te"]) == ["test"]
    assert _complete(text, tmp_path, ["flowrt", "--color", "never", "test", "--fo"]) == ["--format"]
    assert _complete(text, tmp_path, ["flowrt", "test", "--format", ""]) == [
        "text",
        "json",
        "sarif",
        "github",
    ]
    assert _complete(text, tmp_path, ["flowrt", "completion", ""]) == ["bash", "zsh", "fish"]
    assert _complete(text, tmp_path, ["flowrt", "run", "--channel", "C"]) == ["CHAT"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_completion_parse(shell: str, tmp_path: Path) -> None:
    text = script(shell, build_parser())
    for command in _subcommands():
        assert command in text, command
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed: the script's syntax is not checked")
    path = tmp_path / f"flowrt.{shell}"
    path.write_text(text)
    done = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")


# ---------------------------------------------------------------------------------------------
# the table is documented, the same everywhere


def test_the_exit_code_table_is_documented() -> None:
    rows = {
        "| 0 | ok",
        "| 1 | findings",
        "| 2 | usage",
        "| 5 | nothing selected",
        "| 130 | interrupted",
    }
    for doc in (ROOT / "README.md", ROOT / "docs" / "ci.md"):
        text = doc.read_text(encoding="utf-8")
        assert all(row in text for row in rows), doc
        assert '"format": "flowrt/1"' in text, doc

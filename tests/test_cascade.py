"""World entries that silently do nothing are warned about (issue 14, point 11).

A `world.external` number that no flow of the case dials (FR109), and a shared world's `input`
for a block that none of its cases' flows asks (FR110), used to change nothing and say nothing:
a mistyped number made a case take another path.  Each is a positioned warning with "did you
mean" where a close name exists.  The examples of docs/diagnostics.md are this output.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from flowrt.core.diagnostics import CODES, Severity, render_text
from flowrt.lang.instance import partial_instance
from flowrt.project.driver import check_paths

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "flows"

#: The examples of docs/diagnostics.md: a scenario next to the example project's flows.
FR109_SCENARIO = """scenario: overflow
flow: inbound-support
world:
  external: {"+18005550124": never-returns}
cases:
  busy: {}
"""
FR110_SCENARIO = """scenario: menus
world:
  input: {mneu: ["1"]}
cases:
  support: {flow: inbound-support}
  hold: {flow: customer-queue}
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("scenarios"))
    monkeypatch.chdir(root)
    return root


def found(root: Path, text: str) -> list[tuple[str, str, int, int, str]]:
    (root / "bad.scenario.yaml").write_text(text, encoding="utf-8")
    diags, _ = check_paths(["bad.scenario.yaml"])
    return [
        (d.code, d.severity.value, d.span.line, d.span.column, d.message)
        for d in diags
        if d.span is not None
    ]


def test_the_codes_are_warnings() -> None:
    assert CODES["FR109"].severity is Severity.WARNING
    assert CODES["FR110"].severity is Severity.WARNING


def test_a_number_no_flow_dials_is_a_warning_with_did_you_mean(project: Path) -> None:
    assert found(project, FR109_SCENARIO) == [
        (
            "FR109",
            "warning",
            4,
            14,
            "`+18005550124` is never dialled by the flows of this scenario's cases "
            "(did you mean `+18005550123`?): its outcome is never used",
        )
    ]


def test_a_case_world_number_is_checked_against_the_case_flows(project: Path) -> None:
    text = (
        "scenario: s\ncases:\n"
        "  hold:\n    flow: customer-queue\n"
        '    world: {external: {"+18005550123": answered}}\n'
        "  main:\n    flow: inbound-support\n"
        '    world: {external: {"+18005550123": timeout}}\n'
    )
    # customer-queue dials nothing; inbound-support (overflow) dials +18005550123
    assert found(project, text) == [
        (
            "FR109",
            "warning",
            5,
            24,
            "`+18005550123` is never dialled by the flows this case runs: "
            "its outcome is never used",
        )
    ]


def test_the_numbers_dialled_count_through_transfers(project: Path) -> None:
    # after-hours is reached from inbound-support by transfer-to-flow; a number dialled anywhere
    # on the way counts, so the example's own world says nothing
    assert found(project, FR109_SCENARIO.replace("+18005550124", "+18005550123")) == []


def test_a_flow_that_dials_a_number_it_reads_can_dial_any(project: Path) -> None:
    flow = project / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    flow.write_text(
        text.replace('phone-number: "+18005550123"', "phone-number: $.Attributes.pager"),
        encoding="utf-8",
    )
    assert found(project, FR109_SCENARIO) == []


def test_shared_input_no_case_asks_is_a_warning(project: Path) -> None:
    assert found(project, FR110_SCENARIO) == [
        (
            "FR110",
            "warning",
            3,
            11,
            "input for `mneu`, which never asks: no case of this scenario runs a "
            "get-customer-input block `mneu` (did you mean `menu`?)",
        )
    ]


def test_shared_input_one_case_asks_is_fine(project: Path) -> None:
    assert found(project, FR110_SCENARIO.replace("mneu", "menu")) == []


def test_shared_input_of_one_flow_stays_an_error(project: Path) -> None:
    text = "scenario: s\nflow: inbound-support\nworld:\n  input: {mneu: ['1']}\ncases:\n  a: {}\n"
    assert [f[:4] for f in found(project, text)] == [("FR102", "error", 4, 11)]


@pytest.mark.parametrize(
    ("code", "scenario"), [("FR109", FR109_SCENARIO), ("FR110", FR110_SCENARIO)]
)
def test_the_docs_examples_are_real_output(project: Path, code: str, scenario: str) -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    section = re.search(rf"^## {code}\n(.*?)(?=^## )", doc, re.M | re.S)
    assert section is not None
    shown = re.search(r"^```text\n(.*?)\n```", section.group(1), re.M | re.S)
    assert shown is not None
    (project / "bad.scenario.yaml").write_text(scenario, encoding="utf-8")
    diags, _ = check_paths(["bad.scenario.yaml"])
    assert render_text(diags) == shown.group(1)


def test_the_example_project_has_no_such_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    diags, _ = check_paths(["."])
    assert [d.code for d in diags] == []


# -- what is kept of an instance.yaml that does not validate -------------------------------


def test_partial_instance_keeps_the_entries_that_validate() -> None:
    inst, gaps = partial_instance(
        {
            "instance": "x",
            "queues": {"A": {}, "B": {"max-contacts": "ten"}},
            "users": {"u": {"id": "1"}},  # no security-profile
            "colour": 1,
        }
    )
    assert inst is not None
    assert list(inst.queues) == ["A"]
    assert inst.users == {}
    assert gaps.entries == {"queues": {"B": {"max-contacts": "ten"}}, "users": {"u": {"id": "1"}}}
    assert gaps.open == {"colour"}
    assert gaps.unsure("queues", "B") and not gaps.unsure("queues", "C")
    assert gaps.unsure("users", "1")  # a user is named by its ID too
    assert not gaps.unread


def test_partial_instance_of_a_section_that_is_not_a_mapping() -> None:
    inst, gaps = partial_instance({"instance": "x", "queues": 5})
    assert inst is not None and inst.queues == {}
    assert gaps.unsure("queues", "anything")


def test_partial_instance_of_no_mapping_at_all() -> None:
    inst, gaps = partial_instance(["not", "a", "mapping"])
    assert inst is None and gaps.unread and gaps.unsure("queues", "A")

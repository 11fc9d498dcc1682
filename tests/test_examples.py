"""The example project flows/: clean, complete and editor-ready."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowrt.core.diagnostics import render_text
from flowrt.lang.blocks import BLOCKS
from flowrt.lang.compiler import Program
from flowrt.project.driver import check_paths, load_project

ROOT = Path(__file__).parent.parent
FLOWS = ROOT / "flows"
FLOW_MODELINE = "# yaml-language-server: $schema=../schemas/flow.schema.json"
INSTANCE_MODELINE = "# yaml-language-server: $schema=../schemas/instance.schema.json"


@pytest.fixture(scope="module")
def program() -> Program:
    return load_project(FLOWS).compile()


def test_examples_have_no_errors_and_no_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    diags, files = check_paths(["flows"])
    assert diags == [], render_text(diags)
    assert files >= 9


def test_examples_use_every_block_type_and_every_branch(program: Program) -> None:
    # The behaviour blocks (flowrt.lang.blocks.settings, .flow_control) are used by the project
    # tests/data/settings-project, beside the example project.
    settings = load_project(ROOT / "tests" / "data" / "settings-project").compile()
    flows = [*program.flows.values(), *settings.flows.values()]
    connected: dict[str, set[str]] = {name: set() for name in BLOCKS}
    for flow in flows:
        for node in flow.nodes:
            connected[node.type] |= {b for b, t in node.targets.items() if t is not None}
    unused = sorted(
        name
        for name in BLOCKS
        if not any(node.type == name for flow in flows for node in flow.nodes)
    )
    assert unused == []
    missing = {
        name: sorted(set(cls.BRANCHES) - connected[name])
        for name, cls in BLOCKS.items()
        if set(cls.BRANCHES) - connected[name]
    }
    assert missing == {}
    # connect-action has no fixed branches: the examples keep a Connect ErrorType as a branch.
    assert "NoMatchingError" in connected["connect-action"]


def test_examples_cover_the_main_flow_types(program: Program) -> None:
    types = {flow.type for flow in program.flows.values()}
    wanted = {
        "contact",
        "customer-queue",
        "agent-transfer",
        "queue-transfer",
        "agent-whisper",
        "outbound-email",
        "module",
    }
    assert wanted <= types


def test_example_files_start_with_the_schema_modeline() -> None:
    flows = sorted(FLOWS.glob("*.flow.yaml"))
    assert len(flows) >= 8
    for path in flows:
        assert path.read_text(encoding="utf-8").splitlines()[0] == FLOW_MODELINE, path.name
    first = (FLOWS / "instance.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == INSTANCE_MODELINE


def test_example_instance_shows_the_seed_rules(program: Program) -> None:
    inst = program.instance
    assert inst is not None
    assert {qc.type for qc in inst.quick_connects.values()} == {"external", "agent", "queue"}
    assert all(qc.description for qc in inst.quick_connects.values())
    assert inst.email_addresses["support@anycompany.example"].alias == "help@anycompany.example"
    basic = inst.queues["BasicQueue"].email_addresses
    assert basic is not None
    assert basic.all() == ["support@anycompany.example", "support@anybrand.example"]


def test_example_readme_describes_every_flow() -> None:
    readme = (FLOWS / "README.md").read_text(encoding="utf-8")
    for path in sorted(FLOWS.glob("*.flow.yaml")):
        assert f"`{path.name}`" in readme, path.name

"""The language server's pieces in process: the cursor's context read from text, completion in
instance and scenario files, the name index of the example project."""

from __future__ import annotations

from pathlib import Path

from flowrt.lsp.completion import block_names_in, complete
from flowrt.lsp.context import ITEM, cursor_at
from flowrt.lsp.index import Index, build_index
from flowrt.project.driver import check_project

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"


def _at(text: str, marker: str = "|") -> tuple[str, int, int]:
    i = text.index(marker)
    clean = text.replace(marker, "", 1)
    line = clean.count("\n", 0, i)
    return clean, line, i - (clean.rfind("\n", 0, i) + 1)


def test_cursor_in_a_flow_mapping_of_next() -> None:
    text, line, col = _at(
        "blocks:\n  a:\n    type: play-prompt\n    next: {success: b, error: x|\n"
    )
    c = cursor_at(text, line, col)
    assert (c.path, c.key, c.prefix) == (["blocks", "a", "next"], "error", "x")


def test_cursor_in_a_list_item() -> None:
    text, line, col = _at("blocks:\n  a:\n    conditions:\n      - equals: '1'\n        next: m|\n")
    c = cursor_at(text, line, col)
    assert (c.path, c.key, c.prefix) == (["blocks", "a", "conditions", ITEM], "next", "m")


def test_cursor_on_a_new_key() -> None:
    text, line, col = _at("cases:\n  one:\n    expect:\n      vis|\n")
    c = cursor_at(text, line, col)
    assert (c.path, c.key, c.prefix, c.start) == (["cases", "one", "expect"], None, "vis", 6)


def test_a_huge_line_is_no_context() -> None:
    text = "blocks:\n  a:\n    text: " + "x" * 100_000 + "\n"
    c = cursor_at(text, 2, 50_000)
    assert (c.path, c.key, c.prefix) == ([], None, "")


def test_block_names_of_text_being_typed() -> None:
    text = "flow: f\nblocks:\n  a:\n    type: x\n  'b c':\n    next: [\n  d: {type: end-flow}\n"
    assert block_names_in(text) == ["a", "b c", "d"]


def _index() -> Index:
    return build_index(check_project(FLOWS))


def test_completion_of_instance_names() -> None:
    index = _index()
    text, line, col = _at("queues:\n  New:\n    hours: |\n")
    labels = [i.label for i in complete(FLOWS / "instance.yaml", text, line, col, index)]
    assert labels == index.names("hours") and labels
    text, line, col = _at("routing-profiles:\n  P:\n    queues:\n      - |\n")
    labels = [i.label for i in complete(FLOWS / "instance.yaml", text, line, col, index)]
    assert labels == index.names("queue") and "Premium" in labels


def test_completion_in_scenarios() -> None:
    index = _index()
    path = FLOWS / "scenarios" / "x.scenario.yaml"
    text, line, col = _at("flow: inbound-support\ncases:\n  c:\n    expect:\n      first: |\n")
    labels = [i.label for i in complete(path, text, line, col, index)]
    assert labels == index.names("block", "inbound-support") and "greet" in labels
    text, line, col = _at("cases:\n  c:\n    world:\n      queues:\n        |\n")
    assert [i.label for i in complete(path, text, line, col, index)] == index.names("queue")
    text, line, col = _at("cases:\n  c:\n    expect:\n      outcome: |\n")
    assert [i.label for i in complete(path, text, line, col, index)] == [
        "queued",
        "transferred-to-number",
        "disconnected",
        "ended",
        "error",
        "step-limit",
    ]
    text, line, col = _at("flow: |\n")
    labels = [i.label for i in complete(path, text, line, col, index)]
    assert labels == index.names("flow") and "after-hours" in labels


def test_completion_of_case_names_from_goldens() -> None:
    path = FLOWS / "scenarios" / "inbound-support.scenario.yaml"
    goldens = sorted(
        f.name.removesuffix(".golden.yaml")
        for f in (FLOWS / "scenarios" / "__goldens__" / "inbound-support").iterdir()
    )
    assert "gold-caller" in goldens and "after-hours" in goldens
    # A file that lost every case but gold-caller is offered the others back, and only them.
    text, line, col = _at("flow: inbound-support\ncases:\n  gold-caller:\n    contact: {}\n  |\n")
    items = complete(path, text, line, col, _index())
    assert [i.label for i in items] == [g for g in goldens if g != "gold-caller"]
    assert {i.detail for i in items} == {"case with a golden file and no case"}
    # A scenario without goldens has no case names to offer.
    text, line, col = _at("cases:\n  |\n")
    assert complete(FLOWS / "scenarios" / "new.scenario.yaml", text, line, col, _index()) == []


def test_the_index_of_the_example_project() -> None:
    index = _index()
    queue = index.definition(("queue", "", "Premium"))
    assert queue is not None and Path(queue.file).name == "instance.yaml"
    users = {Path(s.file).name for s in index.references(("queue", "", "Premium"))}
    assert users >= {"instance.yaml", "inbound-support.flow.yaml", "inbound-support.scenario.yaml"}

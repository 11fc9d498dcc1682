"""Counting a flow's blocks from its lines (flowrt.lang.line_count, FR045 before parsing): the
same answer as the parser's count whenever it answers, `UNSURE` for every text whose lines do not
show its structure, and a bounded cost on an 8 MB flow."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pytest

from flowrt.lang.line_count import UNSURE, lines_over
from flowrt.lang.loader import entries_over
from flowrt.project import driver

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from gen import flow_text  # noqa: E402

HEAD = "flow: x\ntype: contact\nstart: a\nblocks:\n"

PLAIN = [
    HEAD + "  a: {type: play-prompt, text: 'hi, #1', next: b}\n  b:\n    type: disconnect\n",
    HEAD + "  a:\n    type: check\n    conditions:\n      - equals: gold\n        next: b\n"
    '      - {equals: "x: y", next: b}\n  b: {type: disconnect}  # the end\n',
    HEAD + '  # a comment\n\n  a: {type: x}\n  b: [1, 2]\n  c: "a \\" quote"\n',
    "# yaml-language-server: $schema=x\n" + HEAD + "  a: 1\n  b: 2\n  c: 3\nother: 1\n",
    HEAD + "  a:\n    text: a plain\n      text over lines\n  b: 2\n  c: 3\n",
    HEAD + "  a: $.Attributes.x\n  b: http://example.com/a:b\n  c: -5\n  d: it's\n",
]

NOT_PLAIN = [
    HEAD + "  a:\n    text: |\n      several\n  b: 1\n  c: 2\n  d: 3\n",
    HEAD + "  a:\n    text: >-\n      folded\n  b: 1\n  c: 2\n  d: 3\n",
    HEAD + '  a:\n    text: "over\n  b: lines"\n  b: 1\n  c: 2\n  d: 3\n',
    HEAD + "  a: {type: x,\n  b: 1}\n  b: 1\n  c: 2\n  d: 3\n",
    "---\n" + HEAD + "  a: 1\n  b: 2\n  c: 3\n  d: 4\n",
    HEAD + "  a: 1\r\n  b: 2\r\n  c: 3\r\n  d: 4\r\n",
    HEAD + "  a: 1\n  - b\n  c: 3\n  d: 4\n",
    HEAD + "  a: 1\n    b: 2\n c: 3\n  d: 4\n",
    "flow: x\nblocks: {a: 1, b: 2, c: 3, d: 4}\n",
    # The whole document in flow style, or JSON: the key is within a line.
    "{flow: x, blocks: {a: 1, b: 2, c: 3, d: 4}}\n",
    '{"flow": "x",\n "blocks": {"a": 1, "b": 2, "c": 3, "d": 4}}\n',
]


@pytest.mark.parametrize("text", PLAIN)
def test_a_plain_text_is_counted_as_the_parser_counts_it(text: str) -> None:
    for limit in range(6):
        assert lines_over(text, "blocks", limit) == entries_over(text, "blocks", limit), limit
    assert lines_over(text, "blocks", 1) == (
        4 + text.startswith("#"),
        1,
        4 + text.startswith("#"),
        7,
    )


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_a_text_whose_lines_do_not_show_its_structure_is_unsure(text: str) -> None:
    assert lines_over(text, "blocks", 2) == UNSURE


def test_a_line_that_ends_the_mapping_early_leaves_it_to_the_parser() -> None:
    """A tab where the next entry would be: never a refusal the parser would not give (the
    regular load then reports the tab)."""
    text = HEAD + "  a: 1\n  b: 2\n\tc: 3\n  d: 4\n"
    assert lines_over(text, "blocks", 2) is None
    assert entries_over(text, "blocks", 2) is None


def test_within_the_limit_or_without_the_key_is_none() -> None:
    assert lines_over(HEAD + "  a: 1\n  b: 2\nother: 3\n", "blocks", 2) is None
    assert lines_over(HEAD + "  a: 1\n  b: 2\n", "blocks", 2) is None
    assert lines_over("flow: x\ntype: contact\n", "blocks", 0) is None
    assert lines_over(HEAD + "other: 1\n", "blocks", 0) is None  # `blocks:` empty


@pytest.mark.parametrize("blocks", [19_998, 19_999, 20_000, 25_000])
def test_generated_flows_are_counted_exactly_at_the_limit(blocks: int) -> None:
    text = flow_text("big", blocks)  # `blocks` blocks and a last one, `done`
    expected = (4, 1, 4, 7) if blocks + 1 > 20_000 else None
    assert lines_over(text, "blocks", 20_000) == expected
    assert entries_over(text, "blocks", 20_000) == expected


def test_the_8_mb_flow_is_counted_fast_and_in_little_memory(tmp_path: Path) -> None:
    text = flow_text("big", 50_000)
    assert len(text) > 7_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    assert lines_over(text, "blocks", 20_000) == (4, 1, 4, 7)
    lines = time.perf_counter() - start
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    start = time.perf_counter()
    assert entries_over(text, "blocks", 20_000) == (4, 1, 4, 7)
    events = time.perf_counter() - start
    # Side by side in one process: the lines are read faster than the parser gives its events,
    # and the regular expressions keep no mark per line (that was 100 MB for 3 MB at once).
    assert lines < events
    assert grown_mb < 20


#: FR045 as the count before building gives it (after building it says "N blocks").
_REFUSED_EARLY = ("FR045", "more than 20,000 blocks; flowrt reads at most 20,000 per flow")


def _checked(tmp_path: Path, text: str) -> list[tuple[str, str, tuple[int, int] | None]]:
    """The diagnostics of a project of `text` as its one flow: code, message, line and column."""
    big = tmp_path / "big.flow.yaml"
    big.write_text(text, encoding="utf-8")
    diags, _ = driver.check_paths([str(big)])
    return [(d.code, d.message, d.span and (d.span.line, d.span.column)) for d in diags]


def test_an_unsure_large_flow_is_still_refused_by_the_parsers_count(tmp_path: Path) -> None:
    """A 2 MiB+ flow with a block scalar: the lines cannot tell, the parser's count refuses it."""
    (tmp_path / "instance.yaml").write_text("instance: t\n", encoding="utf-8")
    body = "".join(
        f"  b{i}:\n    type: play-prompt\n    text: |\n      {'x' * 60}\n" for i in range(20_001)
    )
    text = "flow: big\ntype: contact\nstart: b0\nblocks:\n" + body
    assert len(text) > driver.EARLY_COUNT_BYTES
    assert lines_over(text, "blocks", 20_000) == UNSURE
    assert _checked(tmp_path, text) == [_REFUSED_EARLY + ((4, 1),)]


def test_never_a_position_the_parser_would_not_give_on_the_corpus() -> None:
    """Every flow, scenario and instance of the example project and of the corpus cases (valid
    and invalid ones: broken YAML, tabs, odd line breaks, anchors, block scalars)."""
    files = sorted(ROOT.glob("flows/**/*.yaml")) + sorted(ROOT.glob("tests/cases/**/*.yaml"))
    assert len(files) > 100
    sure = 0
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
        for key in ("blocks", "cases", "queues"):
            for limit in (0, 1, 3):
                counted = lines_over(text, key, limit)
                if counted == UNSURE:
                    continue
                sure += 1
                if counted is not None:
                    assert counted == entries_over(text, key, limit), (path, key, limit)
    assert sure > 500


def test_a_large_flow_in_flow_style_is_refused_before_it_is_built(tmp_path: Path) -> None:
    """A flow written on one line (`{flow: big, blocks: {...}}`) has its `blocks` key within the
    line: the parser's count refuses it early (FR045 "more than 20,000 blocks"), instead of the
    whole flow being built first (2.8 s and 360 MB for 7.7 MB, then "110,001 blocks")."""
    (tmp_path / "instance.yaml").write_text("instance: t\n", encoding="utf-8")
    blocks = ", ".join(
        f"b{i}: {{type: play-prompt, text: 'hi {i}', next: done}}" for i in range(40_000)
    )
    text = "{flow: big, start: b0, blocks: {" + blocks + ", done: {type: disconnect}}}\n"
    assert len(text) > driver.EARLY_COUNT_BYTES and text.count("\n") == 1
    assert lines_over(text, "blocks", 20_000) == UNSURE
    assert _checked(tmp_path, text) == [_REFUSED_EARLY + ((1, 24),)]

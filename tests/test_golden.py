"""Golden files: deterministic rendering that round-trips, paths, parsing errors, what moved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.lang.loader import load_text
from flowrt.project.driver import load_project
from flowrt.testing.golden import (
    GoldenError,
    dump,
    file_stem,
    golden_data,
    golden_path,
    parse_golden,
    render_golden,
    scalar,
    what_moved,
    write_atomic,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "flows"

_keys = st.text(
    st.characters(codec="utf-8", categories=("L", "N"), include_characters="-_."),
    min_size=1,
    max_size=12,
)
_scalars = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.none(),
    st.sampled_from(
        ["true", "no", "null", "~", "1.5", "-", "? x", "a: b", "#c", " x", "x ", "'q'"]
    ),
)
_data = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(_keys, _data, min_size=1, max_size=5))
def test_dump_round_trips_through_the_loader(data: dict[str, Any]) -> None:
    text = dump(data)
    assert dump(data) == text  # deterministic
    assert load_text(text, "g.yaml").data == data


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("queued in Premium", "queued in Premium"),
        ("true", "'true'"),
        ("No", "'No'"),
        ("10", "'10'"),
        ("a: b", "'a: b'"),
        ('$.Channel is "VOICE"', "'$.Channel is \"VOICE\"'"),
        ("it's", "it's"),
        ("'q'", "'''q'''"),
        ("line\nbreak", '"line\\nbreak"'),
        ("sep\u2028", '"sep\\u2028"'),
        ("", "''"),
        (None, "null"),
        (3, "3"),
        (False, "false"),
    ],
)
def test_scalars(value: object, text: str) -> None:
    assert scalar(value) == text


def test_golden_of_a_real_run_round_trips_and_is_stable() -> None:
    program = load_project(EXAMPLES).compile()
    contact = {"attributes": {"tier": "gold"}, "system-endpoint": "+18005550111"}
    world = {"clock": "2026-11-23T09:00:00-05:00"}
    first = render_golden(program.run(contact, world), source="s.scenario.yaml", case="c")
    again = render_golden(program.run(contact, world), source="s.scenario.yaml", case="c")
    assert first == again
    assert first.startswith("# flowrt golden of s.scenario.yaml::c\n")
    data = parse_golden(first, "g.yaml")
    assert data == golden_data(program.run(contact, world), case="c")
    assert "/work" not in first and "\r" not in first


def test_golden_paths(tmp_path: Path) -> None:
    scenario = tmp_path / "scenarios" / "main.scenario.yaml"
    assert golden_path(scenario, "gold-caller") == (
        tmp_path / "scenarios" / "__goldens__" / "main" / "gold-caller.golden.yaml"
    )
    assert file_stem("gold caller/9am") == "gold-caller-9am-" + file_stem("gold caller/9am")[-8:]
    assert file_stem("..") != ".."


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.golden.yaml"
    write_atomic(target, "x: 1\n")
    write_atomic(target, "x: 2\n")
    assert target.read_bytes() == b"x: 2\n"
    assert [p.name for p in target.parent.iterdir()] == ["b.golden.yaml"]


@pytest.mark.parametrize(
    ("text", "code", "line", "message"),
    [
        ("outcome: [\n", "FR002", 1, None),
        ("- 1\n", "FR310", 1, "not a flowrt golden: the file must be a mapping"),
        (
            "outcome: {kind: x}\nsteps: []\n",
            "FR310",
            1,
            "not a flowrt golden: `outcome` must be a mapping with a `summary`",
        ),
        (
            "outcome: {summary: x}\nsteps:\n  - {block: a}\n  - nope\n",
            "FR310",
            4,
            "not a flowrt golden: step 2 must be a mapping with a `block`",
        ),
    ],
)
def test_malformed_goldens_get_positioned_diagnostics(
    text: str, code: str, line: int, message: str | None
) -> None:
    with pytest.raises(GoldenError) as info:
        parse_golden(text, "x.golden.yaml")
    d = info.value.diagnostic
    assert (d.code, d.span.line if d.span else 0) == (code, line)
    assert d.span is not None and d.span.file == "x.golden.yaml"
    if message:
        assert d.message.startswith(message)


def _step(block: str, branch: str | None, nxt: str | None = None, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"flow": "f", "block": block, "type": "t"}
    if branch:
        out["branch"] = branch
    out.update(more)
    if nxt:
        out["next"] = nxt
    return out


def test_what_moved() -> None:
    before = {
        "outcome": {"summary": "queued in Premium"},
        "steps": [_step("a", "success", "b"), _step("b", "condition-1", "c", condition="equals x")],
    }
    branch = {
        "outcome": {"summary": "disconnected"},
        "steps": [_step("a", "success", "b"), _step("b", "no-match", "d")],
    }
    assert what_moved(before, branch) == [
        "step 2: block `b` took branch `no-match` (to `d`) instead of `condition-1` "
        "[equals x] (to `c`)",
        "outcome changed from `queued in Premium` to `disconnected`",
    ]
    target = {"outcome": before["outcome"], "steps": [_step("a", "success", "z")]}
    assert what_moved(before, target) == [
        "step 1: block `a` branch `success` now goes to `z` instead of `b`"
    ]
    shorter = {"outcome": before["outcome"], "steps": before["steps"][:1]}
    assert what_moved(before, shorter) == ["the run has 1 steps instead of 2"]
    facts = {
        "outcome": before["outcome"],
        "steps": [_step("a", "success", "b", facts=["x"]), before["steps"][1]],
    }
    assert what_moved(before, facts) == ["step 1: block `a`: what it did changed (facts)"]


def test_golden_steps_are_the_trace_steps() -> None:
    """The golden reads the trace records directly (faster); it must say what Trace.steps says."""
    from flowrt.scenario.model import cases_of

    project = load_project(EXAMPLES)
    program = project.compile()
    for _, sf in project.scenarios:
        for case in cases_of(sf):
            result = program.run(case.contact, case.world, flow=case.flow)
            expected = []
            for one in result.trace.steps():
                step = {"flow": one["flow"], "block": one["block"], "type": one["type"]}
                step.update({k: one[k] for k in ("branch", "condition", "next") if one.get(k)})
                if one["facts"]:
                    step["facts"] = [f["text"] for f in one["facts"]]
                if one["missing"]:
                    step["missing"] = one["missing"]
                expected.append(step)
            assert golden_data(result)["steps"] == expected, case.case

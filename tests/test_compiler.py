"""The compiler's graph checks: exact messages, and properties over generated flows."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.core.diagnostics import Diagnostic
from flowrt.project.driver import check_paths, load_project

INSTANCE = """\
instance: t
queues: {BasicQueue: {max-contacts: 2}}
users:
  ann: {id: u-1, security-profile: Agent}
  bob: {id: u-2, security-profile: Viewer}
security-profiles: {Agent: {permissions: [ccp]}, Viewer: {permissions: []}}
phone-numbers: {"+18005550111": {}}
"""


def _check(tmp_path: Path, flow: str, instance: str = INSTANCE) -> list[Diagnostic]:
    (tmp_path / "instance.yaml").write_text(instance, encoding="utf-8")
    (tmp_path / "x.flow.yaml").write_text(flow, encoding="utf-8")
    diags, _ = check_paths([str(tmp_path)])
    return diags


def _codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def test_unknown_target_with_suggestion(tmp_path: Path) -> None:
    diags = _check(
        tmp_path,
        "flow: x\nstart: a\nblocks:\n  a: {type: play-prompt, text: hi, next: fnish}\n"
        "  finish: {type: end-flow}\n",
    )
    [d] = [d for d in diags if d.code == "FR020"]
    assert d.message == (
        "block `a` (play-prompt): branch `success` goes to unknown block `fnish` "
        "(did you mean `finish`?)"
    )
    assert (d.span.line, d.span.column) == (4, 42)  # type: ignore[union-attr]


def test_required_success_branch(tmp_path: Path) -> None:
    diags = _check(
        tmp_path,
        "flow: x\nstart: q\nblocks:\n  q:\n    type: transfer-to-queue\n"
        "    next: {at-capacity: done}\n  done: {type: disconnect}\n",
    )
    [d] = [d for d in diags if d.code == "FR031"]
    assert d.message == "block `q` (transfer-to-queue): required branch `success` is not connected"
    assert d.span is not None and d.span.line == 6  # the `next:` mapping that lacks it
    assert d.hint and "Amazon Connect needs a block after Success" in d.hint


def test_unreachable_block_is_a_warning(tmp_path: Path) -> None:
    diags = _check(
        tmp_path, "flow: x\nstart: a\nblocks:\n  a: {type: end-flow}\n  b: {type: end-flow}\n"
    )
    [d] = diags
    assert (d.code, d.severity.value, d.message) == (
        "FR030",
        "warning",
        "block `b` is never reached from `a`",
    )


def test_cycle_with_no_way_out(tmp_path: Path) -> None:
    flow = (
        "flow: x\nstart: a\nblocks:\n"
        "  a: {type: play-prompt, text: one, next: {success: b, error: b}}\n"
        "  b: {type: play-prompt, text: two, next: {success: a, error: a}}\n"
    )
    [d] = [d for d in _check(tmp_path, flow) if d.code == "FR032"]
    assert d.message == "blocks `a` -> `b` form a cycle with no way out"


def test_cycle_with_an_exit_is_fine(tmp_path: Path) -> None:
    flow = (
        "flow: x\nstart: a\nblocks:\n"
        "  a: {type: play-prompt, text: one, next: {success: b, error: out}}\n"
        "  b: {type: play-prompt, text: two, next: {success: a, error: a}}\n"
        "  out: {type: disconnect}\n"
    )
    assert "FR032" not in _codes(_check(tmp_path, flow))


def test_block_not_allowed_in_flow_type(tmp_path: Path) -> None:
    flow = "flow: x\ntype: agent-whisper\nstart: a\nblocks:\n  a: {type: disconnect}\n"
    [d] = [d for d in _check(tmp_path, flow) if d.code == "FR033"]
    assert d.message == "block `a` (disconnect): disconnect is not allowed in an agent-whisper flow"


def test_unknown_queue_and_agent_without_ccp(tmp_path: Path) -> None:
    flow = (
        "flow: x\nstart: a\nblocks:\n"
        "  a: {type: set-working-queue, queue: BasicQeue, next: {success: b, error: b}}\n"
        "  b: {type: set-working-queue, agent: u-2, next: {success: c, error: c}}\n"
        "  c: {type: end-flow}\n"
    )
    diags = _check(tmp_path, flow)
    [q] = [d for d in diags if d.code == "FR021"]
    assert q.message.endswith("unknown queue `BasicQeue` (did you mean `BasicQueue`?)")
    [w] = [d for d in diags if d.code == "FR061"]
    assert w.severity.value == "warning" and "`bob` has no CCP permission" in w.message


def test_expression_error_points_inside_the_scalar(tmp_path: Path) -> None:
    flow = (
        "flow: x\nstart: a\nblocks:\n  a:\n    type: check-contact-attributes\n"
        '    conditions:\n      - when: "$.Attributes.x === 1"\n        next: b\n'
        "  b: {type: end-flow}\n"
    )
    [d] = [d for d in _check(tmp_path, flow) if d.code == "FR050"]
    assert d.span is not None and d.span.line == 7
    # the quote opens at column 15; the extra `=` is the 18th character of the expression
    assert d.span.column == 15 + 1 + 17


def test_phone_transfer_branches_need_resume(tmp_path: Path) -> None:
    flow = (
        "flow: x\nstart: a\nblocks:\n  a:\n    type: transfer-to-phone-number\n"
        '    phone-number: "+18005550100"\n    next: {success: b, error: b}\n'
        "  b: {type: end-flow}\n"
    )
    [d] = [d for d in _check(tmp_path, flow) if d.code == "FR034"]
    assert "only taken with `resume-after-disconnect: true`" in d.message


def test_timeout_out_of_range(tmp_path: Path) -> None:
    flow = (
        "flow: x\nstart: a\nblocks:\n  a:\n    type: transfer-to-phone-number\n"
        '    phone-number: "+18005550100"\n    timeout-seconds: 601\n    next: b\n'
        "  b: {type: end-flow}\n"
    )
    [d] = [d for d in _check(tmp_path, flow) if d.code == "FR041"]
    assert "601" in d.message and (d.span.line, d.span.column) == (7, 22)  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------
# properties over generated flows

_SIMPLE = {
    "play-prompt": ("success", "error"),
    "set-working-queue": ("success", "error"),
    "check-staffing": ("true", "false", "error"),
    "end-flow": (),
    "disconnect": (),
}


@st.composite
def _flows(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 12))
    names = [f"b{i}" for i in range(n)]
    targets = st.sampled_from([*names, "nowhere"])
    blocks: dict[str, Any] = {}
    for name in names:
        btype = draw(st.sampled_from(sorted(_SIMPLE)))
        block: dict[str, Any] = {"type": btype}
        if btype == "play-prompt":
            block["text"] = "hello $.Attributes.name"
        if btype == "set-working-queue":
            block["queue"] = "BasicQueue"
        branches = _SIMPLE[btype]
        if branches:
            chosen = draw(st.lists(st.sampled_from(branches), unique=True))
            if chosen:
                block["next"] = {b: draw(targets) for b in chosen}
        blocks[name] = block
    return {
        "flow": "gen",
        "type": "contact",
        "start": draw(st.sampled_from(names)),
        "blocks": blocks,
    }


def _reference_reachable(flow: dict[str, Any]) -> set[str]:
    seen, todo = {flow["start"]}, [flow["start"]]
    while todo:
        nxt = flow["blocks"][todo.pop()].get("next", {})
        for t in nxt.values():
            if t in flow["blocks"] and t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


@given(_flows())
def test_generated_flows_compile_with_exact_graph_findings(flow: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
        text = json.dumps(flow, indent=1)
        (root / "g.flow.yaml").write_text(text, encoding="utf-8")
        program = load_project(root).compile(strict=False)
        diags = program.diagnostics
        lines = text.count("\n") + 1
        for d in diags:  # every finding is positioned inside the file it names
            assert d.span is not None and d.span.file.endswith("g.flow.yaml")
            assert 1 <= d.span.line <= lines
        unknown = sum(
            1 for b in flow["blocks"].values() for t in b.get("next", {}).values() if t == "nowhere"
        )
        assert _codes(diags).count("FR020") == unknown
        if unknown == 0:
            unreachable = {d.message.split("`")[1] for d in diags if d.code == "FR030"}
            assert unreachable == set(flow["blocks"]) - _reference_reachable(flow)
        cf = program.flows["gen"]
        assert [n.name for n in cf.nodes] == list(flow["blocks"])
        for node in cf.nodes:  # targets resolve to the named nodes
            for branch, target in flow["blocks"][node.name].get("next", {}).items():
                idx = node.targets[branch]
                assert (idx is None) == (target == "nowhere")
                if idx is not None:
                    assert cf.nodes[idx].name == target


@pytest.mark.parametrize("n", [250, 251])
def test_connect_action_limit_warning(tmp_path: Path, n: int) -> None:
    blocks = "".join(
        f"  b{i}: {{type: play-prompt, text: hi, next: b{i + 1}}}\n" for i in range(n - 1)
    )
    blocks += f"  b{n - 1}: {{type: end-flow}}\n"
    diags = _check(tmp_path, f"flow: x\nstart: b0\nblocks:\n{blocks}")
    assert ("FR044" in _codes(diags)) == (n > 250)

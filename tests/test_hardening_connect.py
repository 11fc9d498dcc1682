"""Hostile input to Amazon Connect import and export (issue 13, classes 6 and 16, file names).

- JSON nested 100,000 levels deep (in the file, in `Content`, in a layout side file), numbers of
  thousands of digits, `NaN`/`Infinity`/`1e400`: an FR400 at the line and column where it is,
  never RecursionError or ValueError; nesting up to the limit still imports and exports.
- `.nan`, `.inf`, `1e400` in a flow: export refuses them with FR415 at the YAML value and never
  writes `NaN` or `Infinity`.
- Output file names: a flow or a wrapper's name never leads out of the output directory; a file
  name too long to write, a FIFO or a device given to import: a positioned diagnostic, exit 1.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.connect.env import load_environment
from flowrt.connect.export import Exported, export_flow, export_paths, wrap
from flowrt.connect.files import parse_source, read_layout, read_source, to_yaml
from flowrt.connect.importer import import_paths
from flowrt.connect.jsonread import MAX_DEPTH, MAX_NUMBER
from flowrt.core.diagnostics import Diagnostic
from flowrt.lang.blocks import BLOCKS
from flowrt.lang.loader import load_text
from flowrt.project.driver import load_project

DEEP = 100_000


def _flow(parameters: str = "{}", **extra: Any) -> dict[str, Any]:
    """A minimal Connect flow whose first action's Parameters are `parameters` (JSON text)."""
    return {
        "text": '{"Version": "2019-10-30", "StartAction": "a", "Actions": [{"Identifier": "a", '
        '"Type": "UpdateFlowLoggingBehavior", "Parameters": ' + parameters + ', "Transitions": '
        '{"NextAction": "b", "Errors": [], "Conditions": []}}, {"Identifier": "b", "Type": '
        '"DisconnectParticipant", "Parameters": {}, "Transitions": {}}]}',
        **extra,
    }


def _nest(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


def _where(diags: list[Diagnostic]) -> list[tuple[str, str, int, int]]:
    return [(d.code, d.span.file, d.span.line, d.span.column) for d in diags if d.span]


def _strict(text: str) -> Any:
    """JSON as the standard has it: NaN and Infinity are errors."""

    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def _cli(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue() + err.getvalue()


# ---------------------------------------------------------------------------------------------
# class 6: nesting and numbers in every JSON flowrt reads


def test_deep_actions_are_an_fr400_at_the_bracket_past_the_limit() -> None:
    text = '{"Version": "2019-10-30", "StartAction": "a",\n  "Actions": ' + _nest(DEEP) + "}"
    start = time.perf_counter()
    src, diags = parse_source(text, "deep.json", "deep")
    assert time.perf_counter() - start < 2
    assert src is None
    column = len('  "Actions": ') + MAX_DEPTH  # the root is level 1: this bracket opens 65
    assert _where(diags) == [("FR400", "deep.json", 2, column)]
    assert diags[0].message == f"not JSON: nested deeper than {MAX_DEPTH} levels"


def test_deep_json_inside_content_is_placed_in_the_string() -> None:
    inner = _flow(_nest(DEEP))["text"]
    text = json.dumps({"Name": "x", "Type": "CONTACT_FLOW", "Content": inner})
    src, diags = parse_source(text, "w.json", "w")
    assert src is None
    offset = inner.index("[" * (MAX_DEPTH - 3)) + MAX_DEPTH - 3  # Parameters sit at level 4
    assert _where(diags) == [("FR400", "w.json", 1, 1)]
    assert diags[0].message == (
        f"`Content` is not flow JSON: nested deeper than {MAX_DEPTH} levels "
        f"(character {offset + 1} of the string)"
    )


@pytest.mark.parametrize("digits", [MAX_NUMBER + 1, 4_301, 5_000])
def test_a_huge_number_is_an_fr400_at_the_number(digits: int) -> None:
    text = '{"Version":\n ' + "9" * digits + ', "Actions": []}'
    src, diags = parse_source(text, "v.json", "v")
    assert src is None
    assert _where(diags) == [("FR400", "v.json", 2, 2)]
    assert diags[0].message == (
        f"not JSON: a number of {digits:,} characters; flowrt reads numbers of at most {MAX_NUMBER}"
    )
    assert diags[0].span is not None and diags[0].span.end_column == 2 + digits


def test_huge_numbers_never_reach_int_even_without_python_s_digit_limit() -> None:
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # as a process that lifted the limit: int() is quadratic
    try:
        text = '{"Metadata": {"x": ' + "7" * 2_000_000 + "}}"
        start = time.perf_counter()
        src, diags = parse_source(text, "big.json", "big")
        assert time.perf_counter() - start < 2
    finally:
        sys.set_int_max_str_digits(before)
    assert src is None
    assert _where(diags) == [("FR400", "big.json", 1, 20)]


def test_a_long_float_is_refused_and_a_normal_one_is_read() -> None:
    ok = _flow('{"x": 0.125, "y": -3e-7, "z": 12345678901234567890}')["text"]
    src, diags = parse_source(ok, "ok.json", "ok")
    assert src is not None and not diags
    assert src.content["Actions"][0]["Parameters"] == {
        "x": 0.125,
        "y": -3e-7,
        "z": 12345678901234567890,
    }
    long = _flow('{"x": 0.' + "1" * MAX_NUMBER + "}")["text"]
    _, diags = parse_source(long, "f.json", "f")
    assert [d.code for d in diags] == ["FR400"]
    assert "characters; flowrt reads numbers of at most" in diags[0].message


def test_nesting_up_to_the_limit_imports_and_exports_the_same_actions(tmp_path: Path) -> None:
    # Parameters are at level 4: 60 more lists make 64 levels, the most flowrt reads.
    content = json.loads(_flow('{"x": ' + _nest(MAX_DEPTH - 4) + "}")["text"])
    content["Metadata"] = {"ActionMetadata": {"a": {"deep": json.loads(_nest(MAX_DEPTH - 4))}}}
    wrapper = {  # the wrapper is kept one level down in the side file
        "ContactFlow": {
            "Name": "limit",
            "Type": "CONTACT_FLOW",
            "Tags": {"t": json.loads(_nest(MAX_DEPTH - 3))},
            "Content": json.dumps(content),
        }
    }
    src = tmp_path / "limit.json"
    src.write_text(json.dumps(wrapper), encoding="utf-8")
    proj = tmp_path / "p"
    diags, written, _ = import_paths([str(src)], str(proj))
    assert not [d for d in diags if d.is_error]
    assert sorted(p.name for p in written) == ["limit.flow.layout.json", "limit.flow.yaml"]
    (proj / "instance.yaml").write_text("instance: x\n", encoding="utf-8")
    load_text((proj / "limit.flow.yaml").read_text(encoding="utf-8"), "limit.flow.yaml")
    diags, written = export_paths([str(proj / "limit.flow.yaml")], str(tmp_path / "out"))
    assert not [d for d in diags if d.is_error]
    again = _strict(written[0].read_text(encoding="utf-8"))
    assert again["Actions"] == content["Actions"]
    assert again["Metadata"]["ActionMetadata"]["a"] == content["Metadata"]["ActionMetadata"]["a"]


def test_a_legacy_export_is_read_one_level_less_deep(tmp_path: Path) -> None:
    """Its pass-throughs keep parameters under `legacy:`, one level down in the YAML."""

    def legacy(levels: int) -> str:
        module = {"id": "m", "type": "SetEventHook", "parameters": [{"name": "x", "value": 1}]}
        text = json.dumps({"modules": [module], "start": "m", "type": "contactFlow"})
        return text.replace('"value": 1', '"value": ' + _nest(levels))

    fits = tmp_path / "fits.json"  # value at level 6: 63 levels in all
    fits.write_text(legacy(MAX_DEPTH - 6), encoding="utf-8")
    diags, written, _ = import_paths([str(fits)], str(tmp_path / "o"))
    assert [d.code for d in diags] == ["FR403"]
    flow = next(p for p in written if p.name.endswith(".flow.yaml"))
    load_text(flow.read_text(encoding="utf-8"), flow.name)  # 64 levels: it loads
    text = legacy(MAX_DEPTH - 5)
    _, diags = parse_source(text, "deep.json", "deep")
    column = text.index('"value": ') + len('"value": ') + MAX_DEPTH - 5
    assert _where(diags) == [("FR400", "deep.json", 1, column)]
    assert diags[0].message == (
        f"not JSON: nested deeper than {MAX_DEPTH - 1} levels (in a legacy export)"
    )


def _project(root: Path, flow_yaml: str, name: str = "main") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "instance.yaml").write_text("instance: x\n", encoding="utf-8")
    (root / f"{name}.flow.yaml").write_text(flow_yaml, encoding="utf-8")
    return root / f"{name}.flow.yaml"


SIMPLE = "flow: main\nstart: a\nblocks:\n  a:\n    type: disconnect\n"


@pytest.mark.parametrize(
    ("layout", "line", "column", "message"),
    [
        ('{"Metadata":\n  ' + _nest(DEEP) + "}", 2, 3 + MAX_DEPTH, "nested deeper than 65 levels"),
        ('{"Metadata": {"x": NaN}}', 1, 20, "`NaN` is not a JSON value"),
        ('{"Settings": -Infinity}', 1, 14, "`-Infinity` is not a JSON value"),
        ('{"Settings": 1e999}', 1, 14, "the number `1e999` is out of range (it would be infinite)"),
        ('{"Metadata": ' + "1" * 5_000 + "}", 1, 14, "a number of 5,000 characters"),
        ('{"Metadata": ', 1, 14, "Expecting value"),
    ],
)
def test_a_broken_layout_side_file_is_an_fr400_and_nothing_is_exported(
    tmp_path: Path, layout: str, line: int, column: int, message: str
) -> None:
    flow = _project(tmp_path / "p", SIMPLE)
    side = tmp_path / "p" / "main.flow.layout.json"
    side.write_text(layout, encoding="utf-8")
    start = time.perf_counter()
    data, diags = read_layout(flow)
    assert time.perf_counter() - start < 2
    assert data == {}
    assert _where(diags) == [("FR400", str(side), line, column)]
    assert message in diags[0].message
    out = tmp_path / "out"
    code, text = _cli(["export", str(flow), "-o", str(out)])
    assert code == 1
    assert "error[FR400]" in text and "Traceback" not in text
    assert not out.exists() or not list(out.iterdir())


def test_a_layout_side_file_that_is_not_an_object_is_an_fr400(tmp_path: Path) -> None:
    flow = _project(tmp_path / "p", SIMPLE)
    side = tmp_path / "p" / "main.flow.layout.json"
    side.write_text("[1, 2]", encoding="utf-8")
    data, diags = read_layout(flow)
    assert (data, _where(diags)) == ({}, [("FR400", str(side), 1, 1)])
    assert diags[0].message == "layout side file holds list, not an object"


def test_no_layout_side_file_is_no_problem(tmp_path: Path) -> None:
    flow = _project(tmp_path / "p", SIMPLE)
    assert read_layout(flow) == ({}, [])


# ---------------------------------------------------------------------------------------------
# class 16: NaN and Infinity, on export and on import

NON_FINITE_FLOW = """\
flow: main
start: a
blocks:
  a:
    type: connect-action
    action: UpdateFlowLoggingBehavior
    parameters:
      x: .nan
      y: [1, -.inf]
      z: 1e400
    next: b
  b:
    type: set-contact-attributes
    attributes:
      n: .inf
    next: c
  c:
    type: disconnect
"""


@pytest.mark.parametrize("how", [None, "cloudformation", "terraform"])
def test_export_refuses_nan_and_infinity_at_the_yaml_value(tmp_path: Path, how: str | None) -> None:
    flow = _project(tmp_path / "p", NON_FINITE_FLOW)
    out = tmp_path / "out"
    diags, written = export_paths([str(flow)], str(out), how=how)
    assert written == []
    assert not out.exists() or not list(out.iterdir())
    assert _where(diags) == [
        ("FR415", str(flow), 8, 10),
        ("FR415", str(flow), 9, 14),
        ("FR415", str(flow), 10, 10),
        ("FR415", str(flow), 15, 10),
    ]
    assert [d.message for d in diags] == [
        "block `a`: `parameters.x` is NaN (not a number); Amazon Connect's flow language has no "
        "such number",
        "block `a`: `parameters.y[1]` is minus infinite; Amazon Connect's flow language has no "
        "such number",
        "block `a`: `parameters.z` is infinite; Amazon Connect's flow language has no such number",
        "block `b`: `attributes.n` is infinite; Amazon Connect's flow language has no such number",
    ]
    code, text = _cli(["export", str(flow), "--stdout"])
    assert code == 1
    assert "NaN," not in text and "Infinity" not in text


def test_quoted_nan_is_text_and_exports(tmp_path: Path) -> None:
    flow = _project(
        tmp_path / "p",
        NON_FINITE_FLOW.replace(".nan", '".nan"')
        .replace("1e400", "1e300")
        .replace("-.inf", "'-.inf'")
        .replace("n: .inf", "n: inf"),
    )
    diags, written = export_paths([str(flow)], str(tmp_path / "out"))
    assert not [d for d in diags if d.is_error]
    action = _strict(written[0].read_text(encoding="utf-8"))["Actions"][0]
    assert action["Parameters"] == {"x": ".nan", "y": [1, "-.inf"], "z": 1e300}


def test_many_non_finite_numbers_are_counted_not_listed(tmp_path: Path) -> None:
    params = "".join(f"      p{i}: .nan\n" for i in range(500))
    flow = _project(
        tmp_path / "p",
        "flow: main\nstart: a\nblocks:\n  a:\n    type: connect-action\n    action: X\n"
        f"    parameters:\n{params}",
    )
    diags, _ = export_paths([str(flow)], str(tmp_path / "out"))
    assert len(diags) == 21
    assert _where(diags)[-1] == ("FR415", str(flow), 1, 1)
    assert diags[-1].message == "and 480 more NaN or infinite numbers in this flow"


def test_export_through_the_api_never_writes_nan(tmp_path: Path) -> None:
    flow = _project(tmp_path / "p", SIMPLE.replace("disconnect", "connect-action\n    action: X"))
    project = load_project(tmp_path / "p")
    unit = project.flows["main"]
    # models without their document: still refused, by block and key
    block = BLOCKS["connect-action"].model_validate(
        {"type": "connect-action", "action": "X", "parameters": {"v": math.inf}}
    )
    content, diags = export_flow(unit.flow, {"a": block})
    assert content is None
    assert [(d.code, d.span, d.message) for d in diags] == [
        (
            "FR415",
            None,
            "block `a`: `parameters.v` is infinite; Amazon Connect's flow language has no such "
            "number",
        )
    ]
    # a layout handed over by a caller: the last guard, at the flow's `flow:` key
    content, diags = export_flow(
        unit.flow, unit.blocks, layout={"Settings": {"x": math.nan}}, doc=unit.doc
    )
    assert content is None
    assert _where(diags) == [("FR415", str(flow), 1, 7)]
    with pytest.raises(ValueError, match="not JSON compliant"):
        wrap(Exported("main", "contact", None, {"x": math.nan}), "terraform")


@pytest.mark.parametrize(
    ("value", "token", "message"),
    [
        ("NaN", "NaN", "`NaN` is not a JSON value"),
        ("Infinity", "Infinity", "`Infinity` is not a JSON value"),
        ("[1, -Infinity]", "-Infinity", "`-Infinity` is not a JSON value"),
        ("1e400", "1e400", "the number `1e400` is out of range (it would be infinite)"),
        ("-1E+309", "-1E+309", "the number `-1E+309` is out of range (it would be infinite)"),
    ],
)
def test_import_refuses_nan_and_infinity_at_the_literal(
    value: str, token: str, message: str
) -> None:
    text = _flow('{"x": ' + value + "}")["text"]
    src, diags = parse_source(text, "n.json", "n")
    assert src is None
    column = text.index(token, text.index('"x": ')) + 1
    assert _where(diags) == [("FR400", "n.json", 1, column)]
    assert diags[0].message == f"not JSON: {message}"
    assert diags[0].span is not None and diags[0].span.end_column == column + len(token)


def test_nan_as_text_is_still_text() -> None:
    src, diags = parse_source(_flow('{"x": "NaN", "y": "Infinity"}')["text"], "t.json", "t")
    assert src is not None and not diags


def test_yaml_writer_keeps_a_non_finite_number_a_number() -> None:
    flow = {"flow": "f", "blocks": {"a": {"type": "connect-action", "parameters": {}}}}
    flow["blocks"]["a"]["parameters"] = {"n": math.nan, "i": math.inf, "m": -math.inf}
    data = load_text(to_yaml(flow, "x.json"), "x.flow.yaml").data
    params = data["blocks"]["a"]["parameters"]
    assert math.isnan(params["n"]) and params["i"] == math.inf and params["m"] == -math.inf


# ---------------------------------------------------------------------------------------------
# file names derived from names, and files that are not files


def test_flow_names_never_choose_the_output_path(tmp_path: Path) -> None:
    hostile = "../../" + "x" * 20_000 + "/\\u0000.."
    flow = _project(tmp_path / "p", SIMPLE.replace("flow: main", f'flow: "{hostile}"'))
    out = tmp_path / "out"
    for how in (None, "cloudformation", "terraform"):
        diags, written = export_paths([str(flow)], str(out), how=how, force=True)
        assert not [d for d in diags if d.is_error]
        assert [p.parent for p in written] == [out]
    assert sorted(p.name for p in out.iterdir()) == [
        "main.json",
        "main.template.json",
        "main.tf.json",
    ]
    wrapped = tmp_path / "w.json"
    content = (out / "main.json").read_text(encoding="utf-8")
    wrapped.write_text(
        json.dumps({"Name": "../../" + "y" * 20_000 + "\u0000/..", "Content": content}),
        encoding="utf-8",
    )
    imported = tmp_path / "imp"
    diags, written, _ = import_paths([str(wrapped)], str(imported))
    assert not [d for d in diags if d.is_error]
    assert sorted(p.relative_to(imported).as_posix() for p in written) == [
        "w.flow.layout.json",
        "w.flow.yaml",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imp", "out", "p", "w.json"]
    load_text((imported / "w.flow.yaml").read_text(encoding="utf-8"), "w.flow.yaml")


@pytest.mark.parametrize("how", [None, "cloudformation", "terraform"])
def test_an_output_name_too_long_to_write_is_a_positioned_diagnostic(
    tmp_path: Path, how: str | None
) -> None:
    stem = "f" * (255 - len(".flow.yaml"))  # the longest flow file name there can be
    flow = _project(tmp_path / "p", SIMPLE, stem)
    out = tmp_path / "out"
    out.mkdir()
    diags, written = export_paths([str(flow)], str(out), how=how)
    assert written == []
    assert _where(diags) == [("FR001", str(flow), 1, 7)]
    assert diags[0].message.startswith(f"cannot write {out / stem}")
    assert "too long" in diags[0].message
    assert diags[0].hint == "shorten the flow file's name (the output file is named after it)"
    assert list(out.iterdir()) == []  # no temporary file left either
    code, text = _cli(["export", str(flow), "-o", str(out)])
    assert code == 1 and "Traceback" not in text


def test_an_output_directory_that_is_a_file_is_a_diagnostic(tmp_path: Path) -> None:
    flow = _project(tmp_path / "p", SIMPLE)
    blocker = tmp_path / "out"
    blocker.write_text("a file", encoding="utf-8")
    diags, written = export_paths([str(flow)], str(blocker))
    assert written == []
    assert _where(diags) == [("FR001", str(flow), 1, 7)]
    src = tmp_path / "in.json"
    src.write_text(_flow()["text"], encoding="utf-8")
    diags, written, _ = import_paths([str(src)], str(blocker / "sub"))
    assert written == []
    # FR430: the UpdateFlowLoggingBehavior action without parameters (at its "Identifier") stays
    # a pass-through; FR001: the output directory cannot be made.
    assert _where([d for d in diags if d.code != "FR442"]) == [
        ("FR430", str(src), 1, 60),
        ("FR001", str(src), 1, 1),
    ]
    assert blocker.read_text(encoding="utf-8") == "a file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_import_refuses_a_fifo_and_a_device_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    start = time.perf_counter()
    src, diags = read_source(fifo)
    assert time.perf_counter() - start < 2
    assert src is None
    assert [(d.code, d.message) for d in diags] == [
        ("FR001", f"cannot read {fifo}: it is a named pipe (FIFO), not a regular file")
    ]
    if Path("/dev/zero").exists():
        src, diags = read_source(Path("/dev/zero"))
        assert [d.code for d in diags] == ["FR001"]
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "stale.flow.yaml")  # existing flows are read for their names: not a FIFO
    good = tmp_path / "good.json"
    good.write_text(_flow()["text"], encoding="utf-8")
    start = time.perf_counter()
    diags, written, _ = import_paths([str(good)], str(out))
    assert time.perf_counter() - start < 5
    assert not [d for d in diags if d.is_error] and len(written) == 2


def test_import_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    from flowrt.connect.files import MAX_BYTES

    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    src, diags = read_source(big)
    assert src is None
    assert [(d.code, d.message) for d in diags] == [
        ("FR005", f"{big} is {MAX_BYTES + 1:,} bytes; flowrt reads at most {MAX_BYTES:,}")
    ]


def test_paths_with_nul_are_missing_files_not_exceptions(tmp_path: Path) -> None:
    diags, written, _ = import_paths(["a\x00b.json"], str(tmp_path))
    assert ([d.code for d in diags], written) == (["FR001"], [])
    diags, written = export_paths(["a\x00b.flow.yaml"], str(tmp_path))
    assert ([d.code for d in diags], written) == (["FR001"], [])


def test_existing_flow_names_are_read_in_linear_time(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.flow.yaml").write_text("flow: a" + " " * 200_000 + "x\n", encoding="utf-8")
    src = tmp_path / "in.json"
    src.write_text(_flow()["text"], encoding="utf-8")
    start = time.perf_counter()
    diags, written, _ = import_paths([str(src)], str(out))
    assert time.perf_counter() - start < 2
    assert not [d for d in diags if d.is_error] and len(written) == 2


def test_a_legacy_module_without_equivalent_is_a_positioned_warning(tmp_path: Path) -> None:
    module = {"id": "m", "type": "Teleport", "parameters": [], "branches": []}
    src = tmp_path / "old.json"
    src.write_text(json.dumps({"modules": [module], "start": "m"}), encoding="utf-8")
    diags, written, _ = import_paths([str(src)], str(tmp_path / "o"))
    # At the module's `"id"` (the 15th character of `{"modules": [{"id": "m", ...`).
    assert _where(diags) == [("FR403", str(src), 1, 15)]
    assert diags[0].message == (
        "legacy module `Teleport` (m): no flow-language action for module type `Teleport`; kept "
        "as a pass-through that export refuses"
    )
    assert len(written) == 2


# ---------------------------------------------------------------------------------------------
# the environment file: read by the YAML loader, whose bounds answer it


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [
        ('{"queues": ' + _nest(DEEP) + "}", "FR006", 1, 12 + MAX_DEPTH - 1),
        ("queues:\n  a: " + "9" * 5_000 + "\n", "FR013", 2, 6),
        ("queues:\n  a: .nan\n", "FR420", 2, 6),
    ],
)
def test_a_hostile_environment_file_is_a_positioned_diagnostic(
    tmp_path: Path, text: str, code: str, line: int, column: int
) -> None:
    env_file = tmp_path / "hostile.env.yaml"
    env_file.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    env, diags = load_environment(env_file)
    assert time.perf_counter() - start < 2
    assert env is None
    assert _where(diags) == [(code, str(env_file), line, column)]
    src = tmp_path / "in.json"
    src.write_text(_flow()["text"], encoding="utf-8")
    status, shown = _cli(["import", str(src), "-o", str(tmp_path / "o"), "--env", str(env_file)])
    assert status == 2 and f"error[{code}]" in shown and "Traceback" not in shown

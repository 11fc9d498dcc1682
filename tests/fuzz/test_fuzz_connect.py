"""import, export and graph over generated flows and mutations of Amazon Connect JSON.

Invariants: no uncaught exception; every diagnostic positioned inside the file it names; the YAML
that import writes always loads; export then import then export is a fixed point; the same input
gives byte-identical output.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.cli import main
from flowrt.connect.export import export_paths
from flowrt.connect.files import parse_source, read_layout, to_yaml
from flowrt.connect.importer import import_paths, import_source
from flowrt.connect.jsonread import (
    MAX_DEPTH,
    MAX_NUMBER,
    JsonProblem,
    _within,
    check_depth,
    loads,
)
from flowrt.lang.loader import load_text
from flowrt.project.driver import check_paths
from tests.fuzz import strategies as fs
from tests.fuzz.helpers import assert_positioned, scratch_dir, write_files

_ROOT = scratch_dir("connect")
NAME = "fuzz.json"


@pytest.fixture(scope="module")
def root() -> Path:
    return _ROOT


def _project(root: Path, flow: dict[str, object]) -> Path:
    proj = root / "p"
    write_files(
        proj,
        {
            "instance.yaml": fs.to_text(fs.INSTANCE),
            "main.flow.yaml": fs.to_text(flow),
            "other.flow.yaml": fs.to_text(
                {"flow": "other", "start": "a", "blocks": {"a": {"type": "disconnect"}}}
            ),
        },
    )
    return proj


def _export(proj: Path, out: Path) -> dict[str, bytes]:
    diags, written = export_paths([str(proj / "main.flow.yaml")], str(out), force=True)
    assert_positioned(diags)
    for p in written:
        _strict_json(p.read_text(encoding="utf-8"))  # never NaN or Infinity
    return {p.name: p.read_bytes() for p in written}


def _import(files: list[Path], out: Path) -> None:
    diags, written, _ = import_paths([str(f) for f in files], str(out), force=True)
    assert_positioned(diags)
    for p in written:
        if p.name.endswith(".flow.yaml"):
            load_text(p.read_text(encoding="utf-8"), str(p))  # what import writes always loads


@given(fs.flow_data())
def test_export_import_export_is_a_fixed_point(root: Path, flow: dict[str, object]) -> None:
    proj = _project(root, flow)
    first = _export(proj, root / "e1")
    if not first:  # refused: its diagnostics were positioned
        return
    assert _export(proj, root / "e1b") == first  # byte-identical
    (proj / "main.flow.yaml").unlink()
    _import([root / "e1" / "main.json"], proj)
    assert (proj / "main.flow.yaml").exists()
    second = _export(proj, root / "e2")
    assert second == first


_json_junk = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.just([]), st.just({})
)


@given(fs.flow_data(), st.data())
def test_import_mutated_connect_json(
    root: Path, flow: dict[str, object], data: st.DataObject
) -> None:
    proj = _project(root, flow)
    exported = _export(proj, root / "m")
    if not exported:
        return
    content = json.loads(exported["main.json"])
    if data.draw(st.booleans()):
        content = data.draw(fs.mutated(content))
        wrapper = data.draw(st.sampled_from(["none", "plain", "contactflow"]))
        if wrapper == "plain":
            content = {"Name": "x", "Type": "CONTACT_FLOW", "Content": json.dumps(content)}
        elif wrapper == "contactflow":
            content = {"ContactFlow": {"Name": "x", "Content": json.dumps(content)}}
    text = json.dumps(content, indent=data.draw(st.sampled_from([None, 2])), ensure_ascii=False)
    if data.draw(st.integers(0, 3)) == 0:
        text = data.draw(fs.mutated_text(text))
    src, diags = parse_source(text, NAME, "fuzz")
    assert_positioned(diags, {NAME: text})
    if src is None:
        return
    imp = import_source(src)
    assert_positioned(imp.diagnostics, {NAME: text})
    yaml_text = to_yaml(imp.flow, NAME)
    load_text(yaml_text, "imported.flow.yaml")
    again = import_source(parse_source(text, NAME, "fuzz")[0])  # type: ignore[arg-type]
    assert to_yaml(again.flow, NAME) == yaml_text


def _graph(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["graph", *args])
    return code, err.getvalue()


@given(fs.flow_data(), st.sampled_from(["dot", "mermaid"]))
def test_graph(root: Path, flow: dict[str, object], fmt: str) -> None:
    proj = _project(root, flow)
    target = str(proj / "main.flow.yaml")
    out = root / f"g.{fmt}"
    code, err = _graph([target, "-o", str(out), "--format", fmt])
    assert code in (0, 1), err
    if code == 0:
        first = out.read_bytes()
        assert _graph([target, "-o", str(out), "--format", fmt])[0] == 0
        assert out.read_bytes() == first


@given(fs.flow_data(), st.data())
def test_graph_mutated(root: Path, flow: dict[str, object], data: st.DataObject) -> None:
    proj = _project(root, data.draw(fs.mutated(flow)))
    text = (proj / "main.flow.yaml").read_text(encoding="utf-8")
    (proj / "main.flow.yaml").write_text(data.draw(fs.mutated_text(text)), encoding="utf-8")
    out = root / "m.dot"
    out.unlink(missing_ok=True)
    code, err = _graph([str(proj / "main.flow.yaml"), "-o", str(out)])
    # The exit code follows from the input alone: the arguments are right (never 2), and the
    # flow's own errors as `flowrt validate` finds them decide between a picture and findings.
    own = (proj / "main.flow.yaml").resolve()
    diags, _ = check_paths([str(proj)])
    errors = sorted(
        {d.code for d in diags if d.is_error and d.span and Path(d.span.file).resolve() == own}
    )
    if errors:
        assert code == 1, err
        assert sorted(set(re.findall(r"error\[(FR\d+)\]", err))) == errors
        assert not out.exists()
    else:
        assert (code, err) == (0, "")
        assert out.read_text(encoding="utf-8").startswith("digraph")


# ---------------------------------------------------------------------------------------------
# hostile JSON (issue 13): nesting around and far past the limit, numbers around and far past
# the digit limit, NaN/Infinity and numbers out of range, in every place a file holds JSON
# (an action's Parameters, Metadata, the wrapper, the `Content` string, a legacy export, the
# layout side file); and NaN/Infinity in a flow on export.


def _nest(levels: int, inner: str = "1") -> str:
    return "[" * levels + inner + "]" * levels


#: Around each bound (just under, at, just over) and far past it.
_depths = st.one_of(st.integers(MAX_DEPTH - 8, MAX_DEPTH + 2), st.sampled_from([1_000, 100_000]))
_digits = st.one_of(
    st.integers(MAX_NUMBER - 2, MAX_NUMBER + 2), st.sampled_from([4_300, 4_301, 5_000])
)


@st.composite
def hostile_json(draw: st.DrawFn) -> str:
    """Raw JSON text of one value a hostile file may hold."""
    kind = draw(st.sampled_from(["deep", "digits", "float", "constant", "range", "mixed"]))
    if kind == "deep":
        inner = draw(st.sampled_from(["1", "{}", '"x"', '{"k": [1]}']))
        opener = draw(st.sampled_from(["[", '{"a":']))
        levels = draw(_depths)
        if opener == "[":
            return _nest(levels, inner)
        return opener * levels + inner + "}" * levels
    if kind == "digits":
        return draw(st.sampled_from(["", "-"])) + "9" * draw(_digits)
    if kind == "float":
        return "0." + "1" * draw(_digits)
    if kind == "constant":
        return draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))
    if kind == "range":
        return draw(
            st.sampled_from(["1e400", "-1E309", "1e308", "2e-400", "1.7976931348623157e308"])
        )
    return "[" + ", ".join(draw(st.lists(hostile_json(), min_size=1, max_size=3))) + "]"


_SLOT = '"fuzz-slot"'


def _splice(content: dict[str, Any], where: str) -> str:
    """`content` as JSON text with a slot (a marker string) where a hostile value goes."""
    content = json.loads(json.dumps(content))
    if where == "parameters":
        content["Actions"][0].setdefault("Parameters", {})["fuzz"] = "fuzz-slot"
    elif where == "metadata":
        content["Metadata"] = {"ActionMetadata": {"x": {"fuzz": "fuzz-slot"}}}
    elif where == "top":
        content["Settings"] = "fuzz-slot"
    elif where == "version":
        content["Version"] = "fuzz-slot"
    else:  # legacy: one module keeping a hostile parameter
        content = {
            "modules": [
                {
                    "id": "m",
                    "type": "SetEventHook",
                    "parameters": [{"name": "x", "value": "fuzz-slot"}],
                    "branches": [],
                }
            ],
            "start": "m",
            "type": "contactFlow",
        }
    return json.dumps(content)


@given(fs.flow_data(), hostile_json(), st.data())
def test_import_hostile_json(
    root: Path, flow: dict[str, object], value: str, data: st.DataObject
) -> None:
    proj = _project(root, flow)
    exported = _export(proj, root / "h")
    if not exported:
        return
    content = json.loads(exported["main.json"])
    where = data.draw(st.sampled_from(["parameters", "metadata", "top", "version", "legacy"]))
    text = _splice(content, where).replace(_SLOT, value, 1)
    wrapper = data.draw(st.sampled_from(["none", "plain", "contactflow", "wrapper-field"]))
    if wrapper != "none":
        holder: dict[str, Any] = {"Name": "x", "Type": "CONTACT_FLOW", "Content": text}
        if wrapper == "wrapper-field":  # the hostile value beside the Content, not inside it
            holder["Content"] = json.dumps(content)
            holder["Tags"] = "fuzz-slot"
        outer: dict[str, Any] = {"ContactFlow": holder} if wrapper == "contactflow" else holder
        text = json.dumps(outer)
        if wrapper == "wrapper-field":
            text = text.replace(_SLOT, value, 1)
    (root / "in").mkdir(exist_ok=True)
    src_file = root / "in" / NAME
    src_file.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    src, diags = parse_source(text, NAME, "fuzz")
    assert time.perf_counter() - start < 5
    assert_positioned(diags, {NAME: text})
    assert all(d.code in ("FR400", "FR401", "FR402") for d in diags), diags
    if src is None:
        return
    out = root / "hi"
    _import([src_file], out)  # what import writes loads (YAML and side file)
    for side in out.glob("*.flow.layout.json"):
        flow_file = side.with_name(side.name.replace(".flow.layout.json", ".flow.yaml"))
        layout, problems = read_layout(flow_file)
        assert problems == [], problems


@given(fs.flow_data(), st.sampled_from([".nan", ".inf", "-.inf", "1e400", "-1e999"]), st.data())
def test_export_never_writes_nan_or_infinity(
    root: Path, flow: dict[str, Any], token: str, data: st.DataObject
) -> None:
    flow = copy.deepcopy(flow)
    blocks = flow["blocks"]
    assert isinstance(blocks, dict)
    name = data.draw(st.sampled_from(sorted(blocks)))
    where = data.draw(st.sampled_from(["connect-action", "key"]))
    if where == "connect-action":
        blocks[name] = {
            "type": "connect-action",
            "action": "UpdateFlowLoggingBehavior",
            "parameters": {"a": "fuzz-slot", "b": ["fuzz-slot"]},
            **({"next": blocks[name]["next"]} if isinstance(blocks[name].get("next"), str) else {}),
        }
    else:
        key = data.draw(st.sampled_from(sorted(k for k in blocks[name] if k != "type") or ["x"]))
        blocks[name][key] = "fuzz-slot"
    proj = _project(root, flow)
    text = (proj / "main.flow.yaml").read_text(encoding="utf-8").replace("fuzz-slot", token)
    (proj / "main.flow.yaml").write_text(text, encoding="utf-8")
    diags, written = export_paths([str(proj / "main.flow.yaml")], str(root / "nf"), force=True)
    assert_positioned(diags)
    for p in written:
        _strict_json(p.read_text(encoding="utf-8"))
    if not written:
        assert any(d.is_error for d in diags)


@given(fs.flow_data(), hostile_json())
def test_export_with_a_hostile_layout_side_file(
    root: Path, flow: dict[str, object], value: str
) -> None:
    proj = _project(root, flow)
    side = proj / "main.flow.layout.json"
    side.write_text('{"Metadata": {"x": ' + value + "}}", encoding="utf-8")
    diags, written = export_paths([str(proj / "main.flow.yaml")], str(root / "hl"), force=True)
    assert_positioned(diags)
    for p in written:
        _strict_json(p.read_text(encoding="utf-8"))
    if any(d.code == "FR400" for d in diags):
        assert written == []


def _strict_json(text: str) -> Any:
    """Standard JSON only: NaN, Infinity and -Infinity are errors."""

    def refuse(token: str) -> Any:
        raise AssertionError(f"non-standard JSON written: {token}")

    return json.loads(text, parse_constant=refuse)


_tricky_text = st.lists(
    st.sampled_from([*'"\\[]{}/nu0a é', "\\u005c", "\ud800", "\n"]), max_size=8
).map("".join)
_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), _tricky_text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_tricky_text, inner, max_size=3)
    ),
    max_leaves=30,
)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


@given(_json_values, st.booleans(), st.integers(0, 3))
def test_nesting_is_measured_exactly_before_parsing(value: Any, ascii: bool, extra: int) -> None:
    """Brackets and quotes inside strings (escaped or not) never count; the bound is exact."""
    value = [value]
    for _ in range(extra):
        value = {"k": value}
    text = json.dumps(value, ensure_ascii=ascii)
    depth = _depth(value)
    assert _within(text, depth)  # the fast pass clears a valid text at its bound...
    check_depth(text, depth)  # ...so it is read
    with pytest.raises(JsonProblem) as refused:
        check_depth(text, depth - 1)  # one under: refused, at an opening bracket
    assert text[refused.value.offset] in "[{"
    assert loads(text, depth) == value


def _joined(pieces: list[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


_hostile_names = st.one_of(
    _joined(["/", "\\", "..", ".", "\x00", "a", "é", " ", "\n", "~", "$"], 40),
    st.integers(200, 20_000).map(lambda n: "../" * 3 + "n" * n),
)
#: File name stems a file system holds: no `/` or NUL, up to the longest a name can be.
_stems = st.one_of(
    _joined(["a", ".", "-", " ", "é", "..", "_"], 30).filter(lambda s: s not in ("", ".", "..")),
    st.integers(200, 245).map(lambda n: "s" * n),
)


@given(
    fs.flow_data(), _hostile_names, _stems, st.sampled_from([None, "cloudformation", "terraform"])
)
def test_names_never_choose_where_files_go(
    root: Path, flow: dict[str, Any], name: str, stem: str, how: str | None
) -> None:
    """A flow's name, a wrapper's `Name` and a file name never lead out of the output directory;
    a name too long to write is a positioned diagnostic."""
    flow = {**flow, "flow": name}
    proj = _project(root, flow)
    target = proj / f"{stem}.flow.yaml"
    (proj / "main.flow.yaml").rename(target)
    out = root / "names-out"
    if out.exists():
        shutil.rmtree(out)
    diags, written = export_paths([str(target)], str(out), how=how, force=True)
    assert_positioned(diags)
    assert all(p.parent == out for p in written)
    assert not out.exists() or {p.name for p in out.iterdir()} == {p.name for p in written}
    if not written or how is not None:
        return
    wrapped = root / "names-in"
    if wrapped.exists():
        shutil.rmtree(wrapped)
    wrapped.mkdir()
    src = wrapped / f"{stem}.json"
    content = written[0].read_text(encoding="utf-8")
    src.write_text(json.dumps({"Name": name, "Content": content}), encoding="utf-8")
    back = root / "names-back"
    if back.exists():
        shutil.rmtree(back)
    diags, again, _ = import_paths([str(src)], str(back), force=True)
    assert_positioned(diags)
    assert all(p.parent == back for p in again)

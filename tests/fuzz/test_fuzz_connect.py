"""import, export and graph over generated flows and mutations of Amazon Connect JSON.

Invariants: no uncaught exception; every diagnostic positioned inside the file it names; the YAML
that import writes always loads; export then import then export is a fixed point; the same input
gives byte-identical output.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowrt.cli import main
from flowrt.connect.export import export_paths
from flowrt.connect.files import parse_source, to_yaml
from flowrt.connect.importer import import_paths, import_source
from flowrt.lang.loader import load_text
from tests.fuzz import strategies as fs
from tests.fuzz.helpers import assert_positioned, write_files

_ROOT = Path(tempfile.mkdtemp(prefix="flowrt-fuzz-connect-"))
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
    code, err = _graph([str(proj / "main.flow.yaml"), "-o", str(root / "m.dot")])
    assert code in (0, 1, 2), err

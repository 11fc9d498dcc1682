"""The house rules of flowrt/, checked from the source: arrows one way, modules of a readable size.

The import graph is built with `ast` from every module of the package: `import` and `from ...
import` statements anywhere in a module (a function-level import is an arrow too), except those
under `if TYPE_CHECKING:`, which are for type checkers only.  The layers are the table in
docs/architecture.md ("The layers"); a module may import its own package and the packages of lower
layers, never a higher layer nor a peer of its own layer.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "flowrt"

#: Bottom to top.  Packages on one line are peers: neither may import the other.
LAYERS: list[tuple[str, ...]] = [
    ("flowrt.core",),
    ("flowrt.lang",),
    ("flowrt.run",),
    ("flowrt.email",),
    ("flowrt.scenario",),
    ("flowrt.project",),
    ("flowrt.testing", "flowrt.connect", "flowrt.explore"),
    ("flowrt.replay",),
    ("flowrt.reports",),
    ("flowrt.lsp",),
    ("flowrt.cli",),
    ("flowrt", "flowrt.client", "flowrt.syrupy", "flowrt.__main__"),
]
#: The house limit on a module's length (lines); the issue that set it says "about 600".
MAX_LINES = 650


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(root: Path) -> dict[str, Path]:
    return {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skip.update(id(n) for n in ast.walk(inner))
    return skip


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` names, or the nearest enclosing module of the package (or None)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (outside `if TYPE_CHECKING:`)."""
    modules = _modules(root)
    top = root.name
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skip = _type_checking_nodes(tree)
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                # `from pkg import module` is an arrow to the module; `from module import name`
                # (a class, a function, a constant) an arrow to the module that defines it.
                named = [f"{source}.{a.name}" for a in node.names]
                targets = [t for t in named if t in modules]
                if len(targets) < len(named):
                    targets.append(source)
            for t in targets:
                if t == top or t.startswith(top + "."):
                    found = _resolve(t, modules)
                    if found is not None and found != mod:
                        graph[mod].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def layer_of(module: str) -> tuple[int, str]:
    """(layer index, package) of a module: the longest package of LAYERS that contains it."""
    best: tuple[int, str] | None = None
    for i, packages in enumerate(LAYERS):
        for pkg in packages:
            if (module == pkg or module.startswith(pkg + ".")) and (
                best is None or len(pkg) > len(best[1])
            ):
                best = (i, pkg)
    assert best is not None, f"{module} is in no layer: add its package to LAYERS and the docs"
    return best


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for mod, targets in sorted(graph.items()):
        mine, pkg = layer_of(mod)
        for t in sorted(targets):
            theirs, tpkg = layer_of(t)
            if theirs > mine:
                out.append(f"{mod} imports {t}: {pkg} may not import a higher layer ({tpkg})")
            elif theirs == mine and tpkg != pkg:
                out.append(f"{mod} imports {t}: {pkg} and {tpkg} are peers")
    return out


# ---------------------------------------------------------------------------------------------
# the rules on flowrt/


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_every_import_follows_the_layers() -> None:
    assert layering_violations(import_graph()) == []


def test_modules_are_of_a_readable_size() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_top_level_lists_the_capabilities() -> None:
    """The folder listing is the architecture: packages, plus the public API's modules."""
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert modules == ["__init__.py", "__main__.py", "client.py", "syrupy.py"]
    packages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    layered = sorted(pkg.split(".")[1] for layer in LAYERS for pkg in layer if pkg.count(".") == 1)
    assert packages == sorted(p for p in layered if p not in ("client", "syrupy", "__main__"))


def test_the_documented_public_paths_still_import() -> None:
    """Import paths the user documentation gives, whatever module holds the code today."""
    import flowrt.scenario
    from flowrt.client import ConnectClient
    from flowrt.syrupy import FlowrtSnapshotExtension
    from flowrt.testing.syrupy import FlowrtSnapshotExtension as Implementation

    assert FlowrtSnapshotExtension is Implementation
    assert ConnectClient.__module__ == "flowrt.client"
    names = ("Contact", "World", "cases_of", "prepare_contact", "prepare_world", "run_contact")
    assert all(callable(getattr(flowrt.scenario, n)) for n in names)
    with pytest.raises(AttributeError):
        flowrt.scenario.nothing_of_that_name  # noqa: B018


def test_the_documented_layers_are_the_checked_ones() -> None:
    """docs/architecture.md states the same table this test enforces."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## The layers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*([^|]+)\|", section, re.M)
    documented = [tuple(re.findall(r"`(flowrt[\w.]*)`", cell)) for _, cell in rows]
    assert documented == LAYERS


# ---------------------------------------------------------------------------------------------
# the checker itself: it must see what it is meant to catch


def _write(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "flowrt"
    for name, text in files.items():
        path = pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return pkg


SCRATCH = {
    "__init__.py": "",
    "core/__init__.py": "",
    "core/diagnostics.py": "",
    "lang/__init__.py": "",
    "lang/compiler.py": "from flowrt.core import diagnostics\n",
    "run/__init__.py": "",
    "run/interpreter.py": "from flowrt.lang.compiler import x\n",
}


def test_a_function_level_cycle_is_found(tmp_path: Path) -> None:
    pkg = _write(
        tmp_path,
        {
            **SCRATCH,
            "lang/compiler.py": "def run():\n    from flowrt.run.interpreter import go\n",
        },
    )
    graph = import_graph(pkg)
    assert cycles(graph) == [["flowrt.lang.compiler", "flowrt.run.interpreter"]]
    assert layering_violations(graph) == [
        "flowrt.lang.compiler imports flowrt.run.interpreter: flowrt.lang may not import a "
        "higher layer (flowrt.run)"
    ]


def test_type_checking_imports_are_not_arrows(tmp_path: Path) -> None:
    pkg = _write(
        tmp_path,
        {
            **SCRATCH,
            "lang/compiler.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from flowrt.run.interpreter import go\n",
        },
    )
    graph = import_graph(pkg)
    assert cycles(graph) == []
    assert layering_violations(graph) == []
    assert graph["flowrt.run.interpreter"] == {"flowrt.lang.compiler"}


@pytest.mark.parametrize(
    ("statement", "target"),
    [
        ("from . import diagnostics", "flowrt.core.diagnostics"),
        ("from .diagnostics import x", "flowrt.core.diagnostics"),
        ("import flowrt.core.diagnostics", "flowrt.core.diagnostics"),
        ("from flowrt.core import diagnostics", "flowrt.core.diagnostics"),
    ],
)
def test_every_import_form_is_an_arrow(tmp_path: Path, statement: str, target: str) -> None:
    pkg = _write(tmp_path, {**SCRATCH, "core/files.py": statement + "\n"})
    assert import_graph(pkg)["flowrt.core.files"] == {target}


def test_a_peer_import_is_a_violation(tmp_path: Path) -> None:
    pkg = _write(
        tmp_path,
        {
            **SCRATCH,
            "testing/__init__.py": "",
            "testing/suite.py": "from flowrt.connect.export import x\n",
            "connect/__init__.py": "",
            "connect/export.py": "",
        },
    )
    assert layering_violations(import_graph(pkg)) == [
        "flowrt.testing.suite imports flowrt.connect.export: flowrt.testing and "
        "flowrt.connect are peers"
    ]


# ---------------------------------------------------------------------------------------------
# the seams the layers meet at


def test_a_program_runs_through_the_runner_its_builder_gave_it() -> None:
    """The compiler never imports the run layers: the driver hands `Program` its runner."""
    from flowrt.lang.compiler import Program
    from flowrt.project import driver
    from flowrt.project.driver import load_project

    program = load_project(str(ROOT / "flows")).compile()
    # The driver's runner imports flowrt.scenario.run at the first run (validate never runs).
    assert program.runner is driver._run_contact
    ran = program.run({"channel": "CHAT"}, None, flow="inbound-support", max_steps=7)
    assert ran.outcome.flows[0] == "inbound-support"
    # ... and hands the program `run_contact` itself, so later runs skip the import.
    from flowrt.scenario.run import run_contact

    assert program.runner is run_contact
    again = program.run({"channel": "CHAT"}, None, flow="inbound-support", max_steps=7)
    assert again.trace.records == ran.trace.records and again.outcome == ran.outcome
    calls: list[tuple[Any, ...]] = []
    spy = Program(program.flows, program.instance, runner=lambda *a, **k: calls.append((a, k)))
    spy.run({"channel": "CHAT"}, None, flow="inbound-support", max_steps=7)
    assert calls == [
        (
            (spy, {"channel": "CHAT"}, None),
            {"flow": "inbound-support", "max_steps": 7, "contact_id": None},
        )
    ]
    with pytest.raises(TypeError, match="load_project"):
        Program(program.flows, program.instance).run({})


def test_every_channel_goes_through_the_one_run_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call runs the interpreter once; an email case runs it once per flow it starts."""
    from flowrt.project.driver import load_project
    from flowrt.run import interpreter

    program = load_project(str(ROOT / "flows")).compile()
    loops: list[str] = []
    real = interpreter._loop

    def counting(rt: Any, cflow: Any, max_steps: int) -> Any:
        loops.append(cflow.name)
        return real(rt, cflow, max_steps)

    monkeypatch.setattr(interpreter, "_loop", counting)
    program.run({"customer-endpoint": "+15555550100"}, {}, flow="inbound-support")
    assert loops == ["inbound-support"]
    loops.clear()
    request = {
        "FromEmailAddress": {"EmailAddress": "pat@customer.example"},
        "DestinationEmailAddress": "support@anycompany.example",
        "EmailMessage": {
            "MessageSourceType": "RAW",
            "RawMessage": {
                "Subject": "Order 42",
                "Body": "Where is it?",
                "ContentType": "text/plain",
            },
        },
    }
    result = program.run({"start-email-contact": request}, {})
    assert (result.outcome.kind, result.outcome.queue) == ("queued", "BasicQueue")
    assert loops == ["inbound-email"]

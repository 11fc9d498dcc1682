"""The driver: find a project's files, run load -> validate -> model -> compile, collect diagnostics.

A project is a directory holding an `instance.yaml`, with `*.flow.yaml` and `*.scenario.yaml`
files anywhere below it.  Every command finds it the same way (`find_root`, `scope`): a file
given on its own belongs to the nearest directory at or above it that holds an `instance.yaml`
(or to its own directory if there is none); a directory inside a project stands for the whole
project, whatever the working directory; a directory above any project stands for every
project below it.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowrt.core.diagnostics import Diagnostic, FlowrtError, Span, has_errors, neutralized
from flowrt.core.files import FLOW_SUFFIX, INSTANCE_FILE, kind_of
from flowrt.core.gc import paused_gc
from flowrt.lang import schema
from flowrt.lang.blocks import BLOCKS, Block, Flow
from flowrt.lang.broken import Broken, BrokenFlow
from flowrt.lang.compiler import CompiledFlow, FlowEnv, Program, compile_flow
from flowrt.lang.instance import Instance, check_instance, partial_instance
from flowrt.lang.line_count import entries_past
from flowrt.lang.loader import (
    DEFAULT_LIMITS,
    Document,
    JsonPath,
    Limits,
    LoadError,
    decode,
    load_text,
    read_text,
)

#: Above this many blocks a flow is refused outright (a bound on untrusted input).
MAX_BLOCKS = 20_000
#: A flow file larger than this (in characters) has its blocks counted before it is built.
EARLY_COUNT_BYTES = 2 * 1024 * 1024
#: Amazon Connect accepts at most this many actions in one flow.
CONNECT_MAX_ACTIONS = 250
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}


def display_path(path: Path) -> str:
    """The path as shown in diagnostics: relative to the working directory when below it, or
    when both are in one project (`../main.flow.yaml` from a subdirectory); absolute otherwise."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    if not rel.startswith(".."):
        return rel
    try:
        root = project_root(Path.cwd())
    except OSError:  # the working directory is gone
        return str(path)
    if root is not None and Path(os.path.abspath(path)).is_relative_to(root):
        return rel
    return str(path)


def project_root(path: Path) -> Path | None:
    """The nearest directory at or above `path` (a file or a directory) that holds an
    instance.yaml, as an absolute path; None when there is none.

    The walk stops at the top of a repository (a directory holding `.git`): a project never
    reaches above its repository."""
    p = Path(os.path.abspath(path))
    start = p if p.is_dir() else p.parent
    for d in (start, *start.parents):
        if (d / INSTANCE_FILE).is_file():
            return d
        if (d / ".git").exists():
            return None
    return None


def find_root(path: Path) -> Path:
    """The project root of a file or directory, as an absolute path: the nearest directory at or
    above it with an instance.yaml; without one, the directory itself (a file's directory).

    Every command finds its project this way, whatever the working directory."""
    root = project_root(path)
    if root is not None:
        return root
    p = Path(os.path.abspath(path))
    return p if p.is_dir() else p.parent


class _Roots:
    """`find_root` for the many files of one command, asked once per directory (1,000 flows in
    one directory are one walk up, not 1,000)."""

    def __init__(self) -> None:
        self._by_dir: dict[str, Path] = {}

    def __call__(self, path: Path) -> Path:
        if os.path.isdir(path):
            return find_root(path)
        parent = os.path.dirname(os.path.abspath(path))
        root = self._by_dir.get(parent)
        if root is None:
            root = self._by_dir[parent] = find_root(Path(parent))
        return root


def scope(path: Path) -> Path:
    """What a path given to a command stands for, as an absolute path.

    A file stands for itself.  A directory inside a project (an instance.yaml at or above it)
    stands for the whole project: its root.  A directory above any project stands for itself:
    every project below it."""
    p = Path(os.path.abspath(path))
    if not p.is_dir():
        return p
    return project_root(p) or p


def project_roots(path: Path, kind: str | None = None) -> list[Path]:
    """The roots of the projects `path` stands for (see `scope`), sorted.

    For a directory above the projects, the roots of the files below it (only files of `kind`,
    `"scenario"` for the commands that run cases, when given)."""
    base = scope(path)
    if not base.is_dir():
        return [find_root(base)]
    root_of = _Roots()
    roots = {root_of(f) for f in discover([base]) if kind is None or kind_of(f) == kind}
    if (base / INSTANCE_FILE).is_file() or not roots:
        roots.add(base)
    return sorted(roots)


@dataclass
class FlowUnit:
    """A loaded flow file: its document, model and blocks (those that validated)."""

    doc: Document
    flow: Flow
    blocks: dict[str, Block]
    invalid: set[str]


@dataclass
class Project:
    """The files of one project, loaded, validated and modelled; `compile()` builds the Program."""

    root: Path
    files: list[Path] = field(default_factory=list)
    instance: Instance | None = None
    instance_doc: Document | None = None
    flows: dict[str, FlowUnit] = field(default_factory=dict)
    scenario_docs: list[Document] = field(default_factory=list)
    #: Scenario files that validated: (document, flowrt.scenario.model.ScenarioFile).
    scenarios: list[tuple[Document, Any]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: What is known of the flows and instance entries that failed to load (reported once,
    #: where they are written): names that everything else still knows.
    broken: Broken = field(default_factory=Broken)
    _program: Program | None = None

    def compile(self, *, strict: bool = True) -> Program:
        """Compile every flow; raise FlowrtError on errors (unless `strict` is False)."""
        if self._program is None:
            with paused_gc():
                self._program = self._compile()
        if strict and has_errors(self._program.diagnostics):
            raise FlowrtError(self._program.diagnostics)
        return self._program

    def _compile(self) -> Program:
        diags = list(self.diagnostics)
        broken = self.broken
        for name in self.flows:  # a name a flow that compiles also has is that flow's
            broken.flows.pop(name, None)
        env = FlowEnv(self.instance, {n: u.flow.type for n, u in self.flows.items()}, broken)
        # By ID and, for an ARN, by the ID at its end (Connect writes either).
        env.flow_ids = {
            key: n
            for n, u in self.flows.items()
            if u.flow.id
            for key in (u.flow.id, u.flow.id.rsplit("/", 1)[-1])
        }
        if self.instance_doc is not None and self.instance is not None:
            diags.extend(
                check_instance(
                    self.instance, self.instance_doc, env.flow_types, broken.instance, broken.flows
                )
            )
        compiled: dict[str, CompiledFlow] = {}
        for name, unit in self.flows.items():
            cf, found = compile_flow(unit.doc, unit.flow, unit.blocks, unit.invalid, env)
            compiled[name] = cf
            diags.extend(found)
        program = Program(compiled, self.instance, diags, _run_contact, broken)
        # Mail loops, the Default outbound flow: only for an outbound email flow or one the
        # instance names (the email checks' modules are not imported for any other project).
        if any(cf.type == "outbound-email" for cf in compiled.values()) or (
            self.instance is not None and self.instance.default_outbound_flow is not None
        ):
            from flowrt.email.loops import check_email_project

            diags.extend(check_email_project(program, self.instance_doc))
        if self.scenarios:
            from flowrt.scenario.model import check_scenario

            for doc, sf in self.scenarios:
                diags.extend(check_scenario(doc, sf, program))
        return program


def _run_contact(program: Program, *args: Any, **kwargs: Any) -> Any:
    """`flowrt.scenario.run.run_contact`, imported at the first run (validate needs none of it),
    then kept by the program: later runs skip this import and call (1 us, 12% of a short run)."""
    from flowrt.scenario.run import run_contact

    program.runner = run_contact
    return run_contact(program, *args, **kwargs)


def load_project(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Project:
    """Load the project at `path` (a directory, or any file in it).

    Raises FlowrtError (one FR001 diagnostic) when `path` is not a path or names nothing: an
    empty project would hide the mistake."""
    hint = "give the path of a project directory or of a file in it, as a str or a Path"
    if not isinstance(path, str | os.PathLike):
        problem = f"the path must be a str or an os.PathLike, not {type(path).__name__}"
        raise FlowrtError([Diagnostic.make("FR001", f"load_project: {problem}", None, hint)])
    p = Path(path)
    if not os.path.lexists(p):
        shown = neutralized(str(p))
        message = f"load_project: no such file or directory: {shown}"
        raise FlowrtError([Diagnostic.make("FR001", message, None, hint)])
    root = find_root(p)
    with paused_gc():
        root_of = _Roots()
        return _load(root, [f for f in discover([root]) if root_of(f) == root], limits)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Every flowrt file under the given paths (files are kept as given), sorted.

    Nothing is read here.  The walk never follows a symbolic link to a directory (a link out of
    the project leads nowhere); a file that is a link, or not a regular file, is listed so that
    loading it reports why it is not read (FR009 for a link out of the project, FR001 for a
    FIFO, a device or a socket)."""
    found: set[Path] = set()
    for p in paths:
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p, followlinks=False):
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if d not in _SKIP_DIRS
                    and not d.startswith(".")
                    and not os.path.islink(os.path.join(dirpath, d))
                )
                for f in filenames:
                    fp = Path(dirpath) / f
                    if kind_of(fp) is not None:
                        found.add(fp)
        else:
            found.add(p)
    return sorted(found)


def check_paths(
    paths: Sequence[str], limits: Limits = DEFAULT_LIMITS
) -> tuple[list[Diagnostic], int]:
    """Validate and compile what `paths` stand for (`scope`: a file, or a whole project); return
    all diagnostics and the file count."""
    diags: list[Diagnostic] = []
    groups: dict[Path, list[Path]] = {}
    count = 0
    root_of = _Roots()
    for raw in paths or ["."]:
        p = Path(raw)
        if not p.exists():
            diags.append(Diagnostic.make("FR001", f"no such file or directory: {raw}", None))
            continue
        if p.is_file() and kind_of(p) is None:
            diags.append(
                Diagnostic.make(
                    "FR015",
                    f"`{p.name}` is not a flowrt file",
                    Span(display_path(p), 1, 1, 1, 2),
                    "flowrt reads instance.yaml, *.flow.yaml and *.scenario.yaml files",
                )
            )
            continue
        for f in discover([scope(p)]):
            groups.setdefault(root_of(f), []).append(Path(os.path.abspath(f)))
    for root, files in sorted(groups.items()):
        # A project is checked whole so that names resolve; only the files asked for report.
        with paused_gc():
            project = _load(root, _with_context(root, files, root_of), limits)
            program = project.compile(strict=False)
        wanted = {display_path(f) for f in files}
        diags.extend(d for d in program.diagnostics if d.span is None or d.span.file in wanted)
        count += len(set(files))
    return diags, count


def check_project(
    root: Path, overlay: Mapping[Path, str] | None = None, limits: Limits = DEFAULT_LIMITS
) -> Project:
    """Load, validate and compile the whole project at `root` (an absolute path), exactly as
    `flowrt validate ROOT` does; the compiled project's diagnostics are those of every file.

    `overlay` maps absolute paths to the text an editor holds for them (unsaved edits, new
    files not yet written): that text is checked instead of the file's, as the language server
    needs."""
    overlay = overlay or {}
    root_of = _Roots()
    files = {f for f in discover([root]) if root_of(f) == root}
    files |= {f for f in overlay if kind_of(f) is not None and root_of(f) == root}
    with paused_gc():
        project = _load(root, sorted(files), limits, overlay)
        project.compile(strict=False)
    return project


def _with_context(root: Path, files: list[Path], root_of: _Roots) -> list[Path]:
    """The files asked for, plus the project's instance and flows so that names resolve."""
    # A subdirectory with its own instance.yaml is another project: leave its files out.
    ctx = [f for f in discover([root]) if kind_of(f) in ("instance", "flow") and root_of(f) == root]
    return sorted(set(ctx) | set(files))


def _load(
    root: Path,
    files: list[Path],
    limits: Limits,
    overlay: Mapping[Path, str] | None = None,
    deferred: list[tuple[int, Path]] | None = None,
) -> Project:
    project = Project(root, files)
    real: dict[str, str] = {}  # real paths of the directories met (`_inside`)
    for f in files:
        kind = kind_of(f)
        if deferred is not None and kind == "scenario":  # read later, one at a time (lean.py)
            deferred.append((len(project.diagnostics), f))
            continue
        display = display_path(f)
        if not _resolves(f):
            project.diagnostics.append(
                Diagnostic.make(
                    "FR001",
                    f"cannot read file: {display} is a symbolic link that leads nowhere (a loop)",
                    Span(display, 1, 1, 1, 2),
                    "replace the link with the file it should name",
                )
            )
            _unreadable(project, f, display, kind, None)
            continue
        if not _inside(f, root, real):
            project.diagnostics.append(
                Diagnostic.make(
                    "FR009",
                    f"{display} resolves outside the project root {display_path(root)}",
                    Span(display, 1, 1, 1, 2),
                    "symbolic links must stay inside the project",
                )
            )
            _unreadable(project, f, display, kind, None)
            continue
        try:
            if overlay and f in overlay:  # an editor's unsaved text, bounded as a file is
                text = decode(overlay[f].encode("utf-8", "surrogatepass"), display, limits)
            else:
                text = read_text(f, display, limits)
            if kind == "flow" and _too_many_blocks(project, text, display):
                continue
            doc = load_text(text, display, limits)
        except LoadError as exc:
            project.diagnostics.append(exc.diagnostic)
            _unreadable(project, f, display, kind, limits)
            continue
        if not isinstance(doc.data, dict):
            project.diagnostics.append(
                Diagnostic.make(
                    "FR011",
                    f"a {kind} file must be a mapping of keys, not {_kind_of_value(doc.data)}",
                    doc.span(()),
                    "see `flowrt schema " + str(kind) + "`",
                )
            )
            _unreadable(project, f, display, kind, limits)
            continue
        if kind == "flow":
            _add_flow(project, doc, limits)
        elif kind == "instance":
            _add_instance(project, doc)
        elif kind == "scenario":
            project.scenario_docs.append(doc)
            _add_scenario(project, doc)
    has_instance_file = any(kind_of(f) == "instance" for f in files)
    if not has_instance_file and project.flows:  # an invalid instance reported its own errors
        first = next(iter(project.flows.values()))
        project.diagnostics.append(
            Diagnostic.make(
                "FR036",
                f"no {INSTANCE_FILE} found for this project: queue, user and other names are "
                "not checked",
                first.doc.span(("flow",)),
                f"add an {INSTANCE_FILE} at the project root (see `flowrt schema instance`)",
            )
        )
    return project


def _too_many_blocks(project: Project, text: str, display: str) -> bool:
    """FR045 for a large flow file with more than MAX_BLOCKS blocks, found before it is built
    (counting stops at block MAX_BLOCKS + 1): an 8 MB flow of 50,000 blocks is refused in a
    fraction of a second (`entries_past`).  Smaller files are counted in `_add_flow`."""
    pos = entries_past(text, "blocks", MAX_BLOCKS) if len(text) > EARLY_COUNT_BYTES else None
    if pos is None:
        return False
    project.diagnostics.append(
        Diagnostic.make(
            "FR045",
            f"more than {MAX_BLOCKS:,} blocks; flowrt reads at most {MAX_BLOCKS:,} per flow",
            Span(display, *pos),
            "split the flow with transfer-to-flow",
        )
    )
    found: dict[str, str] = {}
    for m in _HEADER.finditer(text):
        found.setdefault(m.group(1), m.group("v"))
        if len(found) == 2:  # both, usually on the first lines: not a scan of 8 MB
            break
    name = found.get("flow", Path(display).name.removesuffix(FLOW_SUFFIX))
    project.broken.flows.setdefault(name, BrokenFlow(name, display, found.get("type"), {}, False))
    return True


def _kind_of_value(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, list):
        return "a list"
    return f"a single value ({value!r})"


def _inside(path: Path, root: Path, real: dict[str, str] | None = None) -> bool:
    """Whether `path`, every link followed, is inside `root`.  `real` keeps the real paths of
    the directories resolved so far: a file that is not a link is inside its directory's real
    path (one `lstat` per file instead of one per part of its path)."""
    if real is None:
        real = {}
    try:
        top = real.get("")
        if top is None:
            top = real[""] = os.path.realpath(root)
        if os.path.islink(path):
            resolved = os.path.realpath(path)
        else:
            parent, name = os.path.split(os.path.abspath(path))
            where = real.get(parent)
            if where is None:
                where = real[parent] = os.path.realpath(parent)
            resolved = os.path.join(where, name)
        Path(resolved).relative_to(top)
    except (ValueError, OSError):
        return False
    return True


def _resolves(path: Path) -> bool:
    """Whether `path` is not a symbolic link loop (a missing target is for the reader to say)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno != errno.ELOOP
    return True


def _unreadable(
    project: Project, path: Path, display: str, kind: str | None, limits: Limits | None
) -> None:
    """Keep what is known of a file that could not be read: a flow's name, or that the
    instance's names are unknown (so nothing reports them as missing).  Without `limits` the
    file is not read again (it is not one flowrt may read)."""
    if kind == "instance":
        project.broken.instance.unread = True
    elif kind == "flow":
        name, type_ = _flow_header(path, display, limits)
        project.broken.flows.setdefault(name, BrokenFlow(name, display, type_, {}, False))


#: A top-level `flow:` or `type:` line of a flow file, read from text that is not valid YAML.
_HEADER = re.compile(
    r"^(flow|type):[ \t]*(?P<q>[\"']?)(?P<v>[A-Za-z0-9_.-]+)(?P=q)[ \t]*(#.*)?$", re.M
)


def _flow_header(path: Path, display: str, limits: Limits | None) -> tuple[str, str | None]:
    """A flow's name (its `flow:` key if it can be read, else its file name) and its type."""
    found: dict[str, str] = {}
    try:
        text = read_text(path, display, limits) if limits is not None else ""
    except LoadError:
        text = ""
    for m in _HEADER.finditer(text):
        found.setdefault(m.group(1), m.group("v"))
    stem = path.name.removesuffix(FLOW_SUFFIX)
    return found.get("flow", stem), found.get("type")


def _add_instance(project: Project, doc: Document) -> None:
    found = schema.validate(doc, "instance")
    project.diagnostics.extend(found)
    if not found:
        inst = _model(Instance, doc.data, doc, (), project.diagnostics)
        if inst is not None:
            project.instance, project.instance_doc = inst, doc
            return
    # Its errors are reported: keep the entries that validate, and the names of the others.
    inst, project.broken.instance = partial_instance(doc.data)
    if inst is not None:
        project.instance, project.instance_doc = inst, doc


def _add_scenario(project: Project, doc: Document) -> None:
    from flowrt.scenario.model import ScenarioFile

    found = schema.validate(doc, "scenario")
    project.diagnostics.extend(found)
    if found:
        return
    sf = _model(ScenarioFile, doc.data, doc, (), project.diagnostics)
    if sf is not None:
        project.scenarios.append((doc, sf))


def _add_flow(project: Project, doc: Document, limits: Limits) -> None:
    blocks_data = doc.data.get("blocks")
    if isinstance(blocks_data, dict) and len(blocks_data) > MAX_BLOCKS:
        project.diagnostics.append(
            Diagnostic.make(
                "FR045",
                f"{len(blocks_data):,} blocks; flowrt reads at most {MAX_BLOCKS:,} per flow",
                doc.key_span(("blocks",)),
                "split the flow with transfer-to-flow",
            )
        )
        _broken_flow(project, doc, {}, set())
        return
    invalid: set[str] = set()
    found = schema.validate(doc, "flow", invalid)
    project.diagnostics.extend(found)
    flow, bad = _flow_model({k: v for k, v in doc.data.items() if k != "blocks"})
    if flow is None:  # the schema reported why: keep what can be read of it
        written = blocks_data if isinstance(blocks_data, dict) else {}
        _broken_flow(project, doc, written, bad, complete=isinstance(blocks_data, dict))
        return
    blocks: dict[str, Block] = {}
    for name, data in (blocks_data if isinstance(blocks_data, dict) else {}).items():
        if name in invalid or not isinstance(data, dict):
            invalid.add(name)
            continue
        block = _model(BLOCKS[data["type"]], data, doc, ("blocks", name), project.diagnostics)
        if block is None:
            invalid.add(name)
        else:
            blocks[name] = block
    if len(blocks) + len(invalid) > CONNECT_MAX_ACTIONS:
        project.diagnostics.append(
            Diagnostic.make(
                "FR044",
                f"{len(blocks) + len(invalid):,} blocks; Amazon Connect accepts at most "
                f"{CONNECT_MAX_ACTIONS} actions in one flow",
                doc.key_span(("blocks",)),
                "export will refuse this flow; split it with transfer-to-flow",
            )
        )
    if flow.flow in project.flows:
        other = project.flows[flow.flow].doc
        project.diagnostics.append(
            Diagnostic.make(
                "FR035",
                f"flow name `{flow.flow}` is also used by {other.file}",
                doc.span(("flow",)),
                "flow names must be unique in a project",
            )
        )
        return
    project.flows[flow.flow] = FlowUnit(doc, flow, blocks, invalid)


def _flow_model(top: dict[str, Any]) -> tuple[Flow | None, set[Any]]:
    """A flow's top level as a model, and the keys that do not validate.

    A key other than `flow`, `type` and `start` that does not validate (an unknown key, a
    description that is not text) is left out, so the flow still compiles and its blocks are
    still checked; its error is the schema's to report."""
    from pydantic import ValidationError

    bad: set[Any] = set()
    while True:
        try:
            return Flow.model_validate(top | {"blocks": {}}), bad
        except ValidationError as exc:
            wrong = {err["loc"][0] for err in exc.errors() if err["loc"]}
        except Exception:  # noqa: BLE001 - data the schema refused in another way
            return None, bad
        bad |= wrong
        if not wrong or wrong & {"flow", "type", "start"} or not wrong & set(top):
            return None, bad
        top = {k: v for k, v in top.items() if k not in wrong}


def _broken_flow(
    project: Project,
    doc: Document,
    blocks: dict[str, Any],
    bad: set[Any],
    complete: bool = False,
) -> None:
    """Keep a flow that does not compile by its name, with what can be read of its blocks."""
    data = doc.data
    name = data.get("flow")
    if not isinstance(name, str):
        name = Path(doc.file).name.removesuffix(FLOW_SUFFIX)
    type_ = data.get("type") if "type" not in bad and isinstance(data.get("type"), str) else None
    project.broken.flows.setdefault(name, BrokenFlow(name, doc.file, type_, blocks, complete))


def _model(cls: Any, data: Any, doc: Document, base: JsonPath, out: list[Diagnostic]) -> Any:
    """Build a pydantic model from schema-valid data; any residual error becomes a diagnostic."""
    from pydantic import ValidationError

    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            path = (*base, *err["loc"])
            out.append(
                Diagnostic.make(
                    "FR011", f"`{'.'.join(map(str, err['loc']))}`: {err['msg']}", doc.span(path)
                )
            )
        return None

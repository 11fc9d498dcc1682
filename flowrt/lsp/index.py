"""Every name a project defines and every place that names it, from the loader's positions.

A `Site` is one occurrence of a name: a block (scoped by its flow), a flow, a queue, a user, hours
of operation, a Lambda function or a scenario case, either where it is defined (a block's key
under `blocks:`, a flow's `flow:`, an instance entry's key) or where it is used (`next:`,
`start:`, `queue:`, a scenario's `expect:` ...).  Definition, references, rename and hover all
read this one table, built from the same documents the driver validated.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flowrt.core.diagnostics import Span
from flowrt.lang.loader import Document, JsonPath
from flowrt.project.driver import Project

#: A block's keys that name an instance resource or a flow, and which.
BLOCK_RESOURCES = {
    "queue": "queue",
    "agent": "user",
    "flow": "flow",
    "hours": "hours",
    "function": "lambda",
}
#: Instance sections whose keys define names, and the kind of name.
INSTANCE_SECTIONS = {
    "queues": "queue",
    "users": "user",
    "hours-of-operation": "hours",
    "lambda-functions": "lambda",
}
#: `expect:` keys whose values name blocks (a list, or one name).
EXPECT_BLOCK_LISTS = ("visits", "visits-in-order", "never")
EXPECT_BLOCK_ONE = ("first", "last")


@dataclass(frozen=True)
class Site:
    """One occurrence of a name: what it names, where (the name's own characters, quotes
    excluded), and whether it is the definition."""

    kind: str
    scope: str
    name: str
    file: str
    span: Span
    definition: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.scope, self.name)


@dataclass
class Index:
    """The sites of a project, by file and by name."""

    sites: list[Site] = field(default_factory=list)
    by_file: dict[str, list[Site]] = field(default_factory=dict)
    by_key: dict[tuple[str, str, str], list[Site]] = field(default_factory=dict)
    #: Documents by absolute path (the last that loaded), for hover and completion.
    docs: dict[str, Document] = field(default_factory=dict)

    def add(self, site: Site) -> None:
        self.sites.append(site)
        self.by_file.setdefault(site.file, []).append(site)
        self.by_key.setdefault(site.key, []).append(site)

    def at(self, file: str, line: int, column: int) -> Site | None:
        """The site under a 1-based position (the end of a name counts: a cursor after it)."""
        for site in self.by_file.get(file, ()):
            s = site.span
            if s.line == line and s.column <= column <= s.end_column:
                return site
        return None

    def definition(self, key: tuple[str, str, str]) -> Site | None:
        return next((s for s in self.by_key.get(key, ()) if s.definition), None)

    def references(self, key: tuple[str, str, str]) -> list[Site]:
        return list(self.by_key.get(key, ()))

    def names(self, kind: str, scope: str = "") -> list[str]:
        """Every defined name of a kind (in a scope), in order of definition."""
        seen: dict[str, None] = {}
        for k, sites in self.by_key.items():
            if k[0] == kind and k[1] == scope and any(s.definition for s in sites):
                seen[k[2]] = None
        return list(seen)


def absolute(file: str) -> str:
    """The absolute path of a diagnostic's or document's file (shown relative to the server's
    working directory, as the command line shows it)."""
    return os.path.abspath(file)


def build_index(project: Project) -> Index:
    """The sites of every document of a loaded project."""
    index = Index()
    for unit in project.flows.values():
        _flow_sites(index, unit.doc)
    if project.instance_doc is not None:
        _instance_sites(index, project.instance_doc)
    for doc in project.scenario_docs:
        _scenario_sites(index, doc)
    return index


class _Adder:
    """Adds the sites of one document."""

    def __init__(self, index: Index, doc: Document) -> None:
        self.index = index
        self.doc = doc
        self.file = absolute(doc.file)
        index.docs[self.file] = doc

    def value(self, kind: str, scope: str, path: JsonPath, definition: bool = False) -> None:
        """The string at `path` names a `kind`; `flow/block` names a block of another flow."""
        value = _get(self.doc.data, path)
        if not isinstance(value, str) or not value or path not in self.doc.positions:
            return
        span = _name_span(self.doc, self.doc.span(path), value)
        if span is None:
            return
        if kind == "block" and "/" in value and not definition:
            flow, _, block = value.partition("/")
            self.index.add(Site("flow", "", flow, self.file, span.shifted(0, len(flow))))
            span = span.shifted(len(flow) + 1, len(value))
            scope, value = flow, block
        self.index.add(Site(kind, scope, value, self.file, span, definition))

    def key(self, kind: str, scope: str, path: JsonPath, definition: bool = False) -> None:
        """The mapping key at the end of `path` names a `kind`."""
        name = path[-1]
        if not isinstance(name, str) or path not in self.doc.key_positions:
            return
        span = _name_span(self.doc, self.doc.key_span(path), name)
        if span is None:
            return
        if kind == "block" and "/" in name and not definition:
            flow, _, block = name.partition("/")
            self.index.add(Site("flow", "", flow, self.file, span.shifted(0, len(flow))))
            span = span.shifted(len(flow) + 1, len(name))
            scope, name = flow, block
        self.index.add(Site(kind, scope, name, self.file, span, definition))


def _get(data: Any, path: JsonPath) -> Any:
    for step in path:
        if isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
            continue
        if not isinstance(data, dict) or step not in data:
            return None
        data = data[step]
    return data


def _name_span(doc: Document, span: Span, name: str) -> Span | None:
    """The span of a name's characters: a quoted scalar's quotes left out; None for a scalar
    written over several lines or with escapes (its characters are not the name's)."""
    if span.end_line != span.line:
        return None
    line = doc.source_line(span.line)
    shown = line[span.column - 1 : span.end_column - 1]
    if shown == name:
        return span
    if len(shown) == len(name) + 2 and shown[0] in "\"'" and shown[1:-1] == name:
        return Span(span.file, span.line, span.column + 1, span.line, span.end_column - 1)
    return None


def _items(data: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        yield from ((k, v) for k, v in data.items() if isinstance(k, str))


def _flow_sites(index: Index, doc: Document) -> None:
    add = _Adder(index, doc)
    data = doc.data
    flow = data.get("flow") if isinstance(data, dict) else None
    if not isinstance(flow, str):
        return
    add.value("flow", "", ("flow",), definition=True)
    add.value("block", flow, ("start",))
    for name, block in _items(data.get("blocks")):
        base: JsonPath = ("blocks", name)
        add.key("block", flow, base, definition=True)
        if not isinstance(block, dict):
            continue
        nxt = block.get("next")
        if isinstance(nxt, str):
            add.value("block", flow, (*base, "next"))
        for branch, _ in _items(nxt):
            add.value("block", flow, (*base, "next", branch))
        conditions = block.get("conditions")
        for i, _ in enumerate(conditions if isinstance(conditions, list) else ()):
            add.value("block", flow, (*base, "conditions", i, "next"))
        for key, kind in BLOCK_RESOURCES.items():
            add.value(kind, "", (*base, key))


def _instance_sites(index: Index, doc: Document) -> None:
    add = _Adder(index, doc)
    data = doc.data
    if not isinstance(data, dict):
        return
    for section, kind in INSTANCE_SECTIONS.items():
        for name, _ in _items(data.get(section)):
            add.key(kind, "", (section, name), definition=True)
    for name, _ in _items(data.get("queues")):
        add.value("hours", "", ("queues", name, "hours"))
    for name, profile in _items(data.get("routing-profiles")):
        queues = profile.get("queues") if isinstance(profile, dict) else None
        for i, _ in enumerate(queues if isinstance(queues, list) else ()):
            add.value("queue", "", ("routing-profiles", name, "queues", i))
        add.value("queue", "", ("routing-profiles", name, "default-outbound-queue"))
    for name, _ in _items(data.get("quick-connects")):
        for key, kind in (("queue", "queue"), ("user", "user"), ("flow", "flow")):
            add.value(kind, "", ("quick-connects", name, key))
    for section in ("phone-numbers", "email-addresses"):
        for name, _ in _items(data.get(section)):
            add.value("flow", "", (section, name, "flow"))
    add.value("flow", "", ("default-outbound-flow",))


def _scenario_sites(index: Index, doc: Document) -> None:
    add = _Adder(index, doc)
    data = doc.data
    if not isinstance(data, dict):
        return
    default = data.get("flow") if isinstance(data.get("flow"), str) else ""
    add.value("flow", "", ("flow",))
    _world_sites(add, data.get("world"), ("world",), str(default))
    for name, case in _items(data.get("cases")):
        base: JsonPath = ("cases", name)
        add.key("case", absolute(doc.file), base, definition=True)
        if not isinstance(case, dict):
            continue
        flow = case.get("flow") if isinstance(case.get("flow"), str) else default
        add.value("flow", "", (*base, "flow"))
        _world_sites(add, case.get("world"), (*base, "world"), str(flow))
        expect = case.get("expect")
        if isinstance(expect, dict):
            _expect_sites(add, expect, (*base, "expect"), str(flow))


def _world_sites(add: _Adder, world: Any, base: JsonPath, flow: str) -> None:
    """Names in a world: queues, agents and Lambda functions, and the blocks that get customer
    input (`input:` keys) or fail (`errors:`)."""
    if not isinstance(world, dict):
        return
    for section, kind in (("queues", "queue"), ("agent-queues", "user"), ("lambdas", "lambda")):
        for name, _ in _items(world.get(section)):
            add.key(kind, "", (*base, section, name))
    for name, _ in _items(world.get("input")):
        add.key("block", flow, (*base, "input", name))
    for i in _indexes(world.get("errors")):
        add.value("block", flow, (*base, "errors", i))


def _expect_sites(add: _Adder, expect: dict[str, Any], base: JsonPath, flow: str) -> None:
    for key in EXPECT_BLOCK_LISTS:
        for i in _indexes(expect.get(key)):
            add.value("block", flow, (*base, key, i))
    for key in EXPECT_BLOCK_ONE:
        add.value("block", flow, (*base, key))
    for i, pair in enumerate(_list(expect.get("before"))):
        for j in _indexes(pair):
            add.value("block", flow, (*base, "before", i, j))
    for name, _ in _items(expect.get("branch")):
        add.key("block", flow, (*base, "branch", name))
    outcome = expect.get("outcome")
    if isinstance(outcome, dict):
        ended = outcome.get("flow") if isinstance(outcome.get("flow"), str) else flow
        add.value("block", str(ended), (*base, "outcome", "block"))
        add.value("flow", "", (*base, "outcome", "flow"))
        add.value("queue", "", (*base, "outcome", "queued"))
        for i in _indexes(outcome.get("flows")):
            add.value("flow", "", (*base, "outcome", "flows", i))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _indexes(value: Any) -> Iterable[int]:
    return range(len(value)) if isinstance(value, list) else ()

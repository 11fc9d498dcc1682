"""What is still known of what failed to load, so that one mistake gives one error.

A flow whose YAML does not parse, or whose top level does not validate, is not compiled; a block
that does not validate is left out of its flow; an instance entry that does not validate is left
out of the instance.  Each of these has been reported once, where it is written.  Everything that
refers to one of them by name (other flows, the instance, scenarios, assertions, email cases)
still knows the name: it does not report the name as unknown, it does not check what it cannot
know (the branches of a block that failed), and it goes on with every check that does not depend
on it.

`Broken` is what the project driver keeps of the files that failed; the compiler hands it to the
program (`Program.broken`), so every later check can ask.  `reach` is what a case runs, as far as
it is known: the compiled flows, the blocks known only by name, and whether some flow it may run
could not be read whole (then any block name may exist).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowrt.lang.compiler import CompiledFlow, Program


@dataclass(frozen=True)
class BrokenFlow:
    """A flow that could not be compiled: its name, and what could be read of it."""

    name: str
    file: str
    #: Its flow type, when it could be read.
    type: str | None
    #: Block name -> its data as written, for the blocks that could be read.
    blocks: Mapping[str, Any]
    #: Whether `blocks` names every block of the flow (False when the YAML did not parse).
    complete: bool


#: The instance's sections of named entries, by their YAML key.
NAMED_SECTIONS = (
    "hours-of-operation",
    "queues",
    "users",
    "security-profiles",
    "routing-profiles",
    "quick-connects",
    "phone-numbers",
    "email-addresses",
    "lambda-functions",
)


@dataclass
class InstanceGaps:
    """The names of instance.yaml that exist but did not load (their errors are reported)."""

    #: Section (its YAML key, e.g. `queues`) -> entry name -> its data as written.
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Sections whose names are not all known (the section itself did not validate).
    open: set[str] = field(default_factory=set)
    #: The file could not be read at all: no name of it is known.
    unread: bool = False

    def unsure(self, section: str, name: object) -> bool:
        """Whether `name` may be an entry of `section` that failed to load: do not report it."""
        if self.unread or section in self.open:
            return True
        entries = self.entries.get(section, {})
        if name in entries:
            return True
        # users and queues are also named by their ID
        return any(isinstance(raw, Mapping) and raw.get("id") == name for raw in entries.values())


@dataclass
class Broken:
    """What is known of everything in a project that failed to load."""

    #: Flow name -> the flow, for flows that could not be compiled.
    flows: dict[str, BrokenFlow] = field(default_factory=dict)
    instance: InstanceGaps = field(default_factory=InstanceGaps)


@dataclass
class Reach:
    """The flows a case may run, as far as they are known."""

    flows: list[CompiledFlow]
    #: Block name -> its data as written, for blocks of those flows that failed to load.
    broken: dict[str, Any] = field(default_factory=dict)
    #: Some flow the case may run could not be read whole: any block name may exist.
    open: bool = False

    def unsure(self, block: str) -> bool:
        """Whether `block` may be a block of these flows that failed to load."""
        return self.open or block in self.broken

    def may_use(self, key: str, value: str) -> bool:
        """Whether a block that failed to load may use `value` as its `key` (a Lambda
        function, a phone number): one that names it, or one whose `key` could not be read."""
        if self.open:
            return True
        for raw in self.broken.values():
            if not isinstance(raw, Mapping):
                return True
            given = raw.get(key)
            if given == value or (given is not None and not isinstance(given, str)):
                return True
            if isinstance(given, str) and given.startswith("$."):
                return True
        return False

    def names(self) -> set[str]:
        """Every block name of these flows, those that failed to load included."""
        return {n.name for f in self.flows for n in f.nodes} | set(self.broken)


#: Block types whose `("flow",)` prepared value names a flow they reach (run after or within).
_REACHING = frozenset({"transfer-to-flow", "invoke-module"})


def reach(program: Program, starts: Iterable[str], *, open: bool = False) -> Reach:
    """The flows named in `starts` and every flow a transfer-to-flow reaches from them.

    A compiled flow's transfers are followed as compiled; a block that failed to load, or a
    flow that failed, is followed by the `flow:` it names as written.  Flows are listed in the
    order they are found: depth first, each start in turn, a flow's later transfers first."""
    flows: dict[str, CompiledFlow] = {}
    broken: dict[str, Any] = {}
    seen: set[str] = set()
    todo = list(starts)[::-1]  # the first start first, and all it reaches before the next
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        cf = program.flows.get(name)
        raw_blocks: Mapping[str, Any]
        if cf is not None:
            flows[name] = cf
            for node in cf.nodes:
                if node.type in _REACHING:
                    target = node.prepared.get(("flow",))
                    if isinstance(target, str):
                        todo.append(target)
            raw_blocks = cf.invalid
        else:
            bf = program.broken.flows.get(name)
            if bf is None:
                continue
            open = open or not bf.complete
            raw_blocks = bf.blocks
        broken.update(raw_blocks)
        for raw in raw_blocks.values():
            target = raw.get("flow") if isinstance(raw, Mapping) else None
            if isinstance(target, str) and not target.startswith("$."):
                todo.append(target)
    return Reach(list(flows.values()), broken, open)


def knows_flow(program: Program, name: str) -> bool:
    """Whether `name` is a flow of the project, compiled or not."""
    return name in program.flows or name in program.broken.flows

"""Each block type states its run behaviour once: its `compile_step` closure (see blocks/base.py).

Read from the source (AST) of flowrt/lang/blocks/*.py, so a block that writes its run behaviour
twice (a `run` method beside the `compile_step` closure that repeats it) fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from flowrt.lang.blocks import BLOCKS, Block

BLOCKS_DIR = Path(__file__).resolve().parent.parent / "flowrt" / "lang" / "blocks"
#: Methods that state a block's run behaviour: the general one and the step builders.
RUN = "run"
STEP_BUILDERS = frozenset({"compile_step", "step"})


def _base_names(cls: ast.ClassDef) -> set[str]:
    out = set()
    for base in cls.bases:
        if isinstance(base, ast.Name):
            out.add(base.id)
        elif isinstance(base, ast.Attribute):
            out.add(base.attr)
    return out


def block_methods(sources: dict[str, str]) -> dict[str, set[str]]:
    """`Block` and every class deriving from it (across `sources`): the methods it defines."""
    classes: dict[str, ast.ClassDef] = {}
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text, name)):
            if isinstance(node, ast.ClassDef):
                classes[f"{name}:{node.name}"] = node
    blocks = {"Block"}
    grew = True
    while grew:  # subclasses of subclasses, in any order
        grew = False
        for cls in classes.values():
            if cls.name not in blocks and _base_names(cls) & blocks:
                blocks.add(cls.name)
                grew = True
    return {
        key: {f.name for f in cls.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)}
        for key, cls in classes.items()
        if cls.name in blocks
    }


def stated_twice(sources: dict[str, str]) -> list[str]:
    """Block classes that define both a `run` method and a step builder."""
    return sorted(
        key
        for key, methods in block_methods(sources).items()
        if RUN in methods and methods & STEP_BUILDERS
    )


def _sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(BLOCKS_DIR.glob("*.py"))}


def test_no_block_states_its_run_behaviour_twice() -> None:
    methods = block_methods(_sources())
    # Every registered block type was found, so the check below is not vacuous.
    found = {key.split(":")[1] for key in methods}
    assert {cls.__name__ for cls in BLOCKS.values()} <= found
    assert stated_twice(_sources()) == []


def test_every_block_type_states_it_once_the_documented_way() -> None:
    # One way (Block.compile_step, documented in blocks/base.py): no block has a `run` method, and
    # every registered block type writes its own compile_step (none falls back to Block's).
    for key, methods in block_methods(_sources()).items():
        assert RUN not in methods, f"{key} has a `run` method: write it as its compile_step"
    for cls in BLOCKS.values():
        assert "compile_step" in vars(cls), f"{cls.__name__} has no compile_step of its own"
        assert not hasattr(cls, RUN), f"{cls.__name__} inherits a `run` method"
    assert not hasattr(Block, RUN)


def test_the_check_catches_a_block_written_twice() -> None:
    twice = """
class Base(Block):
    pass

class Twice(Base):
    def run(self, node, rt):
        return "success"

    def compile_step(self, node):
        def twice(node, rt):
            return "success"
        return twice

class Once(Block):
    def compile_step(self, node):
        return None

class NotABlock:
    def run(self): ...
    def step(self): ...
"""
    assert stated_twice({"m.py": twice}) == ["m.py:Twice"]
    assert stated_twice({"m.py": twice.replace("compile_step", "step")}) == ["m.py:Twice"]

"""docs/language.md must not drift from the code.

Every block type has a `### <type>` section that names its keys, branches, default and required
branches, Amazon Connect action type, allowed flow types and limits; the instance file's sections
and keys are documented; the limits quoted are the code's; and every complete flow example (a YAML
block with `flow:` and `blocks:`) and instance example validates with no diagnostics at all.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from flowrt.core.diagnostics import CODES, Diagnostic
from flowrt.lang import expr, instance, loader
from flowrt.lang.blocks import (
    BLOCKS,
    CONNECT_OPERATORS,
    FLOW_TYPES,
    OPERATORS,
    RESERVED_NAMES,
    Block,
    CallerId,
    Condition,
    ConnectCondition,
    Flow,
    Prompt,
)
from flowrt.lang.hours import HoursOverride
from flowrt.project import driver as project

DOC = Path(__file__).resolve().parent.parent / "docs" / "language.md"

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)[ \t]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<title>.+?)[ \t]*#*[ \t]*$", re.M)
_CODE = re.compile(r"\bFR\d{3}\b")

#: Resources the flow examples use; kept free of flow references so it checks on its own.
EXAMPLES_INSTANCE = """\
instance: docs-examples
hours-of-operation:
  Office:
    time-zone: America/New_York
    days: {monday: "09:00-17:00", friday: "09:00-17:00"}
queues:
  BasicQueue: {hours: Office}
  Premium: {max-contacts: 10, hours: Office}
phone-numbers:
  "+18005550111": {}
lambda-functions:
  lookup-customer: {}
prompts: [hold-music, welcome]
"""

#: Instance model -> the `###` heading of the instance file section that documents it.
INSTANCE_MODELS: dict[type[BaseModel], str] = {
    instance.Instance: "Top-level sections",
    instance.HoursOfOperation: "hours-of-operation",
    HoursOverride: "hours-of-operation",
    instance.Queue: "queues",
    instance.QueueEmailAddresses: "queues",
    instance.User: "users",
    instance.SecurityProfile: "security-profiles",
    instance.RoutingProfile: "routing-profiles",
    instance.QuickConnect: "quick-connects",
    instance.PhoneNumber: "phone-numbers",
    instance.EmailAddress: "email-addresses",
    instance.LambdaFunction: "lambda-functions",
}


# ---------------------------------------------------------------------------------------------
# parsing the document


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    body: str


@dataclass(frozen=True)
class Example:
    line: int
    text: str


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    """The document with fenced code blanked out (a YAML `# comment` is not a heading).

    Offsets are kept, so a heading found here slices the original text."""
    return _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def sections(text: str) -> list[Section]:
    """Every heading with its body, up to the next heading of the same or a higher level."""
    prose = _prose(text)
    found = list(_HEADING.finditer(prose))
    out = []
    for i, m in enumerate(found):
        level = len(m.group("hashes"))
        end = len(prose)
        for later in found[i + 1 :]:
            if len(later.group("hashes")) <= level:
                end = later.start()
                break
        title = m.group("title").strip().strip("`")
        out.append(Section(level, title, text[m.end() : end]))
    return out


def section(title: str, level: int) -> Section:
    matches = [s for s in sections(_doc()) if s.title == title and s.level == level]
    assert matches, f"docs/language.md has no {'#' * level} {title} section"
    return matches[0]


def subsection(parent: Section, title: str) -> Section:
    for s in sections(parent.body):
        if s.title == title:
            return s
    raise AssertionError(f"no `{title}` heading under `{parent.title}` in docs/language.md")


def yaml_examples(text: str) -> Iterator[Example]:
    for m in _FENCE.finditer(text):
        if m.group("lang") == "yaml":
            yield Example(text.count("\n", 0, m.start()) + 1, m.group("body"))


def _is_flow(ex: Example) -> bool:
    return bool(re.search(r"^flow:", ex.text, re.M) and re.search(r"^blocks:", ex.text, re.M))


def _is_instance(ex: Example) -> bool:
    return bool(re.search(r"^instance:", ex.text, re.M))


def row(body: str, key: str) -> str | None:
    """The first table row of `body` whose first cell is `key` in backticks."""
    m = re.search(rf"^\|\s*`{re.escape(key)}`\s*\|.*$", body, re.M)
    return m.group(0) if m else None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def cell(body: str, key: str, column: str) -> str | None:
    """The cell under the header `column` in the table row of `key` (None if either is absent)."""
    lines = body.splitlines()
    for i, line in enumerate(lines):
        if not re.match(rf"^\|\s*`{re.escape(key)}`\s*\|", line):
            continue
        j = i
        while j > 0 and not lines[j].startswith("|---"):
            j -= 1
        if j == 0:
            return None
        header = _cells(lines[j - 1])
        if column not in header:
            return None
        row_cells = _cells(line)
        return row_cells[header.index(column)] if header.index(column) < len(row_cells) else None
    return None


def mentions(body: str, word: str) -> bool:
    return f"`{word}`" in body


def _aliases(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _own_fields(cls: type[Block]) -> dict[str, Any]:
    base = set(Block.model_fields)
    return {n: f for n, f in cls.model_fields.items() if n not in base}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(body: str, value: int) -> bool:
    return re.search(rf"(?<![\d.,]){value:,}(?![\d])|(?<![\d.,]){value}(?![\d])", body) is not None


def block_section(name: str) -> Section:
    return section(name, 3)


# ---------------------------------------------------------------------------------------------
# block types


def test_every_block_type_has_a_section_in_registry_order() -> None:
    titles = [s.title for s in sections(_doc()) if s.level == 3 and s.title in BLOCKS]
    assert titles == list(BLOCKS), "### <block type> sections must follow flowrt.lang.blocks.BLOCKS"


@pytest.mark.parametrize("name", list(BLOCKS))
def test_block_keys(name: str) -> None:
    cls = BLOCKS[name]
    body = block_section(name).body
    missing = [a for a in _aliases(cls) if a not in Block.model_fields and not mentions(body, a)]
    assert not missing, f"### {name}: keys not documented: {missing}"
    for fname, field in _own_fields(cls).items():
        key = field.alias or fname
        line = row(body, key)
        assert line is not None, f"### {name}: no table row for key `{key}`"
        required = "**required**" in line
        assert required == field.is_required(), f"### {name}: `{key}` required is wrong: {line}"
        default = field.get_default(call_default_factory=True)
        if default is not None and not field.is_required():
            shown = {"[]": "`[]`", "{}": "`{}`"}.get(str(default), f"`{_shown(default)}`")
            documented = cell(body, key, "default") or ""
            assert shown in documented, f"### {name}: default of `{key}` is {shown}: {line}"
        for meta in field.metadata:
            for attr in ("ge", "le", "max_length", "min_length"):
                limit = getattr(meta, attr, None)
                if isinstance(limit, int):
                    assert _number(line, limit), f"### {name}: `{key}` limit {limit}: {line}"


@pytest.mark.parametrize("name", list(BLOCKS))
def test_block_branches(name: str) -> None:
    cls = BLOCKS[name]
    body = block_section(name).body
    for branch in cls.BRANCHES:
        line = row(body, branch)
        assert line is not None, f"### {name}: no table row for branch `{branch}`"
        is_default = "default branch" in line.lower()
        assert is_default == (branch == cls.DEFAULT_BRANCH), f"### {name}: default branch: {line}"
        assert ("**Required**" in line) == (branch in cls.REQUIRED), f"### {name}: {line}"
    if cls.BRANCHES and cls.DEFAULT_BRANCH is None:
        assert "No default branch" in body, f"### {name}: say that it has no default branch"
    if cls.HAS_CONDITIONS:
        assert "condition-1" in body, f"### {name}: name the condition branches"


@pytest.mark.parametrize("name", list(BLOCKS))
def test_block_connect_type_flow_types_and_codes(name: str) -> None:
    cls = BLOCKS[name]
    body = block_section(name).body
    if cls.CONNECT_TYPE:
        assert mentions(body, cls.CONNECT_TYPE), f"### {name}: Connect type {cls.CONNECT_TYPE}"
    m = re.search(r"^- Allowed in: (.*)$", body, re.M)
    assert m is not None, f"### {name}: no '- Allowed in:' line"
    listed = set(re.findall(r"`([a-z-]+)`", m.group(1)))
    if "every flow type but" in m.group(1):
        allowed = set(FLOW_TYPES) - listed
    elif "every flow type" in m.group(1):
        allowed = set(FLOW_TYPES)
    else:
        allowed = listed
    assert allowed == set(cls.FLOW_TYPES), f"### {name}: allowed flow types: {m.group(1)}"
    unknown = set(_CODE.findall(body)) - set(CODES)
    assert not unknown, f"### {name}: unknown diagnostic codes {unknown}"


def test_sub_models_and_common_keys_are_documented() -> None:
    text = _doc()
    common = section("Keys every block has", 2).body
    for key in Block.model_fields:
        assert row(common, Block.model_fields[key].alias or key), f"common key `{key}`"
    for model in (Condition, Prompt, CallerId, ConnectCondition):
        for key in _aliases(model):
            assert mentions(text, key), f"{model.__name__} key `{key}` is not documented"


def test_flow_keys_and_types() -> None:
    top = section("Top-level keys", 3).body
    for name, field in Flow.model_fields.items():
        line = row(top, field.alias or name)
        assert line is not None, f"top-level key `{name}`"
        assert ("| yes |" in line) == field.is_required(), line
    types = section("Flow types", 3).body
    for flow_type in FLOW_TYPES:
        assert row(types, flow_type), f"flow type `{flow_type}` is not described"


def test_block_names_rules() -> None:
    body = section("Block names", 2).body
    for word in RESERVED_NAMES:
        assert mentions(body, word), word
    assert "50 characters" in body


def test_operators() -> None:
    body = section("Conditions", 2).body
    for op in OPERATORS:
        assert row(body, op), f"operator `{op}`"
        assert mentions(row(body, op) or "", CONNECT_OPERATORS[op]), op
    assert row(body, "when") and row(body, "next")


def test_expression_language() -> None:
    body = section("The expression language", 2).body
    for ns in expr.NAMESPACES:
        assert mentions(body, ns), f"namespace `{ns}`"
    assert f"{expr.MAX_EXPR_LENGTH:,}" in body
    assert f"{expr.MAX_NESTING} levels" in body
    for op in ("==", "!=", "contains", "starts-with", "ends-with"):
        assert mentions(body, op), op


def test_every_diagnostic_code_is_listed() -> None:
    """Codes of flows and instance files (below FR100); scenario and run codes live elsewhere."""
    body = section("Diagnostic codes", 2).body
    for code, info in CODES.items():
        if int(code[2:]) >= 100:
            continue
        line = re.search(rf"^\| {code} \| (\w+) \|", body, re.M)
        assert line is not None, f"{code} is not in the code table"
        assert line.group(1) == info.severity.value, f"{code} severity"


def test_limits_match_the_code() -> None:
    body = section("Limits", 2).body
    limits = loader.DEFAULT_LIMITS
    for value in (
        limits.max_bytes,
        limits.max_depth,
        limits.max_nodes,
        limits.max_alias_nodes,
        project.MAX_BLOCKS,
        project.CONNECT_MAX_ACTIONS,
        instance.MAX_QUEUE_EMAIL_ADDRESSES,
        expr.MAX_EXPR_LENGTH,
        expr.MAX_NESTING,
    ):
        assert _number(body, value), f"the limit {value:,} is not in ## Limits"
    assert f"{limits.max_bytes // (1024 * 1024)} MiB" in body


# ---------------------------------------------------------------------------------------------
# the instance file


def _annotation_is_collection(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (dict, list)


def test_instance_sections_and_keys() -> None:
    inst = section("The instance file", 2)
    for model, heading in INSTANCE_MODELS.items():
        table = subsection(inst, heading).body
        for name, field in model.model_fields.items():
            key = field.alias or name
            line = row(table, key)
            assert line is not None, f"instance: no row for `{key}` under ### {heading}"
            required = "**required**" in line
            assert required == field.is_required(), f"instance `{key}` required: {line}"
            default = field.get_default(call_default_factory=True)
            if default is not None and not field.is_required():
                shown = {"[]": "`[]`", "{}": "`{}`"}.get(str(default), f"`{_shown(default)}`")
                documented = cell(table, key, "default") or ""
                assert shown in documented, f"instance `{key}` default {shown}: {line}"
    for name, field in instance.Instance.model_fields.items():
        if _annotation_is_collection(field.annotation):
            subsection(inst, field.alias or name)


def test_instance_rules_are_stated() -> None:
    body = section("The instance file", 2).body
    assert f"**{instance.MAX_QUEUE_EMAIL_ADDRESSES}**" in body
    assert "serves as its alias" in body
    assert "Example 1" in body, "the seed 001 inconsistency note"
    quick = subsection(section("The instance file", 2), "quick-connects").body
    for kind in ("external", "agent", "queue"):
        assert row(quick, kind), f"quick connect rule for `{kind}`"


# ---------------------------------------------------------------------------------------------
# the examples validate


def _render(diags: list[Diagnostic], where: dict[str, int]) -> str:
    lines = []
    for d in diags:
        file = Path(d.span.file).name if d.span else ""
        doc_line = where.get(file)
        at = f"example at docs/language.md:{doc_line}" if doc_line else file
        lines.append(f"{at}: {d.code} {d.message}")
    return "\n".join(lines)


def _write_flows(root: Path) -> dict[str, int]:
    where: dict[str, int] = {}
    flows = [ex for ex in yaml_examples(_doc()) if _is_flow(ex)]
    assert len(flows) >= len(BLOCKS), "every block type should have a complete flow example"
    for i, ex in enumerate(flows):
        name = f"x{i:02d}.flow.yaml"
        (root / name).write_text(ex.text, encoding="utf-8")
        where[name] = ex.line
    return where


def test_flow_examples_validate(tmp_path: Path) -> None:
    (tmp_path / "instance.yaml").write_text(EXAMPLES_INSTANCE, encoding="utf-8")
    where = _write_flows(tmp_path)
    diags, count = project.check_paths([str(tmp_path)])
    assert count == len(where) + 1
    assert not diags, "\n" + _render(diags, where)


def test_every_block_type_appears_in_a_valid_example() -> None:
    used: set[str] = set()
    for ex in yaml_examples(_doc()):
        if _is_flow(ex):
            used.update(re.findall(r"^\s+type: ([a-z-]+)\s*$", ex.text, re.M))
    assert set(BLOCKS) <= used, f"no example uses {sorted(set(BLOCKS) - used)}"


def test_instance_examples_validate(tmp_path: Path) -> None:
    examples = [ex for ex in yaml_examples(_doc()) if _is_instance(ex)]
    assert examples, "the instance file section needs a complete example"
    for ex in examples:
        root = tmp_path / f"i{ex.line}"
        root.mkdir()
        where = _write_flows(root)  # the flows it names are the flow examples
        (root / "instance.yaml").write_text(ex.text, encoding="utf-8")
        where["instance.yaml"] = ex.line
        diags, _ = project.check_paths([str(root / "instance.yaml")])
        assert not diags, "\n" + _render(diags, where)

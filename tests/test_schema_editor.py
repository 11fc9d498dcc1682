"""The published schemas as editors read them: ids, words in the user's terms, snippets, scalar
examples and error-friendly shapes (issue: "schemas that teach")."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from flowrt.lang.blocks import BLOCKS
from flowrt.project.schema_text import block_markdown, clean, snippet_body, summary
from flowrt.project.schemas import SCHEMA_BASE, build_schema

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("flow", "instance", "scenario")
#: Words that belong to the team, never to a user's editor.
INTERNAL = re.compile(
    r"\bseeds? \d|\.\.\/shared|connect-flow-language-notes|\binternal note|\bflowrt\.[a-z_]+\.[a-z_]+",
    re.I,
)


def _walk(node: Any, path: tuple[Any, ...] = ()) -> Any:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*path, i))


@pytest.mark.parametrize("kind", KINDS)
def test_each_schema_has_its_id(kind: str) -> None:
    assert build_schema(kind)["$id"] == f"{SCHEMA_BASE}{kind}.schema.json"


@pytest.mark.parametrize("kind", KINDS)
def test_texts_are_the_users(kind: str) -> None:
    for path, node in _walk(build_schema(kind)):
        if (
            isinstance(node, str)
            and path
            and path[-1]
            in (
                "description",
                "markdownDescription",
            )
        ):
            assert not INTERNAL.search(node), (path, node)
            assert "\n    " not in node, f"docstring indentation at {path}"
        if isinstance(node, dict) and "examples" in node:
            assert all(not isinstance(e, dict | list) for e in node["examples"]), path


def test_clean_removes_internal_references() -> None:
    assert clean("Uses **(seed 002)** here.\n\n    Indented.") == "Uses here.\n\nIndented."
    assert summary("Set working queue: choose.\n\n    More.") == "Set working queue: choose."


def test_block_types_are_described_and_offered_as_snippets() -> None:
    block = build_schema("flow")["definitions"]["block"]
    type_ = block["properties"]["type"]
    assert type_["enum"] == list(BLOCKS)
    assert type_["markdownEnumDescriptions"] == [block_markdown(c) for c in BLOCKS.values()]
    assert type_["markdownEnumDescriptions"][list(BLOCKS).index("set-working-queue")].startswith(
        "Set working queue: choose the queue"
    )
    labels = [s["label"] for s in block["defaultSnippets"]]
    assert labels == list(BLOCKS)
    swq = block["defaultSnippets"][labels.index("set-working-queue")]
    assert swq["body"] == {
        "type": "set-working-queue",
        "queue": "$1",
        "next": {"success": "$2", "error": "$3"},
    }


def _default(m: re.Match[str]) -> str:
    """A placeholder's default as YAML reads it once typed: a number or `true`, else text."""
    text = m.group(1)
    return text if re.fullmatch(r"-?\d+(\.\d+)?|true|false", text) else json.dumps(text)


@pytest.mark.parametrize("name", list(BLOCKS))
def test_every_snippet_is_a_block_of_its_type(name: str) -> None:
    """A snippet's body, its placeholders filled, validates against its block type's schema."""
    schema = build_schema("flow")
    text = re.sub(r'"\$\{\d+:([^}]*)\}"', _default, json.dumps(snippet_body(BLOCKS[name])))
    body = json.loads(text.replace('"$', '"x'))
    validator = jsonschema.Draft7Validator(
        {"$ref": f"#/definitions/{name}", "definitions": schema["definitions"]}
    )
    # a placeholder the user fills may not match a value's pattern yet; nothing else may fail
    errors = [
        e.message
        for e in validator.iter_errors(body)
        if not (e.validator == "pattern" and re.fullmatch(r"x\d+", str(e.instance)))
    ]
    assert errors == [], errors


def test_next_reports_the_unknown_branch() -> None:
    """`next: {sucess: d}` fails on the branch, not on "is not of type 'string'"."""
    schema = build_schema("flow")
    validator = jsonschema.Draft7Validator(
        {"$ref": "#/definitions/set-working-queue", "definitions": schema["definitions"]}
    )
    block = {"type": "set-working-queue", "queue": "Premium", "next": {"sucess": "d"}}
    best = jsonschema.exceptions.best_match(validator.iter_errors(block))
    assert best is not None
    assert best.message == "Additional properties are not allowed ('sucess' was unexpected)"
    assert validator.is_valid({**block, "next": "d"})


def test_catalog_entry_names_the_published_schemas() -> None:
    catalog = json.loads((ROOT / "schemas" / "catalog.json").read_text(encoding="utf-8"))
    entries = {e["url"]: e["fileMatch"] for e in catalog["schemas"]}
    assert entries == {
        f"{SCHEMA_BASE}flow.schema.json": ["*.flow.yaml"],
        f"{SCHEMA_BASE}scenario.schema.json": ["*.scenario.yaml"],
        f"{SCHEMA_BASE}instance.schema.json": ["instance.yaml"],
    }


def test_object_examples_become_snippets() -> None:
    """`outcome:` offers `disconnected` as an example and `{queued: Premium}` as a snippet."""
    outcome = build_schema("scenario")["definitions"]["Expect"]["properties"]["outcome"]
    assert outcome["examples"] == ["disconnected"]
    assert outcome["defaultSnippets"] == [
        {"label": "{queued: Premium}", "body": {"queued": "Premium"}}
    ]


def test_common_cases_are_snippets() -> None:
    case = build_schema("scenario")["definitions"]["Case"]
    assert [s["label"] for s in case["defaultSnippets"]] == [
        "case: queued",
        "case: caller presses a key",
        "case: after hours",
        "case: Lambda answers",
    ]
    assert case["defaultSnippets"][0]["body"] == {
        "description": "$1",
        "expect": {"outcome": {"queued": "$2"}},
    }

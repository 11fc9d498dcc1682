"""The published JSON Schemas are generated from the pydantic models and must never drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from flowrt.lang.blocks import BLOCKS
from flowrt.lang.schema import KINDS, _errors, dumps
from flowrt.project.schemas import build_schema

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_matches_models(kind: str) -> None:
    fresh = dumps(build_schema(kind))
    top = (ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    shipped = (ROOT / "flowrt" / "lang" / "schemas" / f"{kind}.schema.json").read_text(
        encoding="utf-8"
    )
    hint = "regenerate with: python -m flowrt.project.schemas"
    assert top == fresh, f"schemas/{kind}.schema.json drifted from the models; {hint}"
    assert shipped == fresh, f"flowrt/lang/schemas/{kind}.schema.json drifted; {hint}"


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft7_with_help(kind: str) -> None:
    schema = build_schema(kind)
    Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema.get("description")


def test_every_block_type_has_a_definition_with_its_branches() -> None:
    schema = build_schema("flow")
    defs = schema["definitions"]
    assert defs["block"]["properties"]["type"]["enum"] == list(BLOCKS)
    for name, cls in BLOCKS.items():
        assert name in defs, name
        assert defs[name]["description"], f"{name} has no description for editors"
        if cls.BRANCHES:
            text = json.dumps(defs[name]["properties"]["next"])
            for branch in cls.BRANCHES:
                assert f'"{branch}"' in text, (name, branch)


def test_every_block_key_has_a_description() -> None:
    defs = build_schema("flow")["definitions"]
    for name in BLOCKS:
        for key, prop in defs[name]["properties"].items():
            if key == "type":
                continue
            assert "description" in prop or "$ref" in prop, (name, key)


# The fast validator (fastjsonschema) answers for valid data and jsonschema explains errors: the
# two must agree on every input, or a valid file could be refused (or an invalid one pass).

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 700)
    | st.text(max_size=8)
    | st.sampled_from(["$.Attributes.x", "+18005550100", "1234#", "x" * 51, "success"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _mutations() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    keys = st.sampled_from(
        [
            "queue",
            "agent",
            "next",
            "phone-number",
            "timeout-seconds",
            "dtmf",
            "conditions",
            "attribute",
            "text",
            "attributes",
            "resume-after-disconnect",
            "sucess",
            "id",
            "prompts",
        ]
    )
    return st.tuples(
        st.sampled_from(list(BLOCKS)),
        st.dictionaries(keys, _values, max_size=4),
    )


@given(_mutations())
def test_fast_and_full_validators_agree(case: tuple[str, dict[str, Any]]) -> None:
    btype, extra = case
    block = {"type": btype, **extra}
    full = list(
        Draft7Validator(
            {"$ref": f"#/definitions/{btype}", "definitions": build_schema("flow")["definitions"]}
        ).iter_errors(block)
    )
    fast = _errors("flow", btype, block)
    assert bool(full) == bool(fast), (block, full, fast)

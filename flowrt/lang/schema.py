"""Stage 2, validate: the published JSON Schemas and the mapping of their errors to diagnostics.

The pydantic models (flowrt.lang.blocks, flowrt.lang.instance, flowrt.scenario.model) are the one source of truth
for the shape of the files; `build_schema` generates the draft-07 JSON Schemas from them, and the
committed copies (schemas/ at the top of the repository and flowrt/schemas/ in the package) are
checked against a fresh generation by a test, so they can never drift apart.

Validation uses the shipped schema, one block at a time: the block's own schema is picked by its
`type`, so an error reads "block `transfer` (transfer-to-queue): unknown key `sucess` (did you mean
`success`?)" and never "is not valid under any of the given schemas".
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from flowrt.core.diagnostics import Diagnostic, suggestion
from flowrt.lang.loader import Document, JsonPath

DRAFT = "http://json-schema.org/draft-07/schema#"
KINDS = ("flow", "instance", "scenario")
BLOCK_NAME_PATTERN = (
    r"^(?!(__proto__|constructor|toString|prototype|valueOf)$)[^%:()\\/=\$,;\[\]{}]{1,50}$"
)


# ---------------------------------------------------------------------------------------------
# generation (from the pydantic models)


def _clean(node: Any) -> Any:
    """Drop pydantic's titles and `null` options of optional fields: editors show less noise."""
    if isinstance(node, dict):
        out = {k: _clean(v) for k, v in node.items() if k != "title" or not isinstance(v, str)}
        for key in ("anyOf", "oneOf"):
            if key in out:
                opts = [o for o in out[key] if o != {"type": "null"}]
                if len(opts) == 1:
                    del out[key]
                    out.update(opts[0])
                else:
                    out[key] = opts
        if out.get("default", 0) is None:
            del out["default"]
        return out
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def _model_schema(model: Any) -> dict[str, Any]:
    raw = model.model_json_schema(by_alias=True, ref_template="#/definitions/{model}")
    return dict(_clean(raw))


def _next_schema(cls: Any) -> dict[str, Any]:
    if cls.TYPE == "connect-action":
        return {
            "description": "NextAction (a block name), or `success` and Connect ErrorTypes.",
            "anyOf": [
                {"type": "string"},
                {"type": "object", "additionalProperties": {"type": "string"}},
            ],
        }
    branches = cls.BRANCHES
    obj = {
        "type": "object",
        "description": "Branch -> block.  Branches: " + ", ".join(branches) + ".",
        "properties": {
            b: {"type": "string", "description": f"Block taken on {b}."} for b in branches
        },
        "additionalProperties": False,
    }
    if cls.DEFAULT_BRANCH:
        return {
            "description": f"A block name (the `{cls.DEFAULT_BRANCH}` exit) or branch -> block.",
            "anyOf": [{"type": "string"}, obj],
        }
    return obj


def build_schema(kind: str) -> dict[str, Any]:
    """Generate the JSON Schema of one file kind from the models."""
    if kind == "flow":
        return _flow_schema()
    if kind == "instance":
        from flowrt.lang.instance import Instance

        return _top(_model_schema(Instance), "flowrt instance", "The resources flows refer to.")
    if kind == "scenario":
        from flowrt.scenario.model import ScenarioFile

        return _top(_model_schema(ScenarioFile), "flowrt scenario", "Sample contacts and worlds.")
    raise ValueError(kind)


def _top(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    defs = schema.pop("$defs", {})
    out: dict[str, Any] = {"$schema": DRAFT, "title": title, "description": description}
    out.update(schema)
    if defs:
        out["definitions"] = dict(sorted(defs.items()))
    return out


def _flow_schema() -> dict[str, Any]:
    from flowrt.lang.blocks import BLOCKS, Flow

    flow = _model_schema(Flow)
    definitions: dict[str, Any] = {}
    for name, cls in BLOCKS.items():
        s = _model_schema(cls)
        definitions.update(s.pop("$defs", {}))
        if cls.BRANCHES or cls.TYPE == "connect-action":
            s["properties"]["next"] = _next_schema(cls)
        else:  # no exits (disconnect, end-flow): a `next` is refused as an unknown key
            del s["properties"]["next"]
        s["description"] = (cls.__doc__ or "").strip()
        definitions[name] = s
    names = list(BLOCKS)
    definitions["block"] = {
        "type": "object",
        "description": "A block; its keys depend on its `type`.",
        "required": ["type"],
        "properties": {"type": {"enum": names, "description": "The block type."}},
        "allOf": [
            {
                "if": {"properties": {"type": {"const": n}}, "required": ["type"]},
                "then": {"$ref": f"#/definitions/{n}"},
            }
            for n in names
        ],
    }
    flow["properties"]["blocks"] = {
        "type": "object",
        "description": "Block name -> block.",
        "propertyNames": {"pattern": BLOCK_NAME_PATTERN, "x-flowrt-code": "FR042"},
        "additionalProperties": {"$ref": "#/definitions/block"},
        "minProperties": 1,
    }
    flow.pop("$defs", None)
    flow["definitions"] = dict(sorted(definitions.items()))
    return _top(flow, "flowrt flow", "A contact-center routing flow (flowrt DSL).")


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(*dirs: Path) -> list[Path]:
    """Regenerate every schema into each directory (the repo's schemas/ and the package copy)."""
    from flowrt.core.files import write_atomic

    written = []
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            p = d / f"{kind}.schema.json"
            write_atomic(p, dumps(build_schema(kind)), overwrite=True)
            written.append(p)
    return written


# ---------------------------------------------------------------------------------------------
# validation (with the shipped schema)


@cache
def shipped_schema(kind: str) -> dict[str, Any]:
    """The schema shipped in the package (what editors and CI see)."""
    text = resources.files("flowrt.lang").joinpath("schemas", f"{kind}.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def _subschema(kind: str, definition: str | None) -> dict[str, Any]:
    schema = shipped_schema(kind)
    if definition is not None:
        return {"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]}
    top = copy.copy(schema)
    if kind == "flow":  # blocks are validated one at a time, by their type
        props = dict(top["properties"])
        props["blocks"] = {**props["blocks"], "additionalProperties": {"type": "object"}}
        top["properties"] = props
    return top


@cache
def _validator(kind: str, definition: str | None = None) -> Any:
    """jsonschema's validator: slow, but it reports every error with its path."""
    from jsonschema import Draft7Validator

    return Draft7Validator(_subschema(kind, definition))


@cache
def _fast_validator(kind: str, definition: str | None = None) -> Any:
    """fastjsonschema's generated validator: the fast yes/no for the common, valid case."""
    import fastjsonschema

    return fastjsonschema.compile(_subschema(kind, definition))


def _errors(kind: str, definition: str | None, data: Any) -> list[Any]:
    """Every schema error of `data`; valid data costs one call of generated code."""
    import fastjsonschema

    try:
        _fast_validator(kind, definition)(data)
        return []
    except fastjsonschema.JsonSchemaException as exc:
        found = list(_validator(kind, definition).iter_errors(data))
        return found or [exc]  # the two validators never disagree on our schemas; be safe


def validate(doc: Document, kind: str, invalid: set[str] | None = None) -> list[Diagnostic]:
    """Validate a loaded document against its schema; every error becomes a positioned diagnostic.

    For flows, the names of blocks that failed are added to `invalid`.
    """
    out = [d for e in _errors(kind, None, doc.data) for d in _diagnose(doc, e, (), kind)]
    if kind == "flow" and isinstance(doc.data, dict) and isinstance(doc.data.get("blocks"), dict):
        from flowrt.lang.blocks import BLOCKS

        for name, block in doc.data["blocks"].items():
            if not isinstance(block, dict):
                continue
            btype = block.get("type")
            base: JsonPath = ("blocks", name)
            if not isinstance(btype, str) or btype not in BLOCKS:
                out.extend(_unknown_type(doc, base, btype))
                if invalid is not None:
                    invalid.add(name)
                continue
            before = len(out)
            for e in _errors("flow", btype, block):
                out.extend(_diagnose(doc, e, base, f"block `{name}` ({btype})"))
            if invalid is not None and len(out) > before:
                invalid.add(name)
    return out


def _unknown_type(doc: Document, base: JsonPath, btype: Any) -> Iterator[Diagnostic]:
    from flowrt.lang.blocks import BLOCKS

    if btype is None:
        yield Diagnostic.make(
            "FR012",
            f"block `{base[-1]}` has no `type`",
            doc.key_span(base),
            "every block needs `type:`; see docs/language.md for the block types",
        )
        return
    yield Diagnostic.make(
        "FR014",
        f"block `{base[-1]}`: unknown block type `{btype}`{suggestion(str(btype), BLOCKS)}",
        doc.span((*base, "type")),
        "unmodelled Amazon Connect actions can be kept with `type: connect-action`",
    )


_TYPE_NAMES = {
    "string": "text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "empty",
}


#: Readable forms of the key patterns of the schemas (`propertyNames`).
_KEY_RULES = {
    "^[A-Za-z0-9_-]+$": "attribute keys are letters, digits, `-` and `_` only",
    r"^\+[1-9][0-9]{1,14}$": "phone numbers are E.164, like +18005550100",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}` (a boolean)"
    if isinstance(value, int | float):
        return f"`{value}` (a number)"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'"{shown}" (text)'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "nothing"


def _where(path: JsonPath) -> str:
    keys = [str(p) if isinstance(p, str) else f"[{p}]" for p in path]
    return ".".join(keys).replace(".[", "[")


def _matches_type(instance: Any, t: Any) -> bool:
    types = t if isinstance(t, list) else [t]
    for one in types:
        if one == "string" and isinstance(instance, str):
            return True
        if one == "integer" and isinstance(instance, int) and not isinstance(instance, bool):
            return True
        if one == "number" and isinstance(instance, int | float) and not isinstance(instance, bool):
            return True
        if one == "boolean" and isinstance(instance, bool):
            return True
        if one == "object" and isinstance(instance, dict):
            return True
        if one == "array" and isinstance(instance, list):
            return True
        if one == "null" and instance is None:
            return True
    return False


def _diagnose(doc: Document, error: Any, base: JsonPath, context: str) -> Iterator[Diagnostic]:
    """One jsonschema error -> diagnostics with the user's words, the right code and position."""
    if not hasattr(error, "absolute_path"):  # a fastjsonschema error the slow path did not see
        yield Diagnostic.make("FR013", f"{context}: {error}", doc.span(base))
        return
    path: JsonPath = (*base, *error.absolute_path)
    what = f"{context}: " if base else ""
    where = _where(tuple(error.absolute_path)) or "the document"
    v = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    code = schema.get("x-flowrt-code")
    if v in ("anyOf", "oneOf"):
        yield from _diagnose_choice(doc, error, base, context, path, what, where)
    elif v == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        for key in error.instance:
            if key in allowed:
                continue
            kind = "branch" if path and path[-1] == "next" else "key"
            listing = f"; the {kind}es are {', '.join(allowed)}" if kind == "branch" else ""
            message = f"{what}unknown {kind} `{key}`{suggestion(str(key), allowed)}{listing}"
            if key == "next" and kind == "key" and base:
                message = f"{what}this block type has no exits, so it takes no `next`"
            yield Diagnostic.make(
                "FR010",
                message,
                doc.key_span((*path, key)),
                None if kind == "branch" else f"allowed keys here: {', '.join(allowed)}",
            )
    elif v == "required":
        missing = (
            error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
        )
        yield Diagnostic.make(
            "FR012",
            f"{what}missing required key `{missing}`"
            + (f" in {where}" if error.absolute_path else ""),
            doc.key_span(path),
            schema.get("properties", {}).get(missing, {}).get("description"),
        )
    elif v == "type":
        expected = error.validator_value
        names = " or ".join(
            _TYPE_NAMES.get(str(t), str(t))
            for t in (expected if isinstance(expected, list) else [expected])
        )
        yield Diagnostic.make(
            "FR011",
            f"{what}`{where}` must be {names}, not {_describe(error.instance)}",
            doc.span(path),
            schema.get("description"),
        )
    elif v == "propertyNames" or (code == "FR042"):
        yield Diagnostic.make(
            "FR042",
            f"invalid block name `{error.instance}`: at most 50 characters, none of "
            f"% : ( \\ / ) = $ , ; [ ] {{ }}, and not a reserved word",
            doc.key_span((*path, error.instance)),
            "Amazon Connect refuses these identifiers; rename the block",
        )
    elif (
        v == "pattern" and "propertyNames" in error.schema_path and isinstance(error.instance, str)
    ):
        rule = _KEY_RULES.get(
            str(error.validator_value), f"keys must match `{error.validator_value}`"
        )
        yield Diagnostic.make(
            code or "FR013",
            f"{what}key `{error.instance}` is not allowed in `{where}`: {rule}",
            doc.key_span((*path, error.instance)),
        )
    elif v == "enum" or v == "const":
        options = error.validator_value if v == "enum" else [error.validator_value]
        yield Diagnostic.make(
            "FR013",
            f"{what}`{where}` must be one of {', '.join(map(str, options))}, not {_describe(error.instance)}"
            f"{suggestion(str(error.instance), map(str, options))}",
            doc.span(path),
        )
    else:
        yield Diagnostic.make(
            code or "FR013",
            f"{what}`{where}`: {_limit_message(error)}",
            doc.span(path),
            schema.get("description"),
        )


def _diagnose_choice(
    doc: Document, error: Any, base: JsonPath, context: str, path: JsonPath, what: str, where: str
) -> Iterator[Diagnostic]:
    # Pick the alternative whose type fits the value and report its errors; if none fits, say
    # which types are accepted.  Never "is not valid under any of the given schemas".
    fitting = [
        i
        for i, alt in enumerate(error.validator_value)
        if "type" not in alt or _matches_type(error.instance, alt["type"])
    ]
    if fitting:
        subs = [e for e in error.context if e.schema_path and e.schema_path[0] == fitting[0]]
        if subs:
            for sub in subs:  # a sub-error's absolute_path already includes this error's path
                yield from _diagnose(doc, sub, base, context)
            return
    types = []
    for alt in error.validator_value:
        t = alt.get("type")
        for one in t if isinstance(t, list) else [t]:
            name = _TYPE_NAMES.get(str(one), str(one))
            if one and name not in types:
                types.append(name)
    schema = error.schema if isinstance(error.schema, dict) else {}
    yield Diagnostic.make(
        "FR011",
        f"{what}`{where}` must be {' or '.join(types) or 'something else'}, not {_describe(error.instance)}",
        doc.span(path),
        schema.get("description"),
    )


def _limit_message(error: Any) -> str:
    v, limit, inst = error.validator, error.validator_value, error.instance
    if v == "maxLength":
        return f"{len(inst)} characters; at most {limit} allowed"
    if v == "minLength":
        return f"must have at least {limit} character(s)"
    if v == "minimum":
        return f"{inst} is below the minimum {limit}"
    if v == "maximum":
        return f"{inst} is above the maximum {limit}"
    if v == "exclusiveMinimum":
        return f"must be greater than {limit}"
    if v == "minItems":
        return f"needs at least {limit} item(s)"
    if v == "maxItems":
        return f"has {len(inst)} items; at most {limit} allowed"
    if v == "minProperties":
        return f"needs at least {limit} entr{'y' if limit == 1 else 'ies'}"
    if v == "pattern" and error.schema.get("x-flowrt-code") == "FR040" and isinstance(inst, str):
        bad = sorted({c for c in inst if c not in "0123456789,*#"})
        if bad:
            return f"DTMF may only hold 0-9 , * # (found {' '.join(bad)})"
        return f"DTMF has {len(inst)} characters; at most 50 are sent"
    if v == "pattern":
        desc = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
        return f"{_describe(inst)} is not allowed here" + (f" ({desc.rstrip('.')})" if desc else "")
    return str(error.message)


if __name__ == "__main__":  # python -m flowrt.lang.schema: regenerate both copies of the schemas
    _here = Path(__file__).resolve().parent
    for _p in write_schemas(_here.parent.parent / "schemas", _here / "schemas"):
        print(f"wrote {_p}")

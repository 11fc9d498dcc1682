"""Stage 2, validate: the published JSON Schemas and the mapping of their errors to diagnostics.

The schemas are generated from the pydantic models by flowrt.project.schemas (the scenario
file's models live above this layer); the copy shipped in this package (flowrt/lang/schemas/) is
what validation uses, and a test checks it against a fresh generation.

Validation uses the shipped schema, one block at a time: the block's own schema is picked by its
`type`, so an error reads "block `transfer` (transfer-to-queue): unknown key `sucess` (did you mean
`success`?)" and never "is not valid under any of the given schemas".
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from flowrt.core.diagnostics import Diagnostic, suggestion
from flowrt.lang.loader import Document, JsonPath
from flowrt.lang.yaml_scalars import excerpt

DRAFT = "http://json-schema.org/draft-07/schema#"
KINDS = ("flow", "instance", "scenario")
BLOCK_NAME_PATTERN = (
    r"^(?!(__proto__|constructor|toString|prototype|valueOf)$)[^%:()\\/=\$,;\[\]{}]{1,50}$"
)


# ---------------------------------------------------------------------------------------------
# validation (with the shipped schema)


def dumps(schema: dict[str, Any]) -> str:
    """A schema as the committed files hold it (indented, UTF-8, a final newline)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


@cache
def shipped_schema(kind: str) -> dict[str, Any]:
    """The schema shipped in the package (what editors and CI see)."""
    text = (
        resources.files("flowrt.lang").joinpath("schemas", f"{kind}.schema.json").read_text("utf-8")
    )
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
            hint = None if kind == "branch" else f"allowed keys here: {', '.join(allowed)}"
            if context == "flow" and not path and key in _block_keys():
                hint = f"`{key}` is a key of a block: is it indented under its block?"
            yield Diagnostic.make("FR010", message, doc.key_span((*path, key)), hint)
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
        if context == "flow" and len(path) == 2 and path[0] == "blocks":
            yield _not_a_block(doc, path)
            return
        expected = error.validator_value
        alternatives = [
            {"type": t} for t in (expected if isinstance(expected, list) else [expected])
        ]
        yield Diagnostic.make(
            "FR011",
            f"{what}`{where}` must be {_expected(alternatives, path)}, not {_describe(error.instance)}",
            doc.span(path),
            _value_hint(doc, path, error.instance, alternatives, schema.get("description")),
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
    # Pick the alternative whose type fits the value and report its errors; if none fits, or
    # only a text alternative fits but the text is not of its form (a reference), say what is
    # accepted.  Never "is not valid under any of the given schemas".
    alternatives = [a for a in error.validator_value if isinstance(a, dict)]
    fitting = [
        i
        for i, alt in enumerate(alternatives)
        if "type" not in alt or _matches_type(error.instance, alt["type"])
    ]
    if fitting:
        subs = [e for e in error.context if e.schema_path and e.schema_path[0] == fitting[0]]
        text_form = isinstance(error.instance, str) and len(alternatives) > 1
        if subs and not (text_form and all(e.validator == "pattern" for e in subs)):
            for sub in subs:  # a sub-error's absolute_path already includes this error's path
                yield from _diagnose(doc, sub, base, context)
            return
    schema = error.schema if isinstance(error.schema, dict) else {}
    yield Diagnostic.make(
        "FR011",
        f"{what}`{where}` must be {_expected(alternatives, path)}, not {_describe(error.instance)}",
        doc.span(path),
        _value_hint(doc, path, error.instance, alternatives, schema.get("description")),
    )


# ---------------------------------------------------------------------------------------------
# what a key accepts, in the user's words


#: A text alternative that must be a reference (the `REF_PATTERN` of the block models).
_REFERENCE = r"^\$\..+$"
_NUMBER = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_WITH_UNIT = re.compile(r"^([0-9]+) ?(?:s|sec|secs|second|seconds)$")


def _words(alt: dict[str, Any], key: str) -> list[str]:
    """What one alternative of a schema accepts, as a user would say it."""
    t = alt.get("type")
    out = []
    for one in t if isinstance(t, list) else [t]:
        if one == "string" and alt.get("pattern") == _REFERENCE:
            out.append("a reference like `$.Attributes.name`")
        elif one == "string" and key == "next":
            out.append("a block name")
        elif one == "object" and key == "next":
            out.append("a mapping of branches to block names")
        elif one in ("integer", "number"):
            number = "a whole number" if one == "integer" else "a number"
            out.append(f"{number} of seconds" if key.endswith("seconds") else number)
        elif one is not None:
            out.append(_TYPE_NAMES.get(str(one), str(one)))
    return out


def _expected(alternatives: list[dict[str, Any]], path: JsonPath) -> str:
    """`a whole number of seconds, or a reference like ...`: every alternative, once."""
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    words: list[str] = []
    for alt in alternatives:
        words.extend(w for w in _words(alt, key) if w not in words)
    if any(w.startswith("a number") for w in words):  # a number covers the whole numbers
        words = [w for w in words if not w.startswith("a whole number")]
    if len(words) > 1:
        words = ["a boolean (true or false)" if w == "true or false" else w for w in words]
        return ", ".join(words[:-1]) + ", or " + words[-1]
    return words[0] if words else "something else"


def _value_hint(
    doc: Document, path: JsonPath, value: Any, alternatives: list[dict[str, Any]], default: Any
) -> str | None:
    """The hint for a value of the wrong kind: a number written in quotes or with a unit is
    named; else the key's description."""
    types = {t for alt in alternatives for t in _types(alt)}
    if isinstance(value, str) and types & {"integer", "number"}:
        text = value.strip()
        whole = "number" in types or ("." not in text and "e" not in text.lower())
        span = doc.span(path)
        quoted = doc.source_line(span.line)[span.column - 1 : span.column] in ("'", '"')
        if quoted and _NUMBER.fullmatch(text) and whole:
            return f"write {text} without quotes: in quotes YAML reads it as text"
        unit = _WITH_UNIT.fullmatch(text)
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        if unit and key.endswith("seconds"):
            return f"write {unit.group(1)}: `{key}` is already in seconds"
    return default if isinstance(default, str) else None


def _types(alt: dict[str, Any]) -> list[str]:
    t = alt.get("type")
    return [str(x) for x in (t if isinstance(t, list) else [t]) if x is not None]


@cache
def _block_keys() -> frozenset[str]:
    """Every key some block type takes."""
    definitions = shipped_schema("flow")["definitions"]
    return frozenset(
        key
        for name, d in definitions.items()
        if name[:1].islower() and "properties" in d
        for key in d["properties"]
    )


def _not_a_block(doc: Document, path: JsonPath) -> Diagnostic:
    """A value under `blocks:` that is not a block: most often a key of a block whose
    indentation broke, a key of the flow indented too far, or a missing `:`."""
    name = str(path[-1])
    blocks = doc.data["blocks"] if isinstance(doc.data, dict) else {}
    value = blocks.get(name)
    names = list(blocks)
    before = names[names.index(name) - 1] if name in names and names.index(name) > 0 else None
    message = f"`blocks.{name}` must be a block (a mapping of keys), not {_describe(value)}"
    hint = "a block is a mapping of keys, indented under its name: at least `type:`"
    span = doc.key_span(path)
    if name in _block_keys():
        message = f"`{name}` is not a block name: is it indented under a block?"
        hint = "indent it like the other keys of its block"
        if before is not None:
            line = doc.key_span(("blocks", before)).line
            hint = f"if it belongs to block `{before}` (line {line}), indent it like its keys"
    elif name in shipped_schema("flow").get("properties", {}):
        message = f"`{name}` is a key of the flow, not a block: is it indented too far?"
        hint = f"write `{name}:` at the left margin, like `blocks:`"
    elif isinstance(value, str) and (first := value.split(" ", 1)[0]) in _block_keys():
        rest = excerpt(value[len(first) :].strip())
        hint = f"is a `:` missing after `{first}`? write `{first}: {rest}` under `{name}:`"
        span = doc.span(path)
    elif value is None:
        message = f"block `{name}` is empty"
        hint = "give it its keys, indented under its name: at least `type:`"
    return Diagnostic.make("FR011", message, span, hint)


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

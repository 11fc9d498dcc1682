"""The published JSON Schemas, generated from the pydantic models.

The models (flowrt.lang.blocks, flowrt.lang.instance, flowrt.scenario.model) are the one source of
truth for the shape of the files; `build_schema` generates the draft-07 JSON Schemas from them.
The committed copies (schemas/ at the top of the repository, for editors, and flowrt/lang/schemas/
in the package, for validation) are checked against a fresh generation by a test, so they can
never drift apart.  Regenerate both with `python -m flowrt.project.schemas`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from flowrt.lang.schema import (
    BLOCK_NAME_PATTERN,
    DRAFT,
    KINDS,
    dumps,
    validator_source,
)
from flowrt.lang.validators import validator_name
from flowrt.project.schema_text import block_markdown, clean, snippet_body, summary

#: Where the schemas are published: each schema's `$id` is this plus `<kind>.schema.json`, and the
#: SchemaStore catalog entry (schemas/catalog.json) points there.
SCHEMA_BASE = "https://raw.githubusercontent.com/flowrt/flowrt/main/schemas/"


def _texts(node: Any) -> Any:
    """Descriptions as editors show them: docstring indentation and internal references
    removed, a `markdownDescription` beside each, and `examples` kept only as scalars
    (yaml-language-server offers an object-valued example as `[object Object]`)."""
    if isinstance(node, dict):
        out = {k: _texts(v) for k, v in node.items()}
        if isinstance(out.get("description"), str):
            text = clean(out["description"])
            out["description"] = text
            out["markdownDescription"] = text
        examples = out.get("examples")
        if isinstance(examples, list):
            kept = [e for e in examples if not isinstance(e, dict | list)]
            if kept:
                out["examples"] = kept
            else:
                del out["examples"]
            snippets = [_example_snippet(e) for e in examples if isinstance(e, dict | list)]
            if snippets:  # an object-valued example is offered whole, as a snippet
                out["defaultSnippets"] = [*out.get("defaultSnippets", []), *snippets]
        return out
    if isinstance(node, list):
        return [_texts(v) for v in node]
    return node


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


def _example_snippet(example: Any) -> dict[str, Any]:
    """An object- or list-valued example as a snippet, labelled with its compact YAML form."""
    return {"label": _flow_style(example), "body": example}


def _flow_style(value: Any) -> str:
    """`{queued: Premium}`: a value in YAML's flow style, as a snippet's label."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow_style(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow_style(v) for v in value) + "]"
    return str(value)


#: Snippets of common scenario cases, offered under `cases:` (a case name, then its body).
CASE_SNIPPETS: list[dict[str, Any]] = [
    {
        "label": "case: queued",
        "description": "A contact that ends queued in a queue.",
        "body": {"description": "$1", "expect": {"outcome": {"queued": "$2"}}},
    },
    {
        "label": "case: caller presses a key",
        "description": "The caller's input to a get-customer-input block, and where it leads.",
        "body": {
            "description": "$1",
            "world": {"input": {"$2": ["$3"]}},
            "expect": {"visits": ["$4"]},
        },
    },
    {
        "label": "case: after hours",
        "description": "A contact at a time outside the hours of operation.",
        "body": {
            "description": "$1",
            "world": {"clock": "${2:2026-11-21T22:00:00-05:00}"},
            "expect": {"outcome": "${3:disconnected}"},
        },
    },
    {
        "label": "case: Lambda answers",
        "description": "What an invoke-lambda block's function returns, and the branch it takes.",
        "body": {
            "description": "$1",
            "world": {"lambdas": {"$2": {"1": {"returns": {"$3": "$4"}}}}},
            "expect": {"branch": {"$5": "$6"}},
        },
    },
]


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
        # One object with `type: [string, object]` rather than `anyOf`: a mapping with an unknown
        # branch is then reported as that branch (`sucess` is not allowed), not as "is not of
        # type 'string'", the best match editors pick among the alternatives of an anyOf.
        obj["type"] = ["string", "object"]
        obj["description"] = (
            f"A block name (the `{cls.DEFAULT_BRANCH}` exit) or branch -> block.  Branches: "
            + ", ".join(branches)
            + "."
        )
        return obj
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

        scenario = _top(
            _model_schema(ScenarioFile), "flowrt scenario", "Sample contacts and worlds."
        )
        scenario["definitions"]["Case"]["defaultSnippets"] = CASE_SNIPPETS
        return scenario
    raise ValueError(kind)


def _top(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    defs = schema.pop("$defs", {})
    kind = title.split()[-1]
    out: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"{SCHEMA_BASE}{kind}.schema.json",
        "title": title,
        "description": description,
    }
    out.update(schema)
    if defs:
        out["definitions"] = dict(sorted(defs.items()))
    out = _texts(out)
    out["description"] = description
    out.pop("markdownDescription", None)
    out["markdownDescription"] = description
    return dict(out)


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
        s["description"] = clean(cls.__doc__)
        s["markdownDescription"] = block_markdown(cls)
        definitions[name] = s
    names = list(BLOCKS)
    definitions["block"] = {
        "type": "object",
        "description": "A block; its keys depend on its `type`.",
        "required": ["type"],
        "properties": {
            "type": {
                "enum": names,
                "description": "The block type: what the block does.",
                "markdownEnumDescriptions": [block_markdown(BLOCKS[n]) for n in names],
                "enumDescriptions": [summary(BLOCKS[n].__doc__) for n in names],
            }
        },
        "defaultSnippets": [
            {
                "label": n,
                "description": summary(BLOCKS[n].__doc__),
                "markdownDescription": block_markdown(BLOCKS[n]),
                "body": snippet_body(BLOCKS[n]),
            }
            for n in names
        ],
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


def validator_sources() -> dict[str, str]:
    """File name -> source of every pre-generated validator (a kind's top level, and each block
    type's definition for flows), generated from a fresh schema."""
    from flowrt.lang.blocks import BLOCKS

    out: dict[str, str] = {}
    for kind in KINDS:
        schema = build_schema(kind)
        for definition in [None, *(BLOCKS if kind == "flow" else ())]:
            out[validator_name(kind, definition)] = validator_source(schema, kind, definition)
    return out


def write_validators(directory: Path) -> list[Path]:
    """Regenerate the pre-generated validators into `directory`, removing stale ones (a block
    type that no longer exists)."""
    from flowrt.core.files import write_atomic

    directory.mkdir(parents=True, exist_ok=True)
    sources = validator_sources()
    for old in directory.glob("*.pysrc"):
        if old.name not in sources:
            old.unlink()
    written = []
    for name, text in sorted(sources.items()):
        p = directory / name
        write_atomic(p, text, overwrite=True)
        written.append(p)
    return written


def parser_data() -> dict[str, Any]:
    """The shipped serialized parser of the condition grammar (`flowrt/lang/expr.lark.pickle`,
    unpickled): lark's serialization of the LALR parser, with the lark version and the grammar's
    hash it was made from.  lark numbers the parse table's states and tokens in an order that
    changes from one process to the next (it walks sets of objects hashed by identity); they
    are numbered again here in an order the table itself gives, so the same grammar and lark
    always give the same data."""
    import hashlib

    import lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    from flowrt.lang.conditions import LARK_OPTIONS

    grammar = resources.files("flowrt.lang").joinpath("expr.lark").read_text("utf-8")
    data, memo = lark.Lark(grammar, **LARK_OPTIONS).memo_serialize([TerminalDef, Rule])
    data["parser"]["parser"] = _canonical_table(data["parser"]["parser"])
    return {
        "lark": lark.__version__,
        "grammar": hashlib.sha256(grammar.encode("utf-8")).hexdigest(),
        "data": data,
        "memo": memo,
    }


def _canonical_table(table: dict[str, Any]) -> dict[str, Any]:
    """lark's serialized LALR table with its tokens numbered in the order of their names and
    its states in the order a walk from the start states meets them (each state's actions in
    the order of their tokens' names).  Action (0, state) shifts to a state, (1, rule) reduces."""
    names: dict[int, str] = table["tokens"]
    token = {name: i for i, name in enumerate(sorted(set(names.values())))}
    number: dict[int, int] = {}
    queue = [table["start_states"][k] for k in sorted(table["start_states"])]
    queue += [table["end_states"][k] for k in sorted(table["end_states"])]
    while queue:
        state = queue.pop(0)
        if state in number:
            continue
        number[state] = len(number)
        for _, (action, arg) in sorted(table["states"][state].items(), key=lambda a: names[a[0]]):
            if action == 0:
                queue.append(arg)
    for state in table["states"]:  # none is unreachable in a table lark makes; be exact anyway
        number.setdefault(state, len(number))
    states = {}
    for state in sorted(table["states"], key=number.__getitem__):
        actions = sorted(table["states"][state].items(), key=lambda a: names[a[0]])
        states[number[state]] = {
            token[names[t]]: (action, number[arg] if action == 0 else arg)
            for t, (action, arg) in actions
        }
    return {
        "tokens": {i: name for name, i in token.items()},
        "states": states,
        "start_states": {k: number[v] for k, v in sorted(table["start_states"].items())},
        "end_states": {k: number[v] for k, v in sorted(table["end_states"].items())},
    }


def parser_pickle() -> bytes:
    """`parser_data` as the shipped file holds it: pickled without the pickle's memo (`fast`),
    which would otherwise share objects that happen to be the same object in this process, so
    equal data always gives the same bytes."""
    import io
    import pickle

    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=4)
    pickler.fast = True  # a tree of plain data: nothing refers to itself
    pickler.dump(parser_data())
    return out.getvalue()


if (
    __name__ == "__main__"
):  # python -m flowrt.project.schemas: regenerate both copies of the schemas
    _here = Path(__file__).resolve().parent
    for _p in write_schemas(_here.parent.parent / "schemas", _here.parent / "lang" / "schemas"):
        print(f"wrote {_p}")
    _validators = write_validators(_here.parent / "lang" / "schemas" / "validators")
    print(f"wrote {len(_validators)} validators in {_validators[0].parent}")
    from flowrt.core.files import write_atomic
    from flowrt.lang.conditions import PARSER_FILE

    write_atomic(_here.parent / "lang" / PARSER_FILE, parser_pickle(), overwrite=True)
    print(f"wrote {_here.parent / 'lang' / PARSER_FILE}")

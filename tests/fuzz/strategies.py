"""Hypothesis strategies for fuzzing flowrt: valid projects built from the block registry, and
mutations of them (deleted keys, wrong types, swapped targets, random unicode, truncation).

Valid flows are generated from `flowrt.lang.blocks.BLOCKS`: every block type of the registry that a
contact flow may hold gets parameters that resolve against `INSTANCE` (a small fixed instance),
and its exits are wired at random among the flow's blocks (any branch of `BRANCHES`, sometimes
left unconnected).  Scenarios give random attributes, channels, queue states, clocks and Lambda
responses.  Mutations then break any of these in the ways a contribution from many hands does.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

from flowrt.lang.blocks import BLOCKS

INSTANCE: dict[str, Any] = {
    "instance": "fuzz",
    "max-concurrent-contacts": 5,
    "hours-of-operation": {
        "Open": {
            "time-zone": "UTC",
            "days": {d: "08:00-20:00" for d in ("monday", "tuesday", "wednesday", "friday")},
        }
    },
    "queues": {
        "Q1": {"description": "one", "max-contacts": 2, "hours": "Open"},
        "Q2": {"description": "two", "hours": "Open"},
    },
    "security-profiles": {"Agent": {"permissions": ["ccp"]}},
    "routing-profiles": {"RP": {"queues": ["Q1", "Q2"], "default-outbound-queue": "Q1"}},
    "users": {
        "agent1": {
            "id": "6a8b1c2d-0000-4000-8000-000000000001",
            "first-name": "Ann",
            "last-name": "Agent",
            "routing-profile": "RP",
            "security-profile": "Agent",
        }
    },
    "phone-numbers": {"+18005550111": {"description": "main", "flow": "main"}},
    "lambda-functions": {"fn": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:fn"}},
    "prompts": ["chime"],
}

#: Block types a generated contact flow uses: every registered type a contact flow allows.
BLOCK_TYPES = sorted(
    t for t, cls in BLOCKS.items() if not cls.FLOW_TYPES or "contact" in cls.FLOW_TYPES
)

_words = st.sampled_from(["gold", "silver", "1", "42", "", "x y", "ß", "日本", "-3.5", "true"])
#: Text YAML can hold: no C0/C1 control characters, no surrogates.
printable = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
text = st.one_of(_words, st.text(printable, max_size=12))
attr_ref = st.sampled_from(
    ["$.Attributes.tier", "$.Attributes.n", "$.Queue.Name", "$.Channel", "$.External.x"]
)
scalar = st.one_of(text, st.integers(-5, 100), st.booleans())
queue_or_agent = st.one_of(
    st.fixed_dictionaries({"queue": st.sampled_from(["Q1", "Q2"])}),
    st.fixed_dictionaries({"agent": st.just("agent1")}),
)


@st.composite
def conditions(draw: st.DrawFn, names: list[str], numeric: bool = False) -> list[dict[str, Any]]:
    ops = (
        ["number-greater-than", "number-less-than"]
        if numeric
        else [
            "equals",
            "text-contains",
            "text-starts-with",
            "number-greater-than",
            "when",
        ]
    )
    out = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(ops))
        if op == "when":
            value: Any = draw(
                st.sampled_from(
                    [
                        '$.Attributes.tier == "gold"',
                        "$.Attributes.n > 3 and not $.Attributes.tier == 'x'",
                        '$.Channel == "VOICE" or $.Attributes.n <= 1',
                    ]
                )
            )
        elif op.startswith("number"):
            value = draw(st.integers(-3, 50))
        else:
            value = draw(_words)
        out.append({op: value, "next": draw(st.sampled_from(names))})
    return out


def _params(draw: st.DrawFn, kind: str, names: list[str]) -> dict[str, Any]:
    """Parameters of one block of type `kind` that resolve against INSTANCE."""
    if kind in ("transfer-to-queue", "set-working-queue", "get-queue-metrics"):
        return (
            draw(st.one_of(st.just({}), queue_or_agent))
            if kind != "set-working-queue"
            else (draw(queue_or_agent))
        )
    if kind == "transfer-to-phone-number":
        return {
            "phone-number": "+18005550100",
            "timeout-seconds": draw(st.integers(1, 60)),
            "resume-after-disconnect": True,
        }
    if kind == "transfer-to-flow":
        return {"flow": draw(st.sampled_from(["main", "other"]))}
    if kind == "check-contact-attributes":
        return {"attribute": draw(attr_ref), "conditions": draw(conditions(names))}
    if kind == "check-hours-of-operation":
        return {"hours": "Open"}
    if kind == "check-queue-status":
        return {
            **draw(queue_or_agent),
            "metric": draw(st.sampled_from(["contacts-in-queue", "oldest-contact-age"])),
            "conditions": draw(conditions(names, numeric=True)),
        }
    if kind == "check-staffing":
        return {**draw(queue_or_agent), "status": draw(st.sampled_from(["available", "staffed"]))}
    if kind == "set-contact-attributes":
        keys = st.sampled_from(["tier", "n", "note", "x"])
        values = st.one_of(scalar, st.just("$.Attributes.n"), st.just("hi $.Queue.Name"))
        return {"attributes": draw(st.dictionaries(keys, values, min_size=1, max_size=3))}
    if kind == "play-prompt":
        return {"text": draw(st.one_of(text, st.just("Hello $.Attributes.tier")))}
    if kind == "send-message":
        return {"text": draw(text) or "hi"}
    if kind == "loop-prompts":
        return {"prompts": [{"text": "please hold"}], "interrupt-seconds": 30}
    if kind == "get-customer-input":
        return {
            "text": "press a key",
            "timeout-seconds": 5,
            "conditions": [
                {"equals": draw(st.sampled_from(["1", "2"])), "next": draw(st.sampled_from(names))}
            ],
        }
    if kind == "invoke-lambda":
        return {"function": "fn", "timeout-seconds": 3, "parameters": {"p": draw(scalar)}}
    if kind == "connect-action":
        return {
            "action": "UpdateFlowLoggingBehavior",
            "parameters": {"FlowLoggingBehavior": draw(st.sampled_from(["Enabled", "Disabled"]))},
        }
    return {}


@st.composite
def flow_data(draw: st.DrawFn, name: str = "main", max_blocks: int = 8) -> dict[str, Any]:
    """A flow as plain data: random block types from the registry, randomly wired."""
    n = draw(st.integers(1, max_blocks))
    names = [f"b{i}" for i in range(n)] + ["bye"]
    blocks: dict[str, Any] = {}
    for i in range(n):
        kind = draw(st.sampled_from(BLOCK_TYPES))
        cls = BLOCKS[kind]
        body: dict[str, Any] = {"type": kind, **_params(draw, kind, names)}
        branches = [b for b in cls.BRANCHES if b]
        if branches:
            later = names[i + 1 :]
            wired = {
                b: draw(st.sampled_from(later if draw(st.booleans()) else names))
                for b in branches
                if b in cls.REQUIRED or draw(st.integers(0, 3)) > 0
            }
            if wired:
                body["next"] = wired
        elif kind == "connect-action":
            body["next"] = {"success": draw(st.sampled_from(names))}
        blocks[names[i]] = body
    blocks["bye"] = {"type": "disconnect"}
    return {"flow": name, "type": "contact", "start": "b0", "blocks": blocks}


@st.composite
def scenario_data(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario with one to three cases: contacts and worlds at random."""
    attrs = st.dictionaries(st.sampled_from(["tier", "n", "x", "a-b"]), scalar, max_size=3)
    queue_state = st.fixed_dictionaries(
        {
            "contacts-in-queue": st.integers(0, 5),
            "oldest-contact-age": st.integers(0, 600),
        }
    )
    world = st.fixed_dictionaries(
        {},
        optional={
            "clock": st.sampled_from(
                ["2026-11-23T09:00:00+00:00", "2026-11-22T23:30:00-05:00", "2026-01-01T12:00Z"]
            ),
            "queues": st.dictionaries(st.sampled_from(["Q1", "Q2"]), queue_state, max_size=2),
            "input": st.just({}),
        },
    )
    contact = st.fixed_dictionaries(
        {"attributes": attrs},
        optional={
            "channel": st.sampled_from(["VOICE", "CHAT", "TASK"]),
            "customer-endpoint": st.just("+15555550100"),
            "queue": st.sampled_from(["Q1", "Q2"]),
        },
    )
    cases = draw(
        st.dictionaries(
            st.sampled_from(["c1", "c2", "c3"]),
            st.fixed_dictionaries({}, optional={"contact": contact, "world": world}),
            min_size=1,
            max_size=3,
        )
    )
    return {"scenario": "fuzz", "flow": "main", "contact": draw(contact), "cases": cases}


@st.composite
def project_data(draw: st.DrawFn) -> dict[str, Any]:
    """A whole project: file name -> data (instance, two flows, a scenario)."""
    return {
        "instance.yaml": copy.deepcopy(INSTANCE),
        "main.flow.yaml": draw(flow_data("main")),
        "other.flow.yaml": draw(flow_data("other", 3)),
        "s.scenario.yaml": draw(scenario_data()),
    }


# ---------------------------------------------------------------------------------------------
# mutations

_odd_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=8
)
_wrong = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _odd_text,
    st.just([]),
    st.just({}),
    st.just(["a", {"b": None}]),
    st.just({"type": "disconnect"}),
)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_paths(v, (*path, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_paths(v, (*path, i)))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        data = data[p]
    return data


@st.composite
def mutated(draw: st.DrawFn, data: Any, rounds: int = 3) -> Any:
    """`data` with a few structural mutations: keys deleted, values of a wrong type, targets
    swapped, random unicode in keys and values."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, rounds))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["delete", "wrong", "swap", "unicode-key", "dup"]))
        if not path:
            if how == "wrong":
                data = copy.deepcopy(draw(_wrong))
            continue
        parent, key = _get(data, path[:-1]), path[-1]
        if how == "delete":
            del parent[key]
        elif how == "wrong":
            parent[key] = copy.deepcopy(draw(_wrong))  # never share (and mutate) a `just`
        elif how == "swap":
            other = draw(st.sampled_from(paths))
            if other and other[: len(path)] != path and path[: len(other)] != other:
                try:
                    a, b = _get(data, path), _get(data, other)
                    parent[key] = copy.deepcopy(b)
                    _get(data, other[:-1])[other[-1]] = copy.deepcopy(a)
                except (KeyError, IndexError, TypeError):
                    pass
        elif how == "unicode-key" and isinstance(parent, dict):
            parent[draw(_odd_text)] = parent.pop(key)
        elif how == "dup" and isinstance(parent, dict):
            parent[f"{key}-copy"] = copy.deepcopy(parent[key])
    return data


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """`text` truncated, with random characters inserted or lines shuffled."""
    how = draw(st.sampled_from(["truncate", "insert", "replace", "indent", "none"]))
    if how == "truncate" and text:
        return text[: draw(st.integers(0, len(text) - 1))]
    if how in ("insert", "replace") and text:
        at = draw(st.integers(0, len(text)))
        junk = draw(
            st.one_of(
                _odd_text,
                st.sampled_from(
                    [
                        "\t",
                        "&a ",
                        "*a",
                        "!!python/object:os.system ",
                        "<<: ",
                        "{",
                        "[",
                        '"',
                        "\x00",
                        "\ufeff",
                        "\r",
                        "\x85",
                        "!!binary ",
                        "? ",
                        "--- \n",
                        "%YAML 1.1\n",
                        "|",
                    ]
                ),
            )
        )
        end = at + (draw(st.integers(0, 5)) if how == "replace" else 0)
        return text[:at] + junk + text[end:]
    if how == "indent" and text:
        lines = text.split("\n")
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = draw(st.sampled_from([" ", "  ", "\t", ""])) + lines[i].lstrip(" ")
        return "\n".join(lines)
    return text


# ---------------------------------------------------------------------------------------------
# serialisation


def to_text(data: Any, style: str = "yaml") -> str:
    """`data` as YAML text (block style, as people write it) or as JSON (which YAML reads)."""
    if style == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    from flowrt.connect.files import _emit, _empty

    out: list[str] = []
    if isinstance(data, dict | list) and data:
        _emit(data, 0, out)
    else:
        out.append(_empty(data))
    return "\n".join(out) + "\n"


styles = st.sampled_from(["yaml", "yaml", "json"])

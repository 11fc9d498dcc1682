"""The words editors show: block and key descriptions, and snippets, from the models.

One source for the published schemas (`description`, `markdownDescription`,
`markdownEnumDescriptions`, `defaultSnippets`, read by yaml-language-server and the VS Code YAML
extension) and for `flowrt lsp` (hover, completion documentation, block snippets): each block
class's docstring and each field's `description`.  Docstring indentation is removed, and so is
any internal reference a text may carry (`(seed 002)`), so the user reads only their own words.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

#: Internal references that must never reach a user: `(seed 002)`, `**(seed 002)**`, `seed 12`.
_INTERNAL = re.compile(r" ?\**\(?(?:see )?\bseeds? \d+(?:[,-] ?\d+)*\)?\**", re.IGNORECASE)
#: A placeholder of a snippet body: `$1`, or `${1:default}`.
_PLACEHOLDER = re.compile(r"^\$\{?\d+(?::([^}]*))?\}?$")
#: Keys every block has; a snippet leaves them out.
COMMON_KEYS = ("type", "id", "description", "next")


def clean(text: str | None) -> str:
    """A docstring or description as a user reads it: no indentation, no internal reference."""
    if not text:
        return ""
    return _INTERNAL.sub("", inspect.cleandoc(text)).strip()


def summary(text: str | None) -> str:
    """The first paragraph of a text, on one line."""
    first = clean(text).split("\n\n", 1)[0]
    return " ".join(first.split())


def block_markdown(cls: Any) -> str:
    """A block type's documentation in markdown: what it does, its branches, its Connect action."""
    parts = [clean(cls.__doc__)]
    if cls.BRANCHES:
        branches = ", ".join(f"`{b}`" for b in cls.BRANCHES)
        default = (
            f" (a plain `next: block` is `{cls.DEFAULT_BRANCH}`)" if cls.DEFAULT_BRANCH else ""
        )
        parts.append(f"**Branches**: {branches}{default}.")
    elif cls.TYPE != "connect-action":
        parts.append("**Branches**: none; the block ends the flow.")
    if cls.CONNECT_TYPE and ":" not in cls.CONNECT_TYPE:
        parts.append(f"Amazon Connect action: `{cls.CONNECT_TYPE}`.")
    return "\n\n".join(p for p in parts if p)


def fields(model: Any) -> list[tuple[str, str, str]]:
    """(key as written, one-line description, markdown) of each field of a model."""
    out = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        text = clean(info.description)
        if key == "type" and getattr(model, "TYPE", ""):
            text = f"`{model.TYPE}`: " + summary(model.__doc__)
        out.append((key, summary(text), text))
    return out


def snippet_keys(cls: Any) -> list[str]:
    """The keys a new block of this type is written with: its required keys, or (when it has
    none) its first own key, so a snippet never leaves the block empty of meaning."""
    own = [
        (info.alias or name, info)
        for name, info in cls.model_fields.items()
        if (info.alias or name) not in COMMON_KEYS
    ]
    required = [k for k, info in own if info.is_required()]
    if required:
        return required
    return [own[0][0]] if own else []


def snippet_body(cls: Any) -> dict[str, Any]:
    """A new block of this type, as a `defaultSnippets` body: placeholders `$1`, `$2`, ... and
    `${n:default}` where the key has a default, a first choice or a least value, all read from
    the block's own JSON Schema."""
    schema = cls.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = schema.get("$defs", {})
    counter = [0]
    body: dict[str, Any] = {"type": cls.TYPE}
    for key in snippet_keys(cls):
        if key == "conditions":
            body[key] = [{"equals": _slot(counter), "next": _slot(counter)}]
        else:
            body[key] = _placeholder(schema["properties"][key], defs, counter, 0)
    if cls.BRANCHES:
        body["next"] = {b: _slot(counter) for b in cls.BRANCHES}
    elif cls.TYPE == "connect-action":
        body["next"] = _slot(counter)
    return body


def _slot(counter: list[int], default: Any = None) -> str:
    counter[0] += 1
    if default is None:
        return f"${counter[0]}"
    return "${" + f"{counter[0]}:{default}" + "}"


def _placeholder(node: dict[str, Any], defs: dict[str, Any], counter: list[int], depth: int) -> Any:
    """A value for a key of this schema, for the user to fill."""
    if "$ref" in node:
        node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    options = [o for o in node.get("anyOf", ()) if o.get("type") != "null"]
    if options:
        node = {**options[0], **{k: v for k, v in node.items() if k == "default"}}
        if "$ref" in node:
            node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return _slot(counter, node["enum"][0])
    kind = node.get("type")
    if kind in ("integer", "number"):
        default = node.get("default")
        if not isinstance(default, int | float):
            default = node.get("minimum", node.get("exclusiveMinimum", -1) + 1)
        return _slot(counter, default)
    if kind == "boolean":
        return _slot(counter, "true")
    if kind == "array" and depth < 3:
        return [_placeholder(node.get("items", {}), defs, counter, depth + 1)]
    if kind == "object" and depth < 3:
        props = node.get("properties") or {}
        required = [k for k in node.get("required", ()) if k in props] or list(props)[:1]
        if required:
            return {k: _placeholder(props[k], defs, counter, depth + 1) for k in required}
        names = (node.get("propertyNames") or {}).get("enum")
        key = _slot(counter, names[0]) if names else _slot(counter)
        return {key: _slot(counter)}
    return _slot(counter)


def snippet_yaml(cls: Any, indent: str = "  ") -> str:
    """A new block as an LSP snippet: `${1:name}:` and its body, one key a line (values in
    YAML's flow style), its placeholders renumbered after the name's."""
    counter = iter(range(2, 10_000))

    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{value(k)}: {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        m = _PLACEHOLDER.match(v) if isinstance(v, str) else None
        if m is None:
            return str(v)
        default = f":{m.group(1)}" if m.group(1) else ""
        return "${" + str(next(counter)) + default + "}"

    lines = ["${1:" + cls.TYPE.split("-")[-1] + "}:"]
    lines.extend(f"{indent}{key}: {value(v)}" for key, v in snippet_body(cls).items())
    return "\n".join(lines)

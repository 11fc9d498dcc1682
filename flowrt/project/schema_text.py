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
from typing import Any, Literal, get_args, get_origin

#: Internal references that must never reach a user: `(seed 002)`, `**(seed 002)**`, `seed 12`.
_INTERNAL = re.compile(r"\s*\**\(?(?:see )?seeds? \d+(?:[,-] ?\d+)*\)?\**", re.IGNORECASE)
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
    """A new block of this type, as a `defaultSnippets` body (placeholders `$1`, `$2`, ...)."""
    body: dict[str, Any] = {"type": cls.TYPE}
    n = 0

    def slot() -> str:
        nonlocal n
        n += 1
        return f"${n}"

    by_key = {info.alias or name: info for name, info in cls.model_fields.items()}
    for key in snippet_keys(cls):
        hint = by_key[key].annotation
        annotation = str(hint)
        item = get_args(hint)[0] if get_args(hint) else None
        if key == "conditions":
            body[key] = [{"equals": slot(), "next": slot()}]
        elif get_origin(hint) is Literal:  # a choice: the first, for the user to change
            n += 1
            body[key] = "${" + str(n) + ":" + str(get_args(hint)[0]) + "}"
        elif annotation.startswith("list") and hasattr(item, "model_fields"):
            first = next(iter(item.model_fields.items()))  # type: ignore[union-attr]
            body[key] = [{first[1].alias or first[0]: slot()}]
        elif annotation.startswith("list"):
            body[key] = [slot()]
        elif annotation.startswith("dict"):
            body[key] = {slot(): slot()}
        else:
            body[key] = slot()
    if cls.BRANCHES:
        body["next"] = {b: slot() for b in cls.BRANCHES}
    elif cls.TYPE == "connect-action":
        body["next"] = slot()
    return body


def snippet_yaml(cls: Any, indent: str = "  ") -> str:
    """A new block as an LSP snippet: `${1:name}:` and its body in block style."""
    body = snippet_body(cls)
    counter = iter(range(2, 1000))
    lines = ["${1:" + cls.TYPE.split("-")[-1] + "}:"]

    def value(v: Any) -> str:
        m = _PLACEHOLDER.match(v) if isinstance(v, str) else None
        if m is None:
            return str(v)
        default = f":{m.group(1)}" if m.group(1) else ""
        return "${" + str(next(counter)) + default + "}"

    for key, v in body.items():
        if isinstance(v, dict):
            inner = ", ".join(
                f"{value(k) if k.startswith('$') else k}: {value(x)}" for k, x in v.items()
            )
            lines.append(f"{indent}{key}: {{{inner}}}")
        elif isinstance(v, list):
            item = v[0]
            if isinstance(item, dict):
                lines.append(f"{indent}{key}:")
                first = True
                for k, x in item.items():
                    lead = "- " if first else "  "
                    lines.append(f"{indent}  {lead}{k}: {value(x)}")
                    first = False
            else:
                lines.append(f"{indent}{key}: [{value(item)}]")
        else:
            lines.append(f"{indent}{key}: {value(v)}")
    return "\n".join(lines)

"""The flowrt expression language: the public face of its three modules.

Three kinds of text are understood:

* **Attribute references** in Amazon Connect's JSONPath-like form, e.g.
  ``$.Attributes.tier``, ``$.Queue.Name`` or ``$.Attributes["my key"]``
  (flowrt.lang.refs, which also holds ``ExprError``, the limits and ``as_number``).
* **Text templates** with inline references, e.g.
  ``"Thanks for calling, $.Attributes.firstName."`` (flowrt.lang.templates).
* **Boolean conditions**, flowrt's extension of Connect's single comparison, e.g.
  ``$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0``
  (flowrt.lang.conditions).

Conditions are parsed with a lark LALR grammar (``expr.lark``) once, at compile time,
and compiled into a tree of small closures; evaluation never touches lark objects.
Values are strings, as in Connect: a missing reference resolves to ``""`` and is
reported in the optional ``missing`` list.

This module owns no code: it re-exports the public names, so ``from flowrt.lang import expr``
then ``expr.parse_condition(...)`` works for callers.
"""

from __future__ import annotations

from flowrt.lang.conditions import Condition, parse_condition
from flowrt.lang.refs import (
    MAX_EXPR_LENGTH,
    MAX_NESTING,
    NAMESPACES,
    ExprError,
    Ref,
    Resolver,
    as_number,
    is_reference,
    parse_reference,
)
from flowrt.lang.templates import Template, parse_template

__all__ = [
    "MAX_EXPR_LENGTH",
    "MAX_NESTING",
    "NAMESPACES",
    "Condition",
    "ExprError",
    "Ref",
    "Resolver",
    "Template",
    "as_number",
    "is_reference",
    "parse_condition",
    "parse_reference",
    "parse_template",
]

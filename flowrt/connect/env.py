"""Environment mapping for Amazon Connect interop: names in the YAML <-> ARNs/IDs of one instance.

An environment file (`dev.env.yaml`, `prod.env.yaml`, ...) maps the names a flow uses to what
one Amazon Connect instance calls them, per kind of resource::

    environment: prod
    queues:
      BasicQueue: arn:aws:connect:us-east-1:111122223333:instance/abc/queue/1234
    flows:
      after-hours: arn:aws:connect:us-east-1:111122223333:instance/abc/contact-flow/5678
    lambda-functions:
      crm-lookup: arn:aws:lambda:us-east-1:111122223333:function:crm-lookup
    prompts: {}
    phone-numbers: {}
    hours-of-operation: {}
    users: {}

Export replaces a name by its ARN/ID (`to_connect`); import replaces an ARN/ID by its name
(`to_name`), so the same YAML deploys to dev and prod.  Values that are not in the mapping are
left as they are, so deployment placeholders (`${var.x}`) survive both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.lang.instance import DEFAULT_INSTANCE_ARN

if TYPE_CHECKING:
    from flowrt.lang.instance import Instance

#: The kinds of resource an environment maps, in file order.
KINDS: tuple[str, ...] = (
    "queues",
    "flows",
    "lambda-functions",
    "prompts",
    "phone-numbers",
    "hours-of-operation",
    "users",
)


@dataclass
class Environment:
    """A name <-> ARN/ID mapping per resource kind (see the module docstring)."""

    name: str = ""
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    _reverse: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for kind, table in self.mapping.items():
            rev: dict[str, str] = {}
            for name, value in table.items():
                rev.setdefault(value, name)  # the first name wins when two share an ARN
            self._reverse[kind] = rev

    def to_connect(self, kind: str, name: str) -> str | None:
        """The ARN/ID of `name`, or None when the environment does not map it."""
        return self.mapping.get(kind, {}).get(name)

    def to_name(self, kind: str, value: str) -> str | None:
        """The name whose ARN/ID is `value`, or None (also for a value that is not text, which
        imported JSON may hold anywhere)."""
        if not isinstance(value, str):
            return None
        return self._reverse.get(kind, {}).get(value)


EMPTY = Environment()


def load_environment(path: str | Path) -> tuple[Environment | None, list[Diagnostic]]:
    """Read an environment file; every problem is an FR420 diagnostic with its position."""
    from flowrt.lang.loader import LoadError, load_file

    shown = str(path)
    try:
        doc = load_file(Path(path), shown)
    except LoadError as exc:
        return None, [exc.diagnostic]
    data = doc.data
    if not isinstance(data, dict):
        return None, [_bad("an environment file must be a mapping", doc.span(()))]
    diags: list[Diagnostic] = []
    mapping: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        if key == "environment":
            if not isinstance(value, str):
                diags.append(_bad("`environment` must be text", doc.span((key,))))
            continue
        if key not in KINDS:
            diags.append(
                _bad(
                    f"unknown key `{key}`; an environment maps {', '.join(KINDS)}",
                    doc.key_span((key,)),
                )
            )
            continue
        mapping[str(key)] = _table(doc, str(key), value, diags)
    if diags:
        return None, diags
    name = data.get("environment")
    return Environment(name if isinstance(name, str) else Path(path).stem, mapping), []


def _table(doc: Any, kind: str, value: Any, diags: list[Diagnostic]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        diags.append(_bad(f"`{kind}` must map names to ARNs or IDs", doc.span((kind,))))
        return {}
    out: dict[str, str] = {}
    for name, target in value.items():
        if not isinstance(target, str) or not target:
            diags.append(
                _bad(f"`{kind}.{name}` must be an ARN or ID (text)", doc.span((kind, name)))
            )
            continue
        out[str(name)] = target
    return out


def _bad(message: str, span: Span) -> Diagnostic:
    return Diagnostic.make(
        "FR420", message, span, "see docs/connect.md, section Environment mapping"
    )


def instance_environment(instance: Instance | None, flow_ids: dict[str, str]) -> Environment:
    """The ARNs an instance file gives without an environment file.

    A Lambda function's `arn:` is taken whole.  When instance.yaml writes the instance's `arn:`
    (not the placeholder that loading fills in), a queue, a user (an agent), hours of operation or a flow (`flow_ids`, the
    flows' `id:`) that has an `id:` gets the ARN Amazon Connect writes for it:
    `<instance arn>/queue/<id>`, `/agent/<id>`, `/operating-hours/<id>`, `/contact-flow/<id>`.
    An `id:` that is already an ARN is taken as it is; a name without an `id:` is not mapped."""
    mapping: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    if instance is None:
        return Environment("instance", mapping)
    for name, function in instance.lambda_functions.items():
        if function.arn:
            mapping["lambda-functions"][name] = function.arn
    base = instance.arn.rstrip("/") if instance.arn != DEFAULT_INSTANCE_ARN else None
    if not base:
        return Environment("instance", mapping)
    tables: tuple[tuple[str, str, dict[str, str | None]], ...] = (
        ("queues", "queue", {n: q.id for n, q in instance.queues.items()}),
        ("users", "agent", {n: u.id for n, u in instance.users.items()}),
        (
            "hours-of-operation",
            "operating-hours",
            {n: h.id for n, h in instance.hours_of_operation.items()},
        ),
        ("flows", "contact-flow", dict(flow_ids)),
    )
    for kind, segment, ids in tables:
        for name, ident in ids.items():
            if ident:
                mapping[kind][name] = (
                    ident if ident.startswith("arn:") else f"{base}/{segment}/{ident}"
                )
    return Environment("instance", mapping)


def with_fallback(env: Environment, derived: Environment) -> Environment:
    """`env`, with the names it does not map taken from `derived` (what instance.yaml gives).

    Both ways `env` wins: a name it maps keeps its ARN, and an ARN it maps keeps its name."""
    if not any(derived.mapping.values()):
        return env
    mapping: dict[str, dict[str, str]] = {}
    for kind in {*env.mapping, *derived.mapping}:
        table = dict(env.mapping.get(kind, {}))
        for name, value in derived.mapping.get(kind, {}).items():
            table.setdefault(name, value)
        mapping[kind] = table
    return Environment(env.name, mapping)

"""The context of exporting one flow: block names -> Identifiers, names -> ARNs/IDs, diagnostics.

`ExportContext` is what every per-block exporter receives (`flowrt.connect.export_blocks`,
`flowrt.connect.when`); it maps a resource name to its ARN/ID through the environment file
(`flowrt.connect.env`), else through the ARNs the instance file gives (`instance_environment`),
reporting FR414 for a name it cannot map, and files each diagnostic
under the block being exported.  `branches` lists a block's `next` as (branch, target) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flowrt.connect.env import Environment
from flowrt.core.diagnostics import Diagnostic
from flowrt.lang.blocks import Block
from flowrt.lang.loader import Document, JsonPath

_KIND_LABEL = {
    "queues": "queue",
    "flows": "flow",
    "lambda-functions": "Lambda function",
    "prompts": "prompt",
    "phone-numbers": "phone number",
    "hours-of-operation": "hours of operation",
    "users": "user",
}


def looks_resolved(value: str) -> bool:
    """True for values that are already ARNs, IDs, placeholders or references."""
    return (
        value.startswith(("arn:", "$.", "+"))
        or "${" in value
        or (len(value) == 36 and value.count("-") == 4)
    )


@dataclass
class ExportContext:
    """What exporting one flow needs: names -> identifiers, the environment, diagnostics."""

    flow_type: str
    ids: dict[str, str]
    env: Environment = field(default_factory=Environment)
    flow_ids: dict[str, str] = field(default_factory=dict)
    doc: Document | None = None
    #: The ARNs instance.yaml gives (its `arn:` and the resources' `id:`); `env` wins over them.
    derived: Environment = field(default_factory=Environment)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    block: str = ""

    def report(self, code: str, message: str, path: JsonPath = (), hint: str | None = None) -> None:
        """A diagnostic about the current block."""
        span = self.doc.span(("blocks", self.block, *path)) if self.doc else None
        prefix = f"block `{self.block}`: " if self.block else ""
        self.diagnostics.append(Diagnostic.make(code, prefix + message, span, hint))

    def target(self, name: str | None) -> str | None:
        return None if name is None else self.ids.get(name, name)

    def resource(self, kind: str, value: str, path: JsonPath) -> str:
        """`value` (a name) as the ARN/ID of this environment; references stay as they are."""
        if value.startswith("$."):
            return value
        mapped = self.env.to_connect(kind, value)
        if mapped is None:
            mapped = self.derived.to_connect(kind, value)
        if mapped is None and kind == "flows":
            mapped = self.flow_ids.get(value)
        if mapped is not None:
            return mapped
        if not looks_resolved(value):
            self.report(
                "FR414",
                f"{_KIND_LABEL.get(kind, kind)} `{value}` is not mapped to an ARN or ID; it is "
                "exported as written",
                path,
                _unmapped_hint(kind),
            )
        return value


#: What instance.yaml can give instead of an environment file, per kind.
_INSTANCE_WAY = {
    "queues": "an `id:` under `queues:`",
    "users": "an `id:` under `users:`",
    "hours-of-operation": "an `id:` under `hours-of-operation:`",
}


def _unmapped_hint(kind: str) -> str:
    hint = f"map it under `{kind}:` in an environment file (--env)"
    if kind == "lambda-functions":
        return hint + ", or give it an `arn:` under `lambda-functions:` in instance.yaml"
    if kind == "flows":
        return hint + ", or give that flow an `id:` (its ARN or ID)"
    if kind in _INSTANCE_WAY:
        return hint + f", or give instance.yaml an `arn:` and {_INSTANCE_WAY[kind]}"
    return hint


def branches(block: Block) -> list[tuple[str, str]]:
    """(branch, target block) in the order written under `next`."""
    if isinstance(block.next, str):
        return [(block.DEFAULT_BRANCH or "success", block.next)]
    if isinstance(block.next, dict):
        return list(block.next.items())
    return []

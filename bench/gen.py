"""Generators of large, valid flows and projects for the benchmarks (deterministic)."""

from __future__ import annotations

from pathlib import Path

INSTANCE = """\
instance: bench
queues:
  BasicQueue: {max-contacts: 10}
  Premium: {}
users:
  agent1: {id: u-1, security-profile: Agent, routing-profile: Basic}
security-profiles:
  Agent: {permissions: [ccp]}
routing-profiles:
  Basic: {queues: [BasicQueue], default-outbound-queue: BasicQueue}
phone-numbers:
  "+18005550111": {}
lambda-functions:
  lookup: {}
"""


def _block(i: int, n: int, name: str) -> str:
    nxt = f"b{i + 1}" if i + 1 < n else "done"
    kind = i % 5
    if kind == 0:
        return (
            f"  {name}:\n    type: play-prompt\n"
            f'    text: "Step {i} for $.Attributes.firstName."\n    next: {nxt}\n'
        )
    if kind == 1:
        return (
            f"  {name}:\n    type: check-contact-attributes\n    attribute: $.Attributes.tier\n"
            f"    conditions:\n      - equals: gold\n        next: {nxt}\n"
            f"      - number-greater-than: 5\n        next: {nxt}\n"
            f"    next: {{no-match: {nxt}, error: done}}\n"
        )
    if kind == 2:
        return (
            f"  {name}:\n    type: set-contact-attributes\n"
            f'    attributes: {{step: "{i}", who: "$.Attributes.firstName"}}\n'
            f"    next: {{success: {nxt}, error: done}}\n"
        )
    if kind == 3:
        return (
            f"  {name}:\n    type: set-working-queue\n    queue: BasicQueue\n"
            f"    next: {{success: {nxt}, error: done}}\n"
        )
    return (
        f"  {name}:\n    type: invoke-lambda\n    function: lookup\n"
        f'    parameters: {{id: "$.CustomerEndpoint.Address"}}\n'
        f"    next: {{success: {nxt}, error: done}}\n"
    )


def flow_text(name: str, n: int) -> str:
    parts = [f"flow: {name}\ntype: contact\nstart: b0\nblocks:\n"]
    parts.extend(_block(i, n, f"b{i}") for i in range(n))
    parts.append("  done:\n    type: disconnect\n")
    return "".join(parts)


def write_project(root: Path, flows: int, blocks: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    for f in range(flows):
        (root / f"f{f:03d}.flow.yaml").write_text(flow_text(f"f{f:03d}", blocks), encoding="utf-8")
    return root

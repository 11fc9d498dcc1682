"""`flowrt replay --to-scenario FILE`: recorded contacts as ordinary scenario cases.

Each chosen contact becomes a case named after its ContactId: the flow it started in, its
contact (channel, endpoints, the attributes it came with) and the answers its log gave as the
world (clock, input, Lambda responses, queue figures, phone transfer outcomes, blocks that
failed).  The file is a normal `*.scenario.yaml`: `flowrt test --update` writes its goldens, and
from then on the incident is a regression test.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowrt.replay.fidelity import Replayed


def case_of(r: Replayed) -> dict[str, Any]:
    """One recorded contact as a scenario case (plain data, keys as scenario files spell them)."""
    c = r.contact
    contact: dict[str, Any] = {"channel": c.channel}
    if c.customer_endpoint:
        contact["customer-endpoint"] = c.customer_endpoint
    if c.system_endpoint:
        contact["system-endpoint"] = c.system_endpoint
    if c.attributes:
        contact["attributes"] = dict(sorted(c.attributes.items()))
    w = r.world
    world: dict[str, Any] = {}
    if w.clock is not None:
        world["clock"] = w.clock.isoformat()
    if w.input:
        world["input"] = {k: list(v) for k, v in sorted(w.input.items())}
    if w.lambdas:
        world["lambdas"] = {
            f: {
                str(i): {"returns": ret} if err is None else {"error": err}
                for i, (ret, err) in enumerate(calls, 1)
            }
            for f, calls in sorted(w.lambdas.items())
        }
    queues: dict[str, Any] = {}
    agents: dict[str, Any] = {}
    for (kind, name), values in sorted(w.queues.items()):
        state: dict[str, Any] = {}
        if "contacts" in values:
            state["contacts-in-queue"] = values["contacts"]
        if "oldest" in values:
            state["oldest-contact-age"] = values["oldest"]
        agent_counts = {k: values[k] for k in ("online", "available", "staffed") if k in values}
        if agent_counts:
            state["agents"] = agent_counts
        (queues if kind == "queue" else agents)[name] = state
    if queues:
        world["queues"] = queues
    if agents:
        world["agent-queues"] = agents
    if w.external:
        world["external"] = {k: list(v) for k, v in sorted(w.external.items())}
    if w.errors:
        world["errors"] = sorted(w.errors)
    case: dict[str, Any] = {
        "description": f"recorded contact {r.contact_id} ({r.status} on replay)",
        "flow": r.flow,
        "contact": contact,
    }
    if world:
        case["world"] = world
    return case


def scenario_text(name: str, chosen: list[Replayed]) -> str:
    """The scenario file (YAML; written as JSON-compatible flow style where values nest)."""
    lines = [
        "# yaml-language-server: $schema=../schemas/scenario.schema.json",
        "# Recorded contacts from Amazon Connect flow logs (flowrt replay --to-scenario).",
        f"scenario: {json.dumps(name)}",
        "cases:",
    ]
    for r in chosen:
        lines.append(f"  {json.dumps(r.contact_id)}:")
        for key, value in case_of(r).items():
            lines.append(f"    {key}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}")
    return "\n".join(lines) + "\n"

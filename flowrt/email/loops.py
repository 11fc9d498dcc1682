"""The email checks of a project: the Default outbound flow and mail loops.

`check_email_project` is called when a project compiles: the instance's `default-outbound-flow`
must be an outbound-email flow (FR205), and no outbound-email flow may send email (FR206, the
mail loop: email sent from the outbound email flow goes out through that same flow).  Apart
from the checks of email cases (flowrt.email.checks), whose request models a project without
email cases never needs: `flowrt validate` imports only this module for a project's email rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowrt.core.diagnostics import Diagnostic, suggestion

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node, Program
    from flowrt.lang.loader import Document

#: Amazon Connect action types that send a message (an email, on an email contact) or start an
#: outbound email: inside the outbound email flow each would send mail that runs the same flow.
SENDING_ACTIONS = frozenset(
    {"MessageParticipant", "SendMessage", "StartOutboundEmailContact", "SendOutboundEmail"}
)
#: Connect actions that run another flow, and the parameter naming it.
LINK_ACTIONS = {"TransferToFlow": "ContactFlowId", "InvokeFlowModule": "FlowModuleId"}


def flow_by_id(program: Program, flow_id: str) -> str | None:
    """A flow by ContactFlowId: its name, or an ARN ending in `/contact-flow/<name>`."""
    name = flow_id.rsplit("/contact-flow/", 1)[-1]
    return name if name in program.flows else None


def _sends(program: Program, node: Node, seen: set[str]) -> str | None:
    """Why a block would send email, or None (following flows it runs, once each)."""
    block = node.block
    if node.type == "send-message":
        return "sends a message, and a message on an email contact is an email"
    if node.type == "connect-action":
        action = getattr(block, "action", "")
        if action in SENDING_ACTIONS:
            return f"runs the Amazon Connect action {action}, which sends email"
        param = LINK_ACTIONS.get(action)
        target = getattr(block, "parameters", {}).get(param) if param else None
        name = flow_by_id(program, target) if isinstance(target, str) else None
        if name is not None:
            return _via(program, name, seen)
    if node.type == "transfer-to-flow":
        target = node.prepared.get(("flow",))
        if isinstance(target, str) and target in program.flows:
            return _via(program, target, seen)
    return None


def _via(program: Program, name: str, seen: set[str]) -> str | None:
    if name in seen:
        return None
    seen.add(name)
    for node in program.flows[name].nodes:
        why = _sends(program, node, seen)
        if why is not None:
            return f"runs flow {name}, whose block `{node.name}` {why}"
    return None


def check_email_project(program: Program, instance_doc: Document | None) -> list[Diagnostic]:
    """FR205 (the Default outbound flow) and FR206 (mail loops)."""
    out: list[Diagnostic] = []
    inst = program.instance
    name = inst.default_outbound_flow if inst is not None else None
    if name is not None and instance_doc is not None and name not in program.broken.flows:
        span = instance_doc.span(("default-outbound-flow",))
        flow = program.flows.get(name)
        if flow is None:
            out.append(
                Diagnostic.make(
                    "FR205",
                    f"default-outbound-flow: unknown flow `{name}`{suggestion(name, program.flows)}",
                    span,
                    "name the outbound-email flow that holds the outbound email policy",
                )
            )
        elif flow.type != "outbound-email":
            out.append(
                Diagnostic.make(
                    "FR205",
                    f"default-outbound-flow: `{name}` is a {flow.type} flow; the Default outbound "
                    "flow must be of type outbound-email",
                    span,
                )
            )
    for cf in program.flows.values():
        if cf.type != "outbound-email":
            continue
        for node in cf.nodes:
            why = _sends(program, node, {cf.name})
            if why is not None:
                out.append(
                    Diagnostic.make(
                        "FR206",
                        f"mail loop: block `{node.name}` ({node.type}) of outbound email flow "
                        f"`{cf.name}` {why}; every email that goes out runs this flow, so the "
                        "email it sends would run it again",
                        node.span,
                        "decide in the outbound email flow, do not send from it (a send guarded "
                        "by a `$.Channel` check still runs for email)",
                    )
                )
    return out

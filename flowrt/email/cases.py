"""What an email case is and which flows it runs; the StartEmailContact rules that need them.

A case's StartEmailContact requests (`requests_of`), the flow a ContactFlowId names
(`flow_by_id`), the Default outbound flow that holds the outbound email policy (`outbound_flow`),
and `instance_problems`: the request's rules that need the instance and the project (StartEmailContact:
the destination address, the flow, the related contact).  `flow_by_id` and the Connect actions
that send mail or run another flow live with the mail-loop check (flowrt.email.loops).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from flowrt.email.errors import InvalidRequestException, ResourceNotFoundException
from flowrt.email.loops import flow_by_id
from flowrt.email.request import (
    MAX_ATTRIBUTE_BYTES,
    Problem,
    StartEmailContactRequest,
    attribute_size,
)

if TYPE_CHECKING:
    from flowrt.email.mailbox import Mailbox
    from flowrt.lang.compiler import Program
    from flowrt.scenario.model import Contact


def requests_of(contact: Contact) -> list[StartEmailContactRequest]:
    r = contact.start_email_contact
    return [] if r is None else (r if isinstance(r, list) else [r])


def outbound_flow(program: Program) -> str | None:
    """The Default outbound flow: the instance's `default-outbound-flow`, else the only one."""
    inst = program.instance
    if inst is not None and inst.default_outbound_flow is not None:
        return inst.default_outbound_flow
    names = [n for n, f in program.flows.items() if f.type == "outbound-email"]
    return names[0] if len(names) == 1 else None


def instance_problems(
    req: StartEmailContactRequest,
    mailbox: Mailbox,
    program: Program,
    related: Mapping[str, Mapping[str, str]],
) -> list[Problem]:
    """The rules that need the instance: destination, flow, related contact (StartEmailContact)."""
    out: list[Problem] = []
    dest = req.destination_email_address
    if dest is not None and mailbox.find(dest) is None:
        out.append(
            Problem(
                ResourceNotFoundException,
                f"DestinationEmailAddress `{dest}` is not an email address of the instance",
                ("DestinationEmailAddress",),
            )
        )
    if req.contact_flow_id is not None:
        name = flow_by_id(program, req.contact_flow_id)
        if name is None:
            out.append(
                Problem(
                    ResourceNotFoundException,
                    f"ContactFlowId `{req.contact_flow_id}` is not a flow of the project",
                    ("ContactFlowId",),
                )
            )
        elif program.flows[name].type != "contact":
            out.append(
                Problem(
                    InvalidRequestException,
                    f"ContactFlowId `{name}` is a {program.flows[name].type} flow; an email "
                    "contact starts in a contact flow",
                    ("ContactFlowId",),
                )
            )
    elif dest is not None and mailbox.find(dest) is not None:
        target = mailbox.deliver_to(dest)
        if target is None or target.flow not in program.flows:
            where = target.address if target else dest
            out.append(
                Problem(
                    InvalidRequestException,
                    f"no flow to start: `{where}` names no flow of the project and the request "
                    "gives no ContactFlowId",
                    ("DestinationEmailAddress",),
                )
            )
    rid = req.related_contact_id
    if rid is not None and rid not in related:
        out.append(
            Problem(
                ResourceNotFoundException,
                f"RelatedContactId `{rid}` is not a contact of the instance",
                ("RelatedContactId",),
            )
        )
    elif rid is not None:
        # RelatedContactId copies the related contact's attributes into the new contact: the
        # 32,768-byte total applies to the copy and the request's own Attributes together.
        merged = {**related[rid], **req.attributes}
        size = attribute_size(merged)
        if size > MAX_ATTRIBUTE_BYTES:
            out.append(
                Problem(
                    InvalidRequestException,
                    f"the attributes copied from RelatedContactId `{rid}` with the request's "
                    f"Attributes take {size:,} UTF-8 bytes; at most {MAX_ATTRIBUTE_BYTES:,} are "
                    "allowed across all key-value pairs",
                    ("RelatedContactId",),
                )
            )
    return out

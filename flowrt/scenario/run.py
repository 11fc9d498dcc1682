"""Running a case: a contact (scenario model, plain dict or prepared record) through a program.

`run_contact` is what `Program.run` calls.  It prepares the contact and the world once
(flowrt.scenario.model), then hands the run to its channel: a call, chat or task goes straight to
the interpreter's run loop (flowrt.run.interpreter); an email case (a contact that enters by
StartEmailContact, or a world with agent actions) goes to the email session
(flowrt.email.session), which runs each flow the case starts through the same run loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowrt.email.cases import requests_of
from flowrt.email.session import run_email
from flowrt.lang.compiler import DEFAULT_MAX_STEPS
from flowrt.run import interpreter
from flowrt.run.world import PreparedContact, PreparedWorld
from flowrt.scenario.model import Contact, World, prepare_contact, prepare_world

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.run.trace import Result


def is_email_case(contact: Any, world: Any) -> bool:
    """Whether a run's contact enters by StartEmailContact or its world has agent actions."""
    if isinstance(contact, Contact):
        if contact.start_email_contact is not None:
            return True
    elif isinstance(contact, Mapping) and contact.get("start-email-contact") is not None:
        return True
    if isinstance(world, World):
        return bool(world.agent_actions)
    return isinstance(world, Mapping) and bool(world.get("agent-actions"))


def run_contact(
    program: Program,
    contact: Contact | Mapping[str, Any] | PreparedContact | None,
    world: World | Mapping[str, Any] | PreparedWorld | None = None,
    *,
    flow: str | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    contact_id: str | None = None,
) -> Result:
    """Run one contact through a flow of `program` in `world`; never raises for a bad flow run.

    `contact` and `world` may be the scenario models, plain dicts (kebab-case keys, as in a
    scenario file) or prepared records (`prepare_contact`, `prepare_world`: fastest when the same
    ones run many times).  The flow is `flow`, else the flow the instance assigns to the
    contact's system endpoint, else the project's only contact flow.
    """
    if type(contact) is PreparedContact:  # the fast path: prepared once, run many times
        pc = contact
    elif isinstance(contact, Contact | Mapping) and is_email_case(contact, world):
        return _run_email(program, contact, world, flow, max_steps, contact_id)
    else:
        pc = prepare_contact(contact)
    pw = world if type(world) is PreparedWorld else prepare_world(world)
    return interpreter.run(program, pc, pw, flow=flow, max_steps=max_steps, contact_id=contact_id)


def _run_email(
    program: Program,
    contact: Contact | Mapping[str, Any],
    world: World | Mapping[str, Any] | PreparedWorld | None,
    flow: str | None,
    max_steps: int,
    contact_id: str | None,
) -> Result:
    c = contact if isinstance(contact, Contact) else Contact.model_validate(dict(contact))
    w = (
        world
        if isinstance(world, World | PreparedWorld)
        else World.model_validate(dict(world or {}))
    )
    related = (
        {} if isinstance(w, PreparedWorld) else {k: v.attributes for k, v in w.contacts.items()}
    )
    actions = [] if isinstance(w, PreparedWorld) else list(w.agent_actions)
    return run_email(
        program,
        requests_of(c),
        prepare_world(w),
        actions,
        related,
        flow=flow,
        max_steps=max_steps,
        contact_id=contact_id,
    )

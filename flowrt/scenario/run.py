"""Running a case: a contact (scenario model, plain dict or prepared record) through a program.

`run_contact` is what `Program.run` calls.  It checks its arguments (the public boundary: a wrong
type, an unknown key or a bad value is a `FlowrtError` saying which and how to fix it, never a
`TypeError` or pydantic's `ValidationError`), prepares the contact and the world once
(flowrt.scenario.model), then hands the run to its channel: a call, chat or task goes straight to
the interpreter's run loop (flowrt.run.interpreter); an email case (a contact that enters by
StartEmailContact, or a world with agent actions) goes to the email session
(flowrt.email.session), which runs each flow the case starts through the same run loop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowrt.core.diagnostics import Diagnostic, FlowrtError, suggestion
from flowrt.email.cases import requests_of
from flowrt.email.session import run_email
from flowrt.lang.compiler import DEFAULT_MAX_STEPS
from flowrt.run import interpreter
from flowrt.run.interpreter import MAX_STEPS_LIMIT
from flowrt.run.world import PreparedContact, PreparedWorld, parse_clock
from flowrt.scenario.model import (
    CALL_RANGE_PATTERN,
    Contact,
    World,
)
from flowrt.scenario.model import prepare_contact as _prepare_contact
from flowrt.scenario.model import prepare_world as _prepare_world
from flowrt.scenario.shared import PreparedCache

if TYPE_CHECKING:
    from pydantic import ValidationError

    from flowrt.lang.compiler import Program
    from flowrt.run.trace import Result

#: At most this many problems of one argument are reported (then "and N more").
MAX_PROBLEMS = 10
#: Integers with more digits than this cannot be turned into attribute text (Python refuses
#: to convert integers over 4,300 digits to text).
MAX_DIGITS = 4_000
_RANGE = re.compile(CALL_RANGE_PATTERN)
_HINT = {
    "contact": "a contact is a dict with the keys of a scenario file's `contact:` (channel, "
    "attributes, system-endpoint, ...; see docs/running.md), a flowrt.scenario.Contact, or "
    "flowrt.scenario.prepare_contact(...)",
    "world": "a world is a dict with the keys of a scenario file's `world:` (clock, queues, "
    "lambdas, input, ...; see docs/running.md), a flowrt.scenario.World, or "
    "flowrt.scenario.prepare_world(...)",
}


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


def _plain_call(contact: object, world: object) -> bool:
    """Plain dicts (or no world) of a call, chat or task: `is_email_case` is False for them."""
    return (
        type(contact) is dict
        and contact.get("start-email-contact") is None
        and (world is None or (type(world) is dict and not world.get("agent-actions")))
    )


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

    Raises FlowrtError, with a diagnostic per problem, when an argument is not what it should
    be: `contact` or `world` of another type, or a dict with unknown keys or wrong values;
    `flow` not a str; `max_steps` not a whole number from 1 to
    `MAX_STEPS_LIMIT` (1,000,000); `contact_id` not a non-empty str; an unknown flow.
    """
    if (
        type(max_steps) is not int
        or not 0 < max_steps <= MAX_STEPS_LIMIT
        or (flow is not None and type(flow) is not str)
        or (
            contact_id is not None
            and (type(contact_id) is not str or not 0 < len(contact_id) <= 256)
        )
    ):
        check_run_options(flow, max_steps, contact_id)
    if type(contact) is PreparedContact:  # the fast path: prepared once, run many times
        pc = contact
    elif _plain_call(contact, world):  # the docs' plain dicts: is_email_case, without its checks
        pc = CONTACTS.get(contact)  # prepared once per distinct content (flowrt.scenario.shared)
    elif isinstance(contact, Contact | Mapping) and is_email_case(contact, world):
        return _run_email(program, contact, world, flow, max_steps, contact_id)
    else:
        pc = CONTACTS.get(contact)
    pw = world if type(world) is PreparedWorld else WORLDS.get(world)
    return interpreter.run_prepared(program, pc, pw, flow, max_steps, contact_id)


#: The contacts and worlds runs were given as plain dicts, prepared, by content.  Only runs use
#: them: `prepare_contact` and `prepare_world` give their caller a record of its own.
CONTACTS: PreparedCache[PreparedContact] = PreparedCache(lambda value: prepare_contact(value))
WORLDS: PreparedCache[PreparedWorld] = PreparedCache(lambda value: prepare_world(value))


def _run_email(
    program: Program,
    contact: Contact | Mapping[str, Any],
    world: World | Mapping[str, Any] | PreparedWorld | None,
    flow: str | None,
    max_steps: int,
    contact_id: str | None,
) -> Result:
    c = contact_model(contact)
    w = world if isinstance(world, PreparedWorld) else world_model(world)
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


# ---------------------------------------------------------------------------------------------
# the arguments: models and prepared records, or a FlowrtError that says what is wrong


def check_run_options(flow: object, max_steps: object, contact_id: object = None) -> None:
    """Raise FlowrtError unless `flow` is None or a str, `max_steps` an int from 1 to
    `MAX_STEPS_LIMIT` and `contact_id` None or a str of 1 to 256 characters."""
    limit = MAX_STEPS_LIMIT
    problems = []
    if isinstance(max_steps, bool) or not isinstance(max_steps, int):
        problems.append(
            _problem(
                "FR011",
                f"max_steps must be a whole number of steps (an int), not {show(max_steps)} "
                f"({type_name(max_steps)})",
                "",
                f"leave it out for the default, {DEFAULT_MAX_STEPS:,} steps",
            )
        )
    elif not 0 < max_steps <= limit:
        problems.append(
            _problem(
                "FR013",
                f"max_steps is {show(max_steps)}; it must be from 1 to {limit:,}",
                "",
                f"a run stops with FR107 after max_steps steps; the default is "
                f"{DEFAULT_MAX_STEPS:,}",
            )
        )
    if flow is not None and not isinstance(flow, str):
        problems.append(
            _problem(
                "FR011",
                f"flow must be the name of a flow (a str) or None, not {show(flow)} "
                f"({type_name(flow)})",
                "",
                "leave it out to run the flow the instance assigns to the contact's system "
                "endpoint",
            )
        )
    if contact_id is not None and (
        not isinstance(contact_id, str) or not 0 < len(contact_id) <= 256
    ):
        problems.append(
            _problem(
                "FR011" if not isinstance(contact_id, str) else "FR013",
                f"contact_id must be a str of 1 to 256 characters or None, not {show(contact_id)}",
                "",
                "leave it out for a deterministic ContactId",
            )
        )
    _raise_if(problems)


def contact_model(contact: object) -> Contact:
    """`contact` (a Contact, a dict or None) as a Contact; FlowrtError if it is not one."""
    c = contact if isinstance(contact, Contact) else _validate(Contact, contact, "contact")
    _check_numbers("contact", (("attributes", k, v) for k, v in c.attributes.items()))
    return c


def world_model(world: object) -> World:
    """`world` (a World, a dict or None) as a World; FlowrtError if it is not one."""
    w = world if isinstance(world, World) else _validate(World, world, "world")
    problems: list[Diagnostic] = []
    if w.clock is not None:
        try:
            parse_clock(w.clock)
        except ValueError as exc:
            problems.append(
                _problem(
                    "FR013",
                    f"world: clock `{shorten(w.clock)}` is not a date and time ({exc})",
                    "world",
                    "give a real date and time with an offset, e.g. 2026-11-23T09:00:00-05:00",
                )
            )
    for fn, responses in w.lambdas.items():
        for key in responses:
            if not _RANGE.match(key) or len(key) > 40:
                problems.append(
                    _problem(
                        "FR106",
                        f"world: lambdas.{shorten(fn)}: `{shorten(key)}` is not a call number "
                        "or range",
                        "world",
                        'key each response by its call number ("1") or a range ("2-3")',
                    )
                )
    _raise_if(problems)
    values: list[tuple[Any, ...]] = [("attributes", k, v) for k, v in w.attributes.items()]
    values += [("input", k, v) for k, v in w.input.items()]
    for fn, responses in w.lambdas.items():
        for key, r in responses.items():
            values += [(f"lambdas.{fn}.{key}.returns", k, v) for k, v in (r.returns or {}).items()]
    _check_numbers("world", values)
    return w


def prepare_contact(contact: object) -> PreparedContact:
    """A contact (model, plain dict or None) as the interpreter's plain record: what
    `flowrt.scenario.prepare_contact` is.  Raises FlowrtError when it is not a contact, or its
    attributes break the limits (key characters, total size)."""
    if isinstance(contact, PreparedContact):
        return contact
    return _prepare_contact(contact_model(contact))


def prepare_world(world: object) -> PreparedWorld:
    """A world (model, plain dict or None) as the interpreter's plain record: what
    `flowrt.scenario.prepare_world` is.  Raises FlowrtError when it is not a world."""
    if isinstance(world, PreparedWorld):
        return world
    return _prepare_world(world_model(world))


def _validate(model: type[Contact] | type[World], value: object, what: str) -> Any:
    from pydantic import ValidationError

    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise FlowrtError(
            [
                _problem(
                    "FR011",
                    f"{what} must be a dict, a flowrt.scenario.{model.__name__} or a prepared "
                    f"{what}, not {type_name(value)}",
                    what,
                )
            ]
        )
    try:
        return model.model_validate(dict(value))
    except ValidationError as exc:
        raise FlowrtError(_pydantic_problems(exc, model, what)) from None


def _check_numbers(what: str, values: Any) -> None:
    """Integers too long to become attribute text (Python refuses over 4,300 digits)."""
    for where, key, value in values:
        items = value if isinstance(value, list) else [value]
        for v in items:
            if isinstance(v, int) and v.bit_length() > MAX_DIGITS * 3.32:
                raise FlowrtError(
                    [
                        _problem(
                            "FR013",
                            f"{what}: {where}.{shorten(key)} is an integer of about "
                            f"{int(v.bit_length() / 3.3219)} digits; at most {MAX_DIGITS:,} "
                            "are allowed",
                            what,
                            "give the value as text if it is an identifier",
                        )
                    ]
                )


def _raise_if(problems: list[Diagnostic]) -> None:
    if problems:
        raise FlowrtError(_bounded(problems))


def _problem(code: str, message: str, what: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic.make(code, message, None, hint or _HINT.get(what))


# -- pydantic's errors in the user's words ----------------------------------------------------

#: Parts of pydantic's error locations that name a member of a union, not a key.
_SCALAR_TAGS = frozenset({"str", "int", "float", "bool", "none"})
_MODEL_NAMES: set[str] = set()


def _is_tag(part: object) -> bool:
    if not isinstance(part, str):
        return False
    if part in _SCALAR_TAGS or "[" in part:
        return True
    if not _MODEL_NAMES:
        from pydantic import BaseModel

        todo = [BaseModel]
        while todo:
            cls = todo.pop()
            for sub in cls.__subclasses__():
                _MODEL_NAMES.add(sub.__name__)
                todo.append(sub)
    return part in _MODEL_NAMES


def _pydantic_problems(
    exc: ValidationError, model: type[Contact] | type[World], what: str
) -> list[Diagnostic]:
    """One diagnostic per wrong place: union members' errors merged, the deepest kept."""
    groups: dict[tuple[Any, ...], list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if loc and loc[-1] == "[key]":  # a key of a mapping that is not a str
            loc = loc[:-1]
            err["type"] = "invalid_key"
        cut = next((i for i, p in enumerate(loc) if _is_tag(p)), len(loc))
        groups.setdefault(loc[:cut], []).append((loc, dict(err)))
    out: list[Diagnostic] = []
    for base, errs in groups.items():
        deepest = max(len(loc) for loc, _ in errs)
        kept = [(loc, e) for loc, e in errs if len(loc) == deepest]
        if deepest > len(base) + 1:  # a union member that got further: its own errors
            for loc, e in kept:
                path = base + tuple(p for p in loc[len(base) :] if not _is_tag(p))
                out.append(_one(path, [e], model, what))
        else:
            out.append(_one(base, [e for _, e in kept], model, what))
    return _bounded(out)


def _one(
    path: tuple[Any, ...], errs: list[dict[str, Any]], model: type[Any], what: str
) -> Diagnostic:
    kind = errs[0]["type"]
    where = _path(path)
    if kind == "extra_forbidden":
        key = path[-1] if path else ""
        hint = ""
        if len(path) == 1 and isinstance(key, str):
            names = [f.alias or n for n, f in model.model_fields.items()]
            hint = suggestion(key, names)
        return _problem("FR010", f"{what}: unknown key `{where}`{hint}", what)
    if kind == "missing":
        return _problem("FR012", f"{what}: `{where}` is required", what)
    if kind == "invalid_key":
        at = f" in `{_path(path[:-1])}`" if len(path) > 1 else ""
        key = show(path[-1]) if path else "?"
        return _problem("FR011", f"{what}: the key {key}{at} is not a str", what)
    msgs: list[str] = []
    for e in errs:
        msg = str(e["msg"])
        if msgs and msg.startswith("Input should be "):
            msg = msg[len("Input should be ") :]
        if msg not in msgs:
            msgs.append(msg)
    text = msgs[0] if len(msgs) == 1 else ", ".join(msgs[:-1]) + " or " + msgs[-1]
    got = type_name(errs[0].get("input"))
    typed = all(str(e["type"]).endswith("_type") for e in errs)
    code = "FR011" if typed else "FR013"
    at = f" `{where}`:" if where else ""
    return _problem(code, f"{what}:{at} {text} (got {got})", what)


def _bounded(diags: list[Diagnostic]) -> list[Diagnostic]:
    if len(diags) <= MAX_PROBLEMS:
        return diags
    more = len(diags) - MAX_PROBLEMS
    last = diags[MAX_PROBLEMS]
    return [
        *diags[:MAX_PROBLEMS],
        Diagnostic.make(last.code, f"and {more:,} more problem(s) like these", None, last.hint),
    ]


def _path(path: tuple[Any, ...]) -> str:
    out = ""
    for p in path:
        if type(p) is int:
            out += f"[{p}]" if p.bit_length() < 64 else "[...]"
        else:
            out += ("." if out else "") + shorten(p if isinstance(p, str) else type_name(p), 40)
    return out


# -- showing a value in a message, bounded ----------------------------------------------------


def shorten(text: str, limit: int = 60) -> str:
    """`text` cut to `limit` characters (saying how many more), control characters escaped."""
    cut = text[:limit]
    if not cut.isprintable():
        cut = repr(cut)[1:-1]
    return cut if len(text) <= limit else f"{cut}... ({len(text) - limit:,} more characters)"


def type_name(value: object) -> str:
    """`NoneType`, `int`, `list`: what a message says a wrong value was."""
    return type(value).__name__


def show(value: object) -> str:
    """A value as a message shows it: short, and never too long to print (huge integers too)."""
    if isinstance(value, str):
        return repr(shorten(value))
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 200:
            return f"<an integer of about {int(value.bit_length() / 3.3219):,} digits>"
        return repr(value)
    if isinstance(value, bytes):
        return repr(value[:60]) + ("..." if len(value) > 60 else "")
    if isinstance(value, Mapping | list | tuple):
        return f"<a {type_name(value)} of {len(value):,} item(s)>"
    return f"<a {type_name(value)}>"

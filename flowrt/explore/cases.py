"""Scenario cases from explored paths: the world a path met, written as an ordinary case.

`case_of(path)` turns the answers a path was given into a scenario case (`contact:` and
`world:` in the scenario file's own keys), with a name from the branch it was chosen for and a
description read from its answers ("CHAT contact, tier gold, Business open, Premium has no
agent available").  `select` picks a small set of paths that together take every reachable
branch (the shortest path to each branch, then greedily the path that takes the most branches
not yet taken).  `verify` runs each case through the real interpreter and keeps it only when
the run takes the path's steps.  `write_cases` adds the cases of the branches a scenario file
does not take yet (running its existing cases first), so re-running on a changed flow adds
cases only for new branches; goldens are written by `flowrt test --update`, as for any case.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flowrt.explore.answers import CUSTOMER_RETURNED, VOICE_ID_KEYS
from flowrt.explore.world import LAMBDA_ERROR

if TYPE_CHECKING:
    from flowrt.explore.explorer import Branch, Report
    from flowrt.explore.walk import Path
    from flowrt.lang.compiler import Program

#: The scenario name a new cases file gets.
SCENARIO_NAME = "explored paths"
_SLUG = re.compile(r"[^a-z0-9]+")
#: The sender of an email case whose path gave the customer no address.
EMAIL_SENDER = "customer@example.com"
#: A case's description of the outbound call's progress and of a Voice ID check option.
CALL_WORDS = {
    "CallAnswered": "a person answers the call",
    "VoicemailBeep": "a voicemail with a beep answers",
    "VoicemailNoBeep": "a voicemail without a beep answers",
    "NotDetected": "call progress not detected",
}
VOICE_ID_WORDS = {
    "enrollmentStatus": "Voice ID enrollment",
    "voiceAuthentication": "Voice ID authentication",
    "fraudDetection": "Voice ID fraud risk",
}


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:60] or "case"


def case_of(path: Path) -> dict[str, Any]:
    """The scenario case (as plain data) whose world gives the path's answers."""
    contact: dict[str, Any] = {}
    world: dict[str, Any] = {}
    attrs: dict[str, str] = {}
    errors: list[str] = []
    clock = False
    related: tuple[str, str] | None = None
    for key, value in path.answers:
        kind = key[0]
        if kind == "channel" and value != "VOICE":
            contact["channel"] = value
        elif kind == "contact-queue" and value is not None:
            contact["queue"] = value
        elif kind == "attribute" and value is not None:
            attrs[key[1]] = value
        elif kind == "endpoint" and value is not None:
            side = "system" if key[1] == "SystemEndpoint" else "customer"
            contact[f"{side}-endpoint" if key[2] == "Address" else f"{side}-display-name"] = value
        elif kind == "fault" and value:
            errors.append(key[1])
        elif kind == "hours":
            clock = True
        elif kind == "queue":
            _queue(world, key[1], key[2], key[3], value)
        elif kind == "input":
            world.setdefault("input", {}).setdefault(key[1], []).append(value)
        elif kind == "external":
            world.setdefault("external", {}).setdefault(key[1], []).append(value)
        elif kind == "dialable" and not value:
            world.setdefault("external", {}).setdefault(key[1], []).append("call-failed")
        elif kind == "lambda-error":
            calls = world.setdefault("lambdas", {}).setdefault(key[1], {})
            response: dict[str, Any] = {"error": LAMBDA_ERROR} if value else {"returns": {}}
            calls[str(key[2])] = response
        elif kind == "lambda" and value is not None:
            calls = world.setdefault("lambdas", {}).setdefault(key[1], {})
            calls.setdefault(str(key[2]), {"returns": {}})["returns"][key[3]] = value
        elif kind == "lex":
            answer = value if value == "error" else {"intent": value}
            world.setdefault("lex", {}).setdefault(key[1], []).append(answer)
        elif kind == "view":
            answer = value if value in ("timeout", "error") else {"action": value}
            world.setdefault("views", {}).setdefault(key[1], []).append(answer)
        elif kind == "profiles":
            copies = {"found": 1, "multiple-found": 2}.get(value, 0)
            world.setdefault("profiles", []).extend(dict(key[1]) for _ in range(copies))
        elif kind == "call-status":
            world["outbound-call-status"] = value
        elif kind == "voice-id":
            world.setdefault("voice-id", {})[VOICE_ID_KEYS.get(key[1], key[1])] = value
        elif kind == "percentage-draw":
            world["percentage-draw"] = value
        elif kind == "wait":
            world.setdefault("wait-events", {})[key[1]] = value
        elif kind == "recipients" and value[1]:
            email = {"to": list(value[1])}
            if value[2]:
                email["cc"] = list(value[2])
            contact["email"] = email
        elif kind == "related-contact" and value is not None:
            related = value
    if attrs:
        contact["attributes"] = attrs
    if related is not None:
        # Only a StartEmailContact request gives a contact a related contact.
        contact = {"start-email-contact": _email_request(contact, path.flow, *related)}
        world["contacts"] = {related[0]: {"attributes": {}}}
    if not world.get("profiles", True):
        del world["profiles"]  # no profile has the keys: the world has none
    if clock:
        world["clock"] = path.clock
    if errors:
        world["errors"] = errors
    for calls in world.get("lambdas", {}).values():
        for call in list(calls):
            if calls[call] == {"returns": {}}:
                del calls[call]  # an empty result is what an unmocked call returns
    world["lambdas"] = {f: c for f, c in world.get("lambdas", {}).items() if c}
    if not world["lambdas"]:
        del world["lambdas"]
    # An email request names its flow itself (ContactFlowId): the case has no `flow:`.
    case: dict[str, Any] = {"flow": path.flow} if related is None else {}
    if contact:
        case["contact"] = contact
    if world:
        case["world"] = world
    if path.end == "loop-bound":
        # The world of this path never leaves the loop: the case pins that (and says so).
        case["expect"] = {"outcome": "step-limit"}
    return case


def _email_request(
    contact: dict[str, Any], flow: str, related: str, destination: str
) -> dict[str, Any]:
    """The StartEmailContact request of an email contact with a related contact: the contact's
    address, attributes and recipients, sent to `destination` (an address of the instance) to
    start `flow`."""
    sender: dict[str, str] = {"EmailAddress": contact.get("customer-endpoint", EMAIL_SENDER)}
    if "customer-display-name" in contact:
        sender["DisplayName"] = contact["customer-display-name"]
    request: dict[str, Any] = {
        "FromEmailAddress": sender,
        "DestinationEmailAddress": destination,
        "EmailMessage": {
            "MessageSourceType": "RAW",
            "RawMessage": {
                "Subject": "Explored path",
                "Body": "Written by flowrt explore.",
                "ContentType": "text/plain",
            },
        },
        "ContactFlowId": flow,
        "RelatedContactId": related,
    }
    email = contact.get("email")
    if email:
        request["AdditionalRecipients"] = {
            f"{key.capitalize()}Addresses": [{"EmailAddress": a} for a in email[key]]
            for key in ("to", "cc")
            if email.get(key)
        }
    if "attributes" in contact:
        request["Attributes"] = contact["attributes"]
    return request


def _queue(world: dict[str, Any], kind: str, name: str, field: str, value: Any) -> None:
    table = world.setdefault("queues" if kind == "queue" else "agent-queues", {})
    state = table.setdefault(name, {})
    if field == "contacts":
        state["contacts-in-queue"] = value
    elif field == "oldest":
        state["oldest-contact-age"] = value
    elif field == "answer_after":
        if value is not None:
            state["answer-after"] = value
    else:
        state.setdefault("agents", {})[field] = value


def describe(path: Path) -> str:
    """The path's world in words, in the order it was asked."""
    words: list[str] = []
    for key, value in path.answers:
        kind = key[0]
        if kind == "channel":
            if value != "VOICE":
                words.append(f"{value} contact")
        elif kind == "contact-queue":
            words.append(f"waiting in {value}" if value else "no working queue")
        elif kind == "attribute":
            words.append(f"{key[1]} {value}" if value is not None else f"no {key[1]}")
        elif kind == "fault" and value:
            words.append(f"{key[1]} fails")
        elif kind == "endpoint" and value is not None:
            words.append(f"{'.'.join(key[1:])} {value}")
        elif kind == "hours":
            words.append(f"{key[1]} {'open' if value else 'closed' if value is False else 'error'}")
        elif kind == "queue":
            words.append(_queue_words(key[2], key[3], value))
        elif kind == "input":
            words.append(
                f"{key[1]}: {value}"
                if value not in ("timeout", "error")
                else f"{key[1]} {'times out' if value == 'timeout' else 'fails'}"
            )
        elif kind == "external":
            words.append(f"{key[1]} {value}")
        elif kind == "dialable" and not value:
            words.append(f"{key[1]} cannot be dialled")
        elif kind == "lambda-error" and value:
            words.append(f"{key[1]} fails")
        elif kind == "lambda" and value is not None:
            words.append(f"{key[3]} {value}")
        elif kind in ("lex", "view"):
            words.append(
                f"{key[1]} {'times out' if value == 'timeout' else 'fails'}"
                if value in ("timeout", "error")
                else f"{key[1]}: {value}"
            )
        elif kind == "profiles":
            what = {"found": "a profile", "not-found": "no profile", "multiple-found": "2 profiles"}
            words.append(f"{what[value]} with {', '.join(v for _, v in key[1])}")
        elif kind == "recipients":
            words.append(_recipients_words(value))
        elif kind == "call-status":
            words.append(CALL_WORDS.get(value, f"call progress {value}"))
        elif kind == "voice-id":
            words.append(f"{VOICE_ID_WORDS.get(key[1], key[1])} {value}")
        elif kind == "percentage-draw":
            words.append(f"draws {value} of 100")
        elif kind == "wait":
            words.append(
                f"the customer returns during {key[1]}"
                if value == CUSTOMER_RETURNED
                else f"{key[1]} runs out"
            )
        elif kind == "related-contact":
            words.append(f"related contact {value[0]}" if value else "no related contact")
        elif kind == "forced":
            words.append(f"{key[2]} takes {value}")
    return ", ".join(w for w in words if w) or "the default world"


def _recipients_words(value: tuple[str, tuple[str, ...], tuple[str, ...]]) -> str:
    decision, to, cc = value
    if not to:
        return "no To address"
    listed = f"To {', '.join(to)}" + (f", Cc {len(cc)} address(es)" if cc else "")
    return f"{listed} ({decision})"


def _queue_words(name: str, field: str, value: Any) -> str:
    if field == "contacts":
        return f"{name} full ({value})" if value else ""
    if field == "answer_after":
        return f"an agent answers in {name}" if value is not None else ""
    if field == "oldest":
        return f"{name} oldest contact {value} s" if value else ""
    return f"{name} {value} {field}" if value else f"{name} no agent {field}"


def name_of(branch: Branch) -> str:
    """A case name from the branch it was chosen for: `<flow>-<block>-<branch>`."""
    return _slug(f"{branch[0]}-{branch[1]}-{branch[2]}")


def select(report: Report, taken: set[Branch]) -> list[tuple[Branch, Path]]:
    """Paths that together take every reachable branch not in `taken`: greedily the path
    taking the most branches still missing (ties: fewer steps, then file order)."""
    missing = [b for b in report.reachable if b not in taken and not report.best[b].forced]
    left = set(missing)
    chosen: list[tuple[Branch, Path]] = []
    candidates = {b: report.best[b] for b in missing}
    while left:
        best_branch, best_path, best_gain = None, None, 0
        for b in missing:
            if b not in left:
                continue
            path = candidates[b]
            gain = len(left & set(path.steps))
            if gain > best_gain or (
                best_path is not None
                and gain == best_gain
                and len(path.steps) < len(best_path.steps)
            ):
                best_branch, best_path, best_gain = b, path, gain
        if best_path is None or best_branch is None:
            break
        chosen.append((best_branch, best_path))
        left -= set(best_path.steps)
    return chosen


def steps_of(result: Any) -> list[tuple[str, str, str]]:
    """The (flow, block, branch) steps of a run."""
    return [(cflow.name, node.name, branch) for cflow, node, branch, _, _ in result.trace.records]


def verify(program: Program, path: Path, case: dict[str, Any]) -> bool:
    """Whether the real run of `case` takes the path's steps (its first steps, for a path cut
    by the loop bound)."""
    try:
        result = program.run(case.get("contact"), case.get("world"), flow=case.get("flow"))
    except Exception:  # noqa: BLE001 - a case the scenario model refuses is not written
        return False
    got = steps_of(result)
    want = list(path.steps)
    if path.end == "loop-bound":
        return got[: len(want)] == want
    return got == want


def existing_steps(program: Program, sf: Any) -> tuple[set[Branch], set[str]]:
    """The branches the cases of a scenario file take, and its case names."""
    from flowrt.scenario.model import cases_of

    taken: set[Branch] = set()
    for case in cases_of(sf):
        try:
            result = program.run(case.contact, case.world, flow=case.flow)
        except Exception:  # noqa: BLE001 - a case that cannot run takes nothing
            continue
        taken.update(steps_of(result))
    return taken, set(sf.cases)


def new_cases(
    report: Report, program: Program, taken: set[Branch], names: set[str]
) -> tuple[dict[str, dict[str, Any]], list[tuple[Branch, str]]]:
    """Cases for the reachable branches `taken` lacks: name -> case, and the branches left
    without a case with the reason."""
    out: dict[str, dict[str, Any]] = {}
    skipped: list[tuple[Branch, str]] = []
    covered = set(taken)
    for branch, path in select(report, taken):
        if branch in covered:
            continue
        case = case_of(path)
        if not verify(program, path, case):
            skipped.append((branch, "the run of the case written for it takes another path"))
            continue
        base = name_of(branch)
        name, n = base, 2
        while name in names or name in out:
            name, n = f"{base}-{n}", n + 1
        target = f"{branch[1]} {branch[2]}"
        case = {"description": f"{describe(path)} (takes {target})", **case}
        out[name] = case
        covered.update(path.steps)
    for b in report.reachable:
        if b not in covered and report.best[b].forced:
            skipped.append((b, "its block is not modelled by explore"))
    return out, skipped


def render_file(old_text: str | None, cases: dict[str, dict[str, Any]]) -> str:
    """The scenario file with `cases` added (a new file when `old_text` is None); the old
    file's text, comments and order are kept (ruamel's round trip)."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    if old_text is None:
        data: Any = {
            "scenario": SCENARIO_NAME,
            "description": "Cases written by `flowrt explore --write-cases`: together they take "
            "every branch a world can reach.",
            "cases": cases,
        }
    else:
        data = yaml.load(old_text)
        for name, case in cases.items():
            data["cases"][name] = case
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()

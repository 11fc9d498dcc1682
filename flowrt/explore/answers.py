"""The world's answers to call progress, Voice ID, the percentage draw, waits and the related
contact, as choices.

The blocks of flowrt.lang.blocks.flow_control read what Amazon Connect learns from outside from
the world (flowrt.scenario.answers.BlockAnswers): the outbound call's progress
(check-outbound-call-status), Voice ID's result per check option (check-voice-id), the number
1-100 a percentage split draws (distribute-by-percentage) and how each wait ends (wait).  Each is
one answer per contact (per wait block for waits), so each is chosen once a path, and a written
case gives it as the scenario world's `outbound-call-status`, `voice-id`, `percentage-draw` and
`wait-events`.  The block's own step then takes the branch, as in any run.

A related contact (`$.RelatedContactId`, which Set contact attributes with `target-contact:
related` writes to) exists only for an email contact whose StartEmailContact request names one
(`RelatedContactId`): where the program has such a block and the instance an email address to
send the request to, an email contact started in a contact flow has one or not (chosen when a
step first reads it), and a written case gives it as a `start-email-contact` request.

What is worth trying comes from the program (`block_answers`): every call status; for Voice ID
each result the program's conditions test on that option and one documented result none tests;
for the draw one number in each range the program's `number-less-than` bounds cut 1-100 into (a
last bound of 101 leaves no draw for `no-match`: it is unreachable); for a wait, WaitCompleted and,
when the block lists it in `events`, CustomerReturned.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowrt.explore.world import ChoiceRuntime
    from flowrt.lang.compiler import Program

#: What check-outbound-call-status may find (Amazon Connect's "Check call progress").
CALL_STATUSES = ("CallAnswered", "VoicemailBeep", "VoicemailNoBeep", "NotDetected")
#: The results Voice ID returns per check option ("CheckVoiceId" in the flow language
#: reference), in the order they are documented.
VOICE_ID_RESULTS: dict[str, tuple[str, ...]] = {
    "enrollmentStatus": ("Enrolled", "Not enrolled", "Opted out"),
    "voiceAuthentication": (
        "Authenticated",
        "Not authenticated",
        "Inconclusive",
        "Not enrolled",
        "Opted out",
    ),
    "fraudDetection": ("High risk", "Low risk", "Inconclusive"),
}
#: The key of each check option under the scenario world's `voice-id:`.
VOICE_ID_KEYS = {
    "enrollmentStatus": "enrollment-status",
    "voiceAuthentication": "voice-authentication",
    "fraudDetection": "fraud-detection",
}
#: How a wait may end: the time limit passes, or the customer returns (when listed in `events`).
WAIT_COMPLETED, CUSTOMER_RETURNED = "WaitCompleted", "CustomerReturned"
#: A callback number a written case gives when no condition tests the value set-callback-number
#: reads (a fictional North American number).
SAMPLE_CALLBACK = "+15555550123"
#: How many Voice ID results of one option are tried, at most (bounds the paths).
MAX_RESULTS = 16
#: The ContactId of the related contact a written email case names (`RelatedContactId`, and
#: the earlier contact of the scenario world's `contacts:`).
RELATED_CONTACT = "explore-related-contact"

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
Draws = list[int]
Results = dict[str, list[str]]


def block_answers(
    program: Program,
    tested: dict[tuple[str, ...], list[str]],
    ref_path: Callable[[str], tuple[str, ...] | None],
) -> tuple[Draws, Results, Results]:
    """(draws, Voice ID results per option, wait events per wait block) worth trying
    (`ref_path`: the attribute or Lambda result a `$.` reference names, flowrt.explore.derive's).
    A set-callback-number block adds a valid number to the values of what it reads; a wait
    block also makes a chat contact worth trying (it is added to `tested`'s `Channel`): Wait is
    chat only, so a voice contact never reaches its other branches."""
    bounds: set[int] = set()
    split = False
    voice: dict[str, list[str]] = {}
    waits: dict[str, list[str]] = {}
    for _name, cflow in sorted(program.flows.items()):
        for node in cflow.nodes:
            block: Any = node.block
            if node.type == "distribute-by-percentage":
                split = True
                for cond in block.conditions:
                    ops = cond.operator()
                    if len(ops) == 1 and ops[0][0] == "number-less-than":
                        value = ops[0][1]
                        if isinstance(value, int | float) and not isinstance(value, bool):
                            # The first whole draw the bound does not take: it falls to the
                            # next condition (or no-match); a bound of 101 leaves none.
                            first = math.ceil(value)
                            if 1 <= first <= 100:
                                bounds.add(first)
            elif node.type == "check-voice-id":
                results = voice.setdefault(block.option, [])
                for _b, _label, op, text, _num, ref, _expr in node.matchers:
                    if ref is None and op != "when" and isinstance(text, str):
                        results.append(text)
            elif node.type == "set-callback-number":
                # A valid number is worth trying besides none (`invalid-number`): `success`,
                # and `not-dialable` when the world says calls to it fail.
                path = ref_path(block.callback_number)
                if path is not None:
                    numbers = tested.setdefault(path, [])
                    if not any(_E164.match(n) for n in numbers):
                        numbers.append(SAMPLE_CALLBACK)
            elif node.type == "wait":
                events = [WAIT_COMPLETED]
                if CUSTOMER_RETURNED in (block.events or ()):
                    events.append(CUSTOMER_RETURNED)
                known = waits.setdefault(node.name, [])
                known.extend(e for e in events if e not in known)
                channels = tested.setdefault(("Channel",), [])
                if "CHAT" not in channels:
                    channels.append("CHAT")
    draws = sorted({1, *bounds}) if split else []
    return draws, {o: _results(o, r) for o, r in sorted(voice.items())}, waits


def _results(option: str, tested: list[str]) -> list[str]:
    """The results the conditions test, then the first documented result none tests."""
    out = list(dict.fromkeys(tested))[:MAX_RESULTS]
    other = next((r for r in VOICE_ID_RESULTS.get(option, ()) if r not in out), None)
    return [*out, other] if other is not None else out


class ChoiceVoiceId(dict[str, str]):
    """The world's Voice ID results: the result of an option is chosen when a block reads it."""

    def __init__(self, rt: ChoiceRuntime) -> None:
        super().__init__()
        self.rt = rt

    def get(self, option: str, default: Any = None) -> Any:
        rt = self.rt
        cands = rt.derived.voice_id.get(option) or list(VOICE_ID_RESULTS.get(option, ()))[:1]
        if not cands:
            return default
        value: str = rt.chooser.choose(("voice-id", option), cands)
        return value


class ChoiceWaitEvents(dict[str, str]):
    """How each wait block's wait ends, chosen when the block reads it."""

    def __init__(self, rt: ChoiceRuntime) -> None:
        super().__init__()
        self.rt = rt

    def get(self, block: str, default: Any = None) -> Any:
        rt = self.rt
        cands = rt.derived.wait_events.get(block) or [WAIT_COMPLETED]
        value: str = rt.chooser.choose(("wait", block), cands)
        return value


class ChoiceExternal(dict[str, tuple[str, ...]]):
    """The world's `external:` outcomes by phone number.  Transfers fill it as they dial
    (`ChoiceRuntime.dial`); asked whether it lists a number it does not hold yet (Set callback
    number asks whether calls to the number fail), whether the number can be dialled is chosen."""

    def __init__(self, rt: ChoiceRuntime) -> None:
        super().__init__()
        self.rt = rt

    def __contains__(self, number: object) -> bool:
        if dict.__contains__(self, number) or not isinstance(number, str):
            return dict.__contains__(self, number)
        dialable = self.rt.chooser.choose(("dialable", number), (True, False))
        if dialable:
            return False
        self[number] = ("call-failed",)
        return True


def call_status(rt: ChoiceRuntime) -> str:
    """The outbound call's progress (the world's `outbound-call-status`), one per contact."""
    value: str = rt.chooser.choose(("call-status",), CALL_STATUSES)
    return value


def percentage_draw(rt: ChoiceRuntime) -> int | None:
    """The percentage draw (the world's `percentage-draw`), one per contact."""
    draws = rt.derived.draws
    if not draws:
        return None
    value: int = rt.chooser.choose(("percentage-draw",), draws)
    return value


#: World fields whose value is a choice made when a step reads them (scalars: a dict field is
#: replaced by a choosing dict in `ChoiceRuntime`).
ANSWERED = {"outbound_call_status": call_status, "percentage_draw": percentage_draw}


def related_destination(program: Program) -> str | None:
    """The instance's email address a written case with a related contact is sent to (the
    first, by name), when some block sets the related contact's attributes; None when there is
    no such block or no address (no email contact can then have a related contact)."""
    inst = program.instance
    if inst is None or not inst.email_addresses:
        return None
    for cflow in program.flows.values():
        for node in cflow.nodes:
            if node.type == "set-contact-attributes" and (
                getattr(node.block, "target_contact", None) == "related"
            ):
                return sorted(inst.email_addresses)[0]
    return None


def related_contact(rt: ChoiceRuntime) -> None:
    """Whether the contact has a related contact, chosen the first time a step reads it: only
    an email contact started in a contact flow (StartEmailContact's `ContactFlowId` is a contact
    flow) can have one, and only when the instance has an address to send the request to."""
    destination = rt.derived.related
    if destination is None or not rt.email_start or rt.contact.channel != "EMAIL":
        return
    value = rt.chooser.choose(("related-contact",), (None, (RELATED_CONTACT, destination)))
    if value is not None:
        rt.contact.extra[("RelatedContactId",)] = value[0]

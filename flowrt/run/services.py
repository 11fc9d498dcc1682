"""The world's answers to a run: Lex bots, views, loops, flow modules, customer profiles, hours.

`Services` is the part of a run's state these blocks read and change (`rt.svc`, built when a
block first uses it; hours keep no state, so `hours_open` is a function of the run): the values
they make readable (`$.Lex.*`, `$.Views.*`, `$.Customer.*`), the loops' counters, the modules being
run (a stack of the blocks that invoked them), and the customer profiles once a run changes them
(the world's own are shared by every run and never changed).  What the world answers comes from
the prepared world (flowrt.run.world), declared in the scenario (flowrt.scenario.answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowrt.lang.blocks.base import external_module
from flowrt.lang.hours import open_at
from flowrt.lang.steps import label
from flowrt.run.world import DEFAULT_CLOCK, LexAnswer, zone

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node
    from flowrt.run.runtime import Runtime

#: Namespaces whose values the services set (read by `Runtime.resolve`).
NAMESPACES = frozenset({"Lex", "Views", "Customer"})
#: Modules invoking modules deeper than this end the run with an error (a module calling itself).
MAX_MODULE_DEPTH = 10
_FALLBACK = "FallbackIntent"


class Services:
    """Per-run state and answers of the world's services (see the module)."""

    __slots__ = ("rt", "values", "loops", "stack", "profiles", "profile", "calls")

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.values: dict[tuple[str, ...], str] = {}
        self.loops: dict[int, int] = {}
        #: (flow, invoke-module node) of each module running, innermost last.
        self.stack: list[tuple[Any, Node]] = []
        #: The run's own copy of the world's profiles, made when a run first changes one.
        self.profiles: list[dict[str, str]] | None = None
        #: Index of the profile found or created last (what update-customer-profile changes).
        self.profile: int | None = None
        self.calls: dict[str, int] = {}

    def _visit(self, kind: str, block: str) -> int:
        key = f"{kind}:{block}"
        n = self.calls[key] = self.calls.get(key, 0) + 1
        return n

    def _set(self, ns: str, pairs: Any) -> None:
        """Replace the values of a namespace (a new answer replaces the previous one)."""
        self.values = {k: v for k, v in self.values.items() if k[0] != ns}
        self.values.update(pairs)

    # -- Amazon Lex --------------------------------------------------------------------------

    def lex(self, block: str, bot: str, session: dict[str, str]) -> str | None:
        """The intent the bot recognises on this visit of `block`; None: the `error` branch."""
        rt = self.rt
        n = self._visit("lex", block)
        answers = rt.world.lex.get(block, ())
        if n > len(answers):
            why = "no answer given" if not answers else f"only {len(answers)} answer(s) given"
            # Nobody is there to talk to the bot: the conversation fails (a dry run must not
            # loop on a re-prompt that Connect would only repeat for a caller who stays silent).
            rt.fact("default", f"{why} for visit {n} of `{block}`: no one talks to the bot (error)")
            answer = LexAnswer("error")
        else:
            answer = answers[n - 1]
        if answer.kind in ("timeout", "error"):
            what = "says nothing" if answer.kind == "timeout" else "meets a bot error"
            rt.fact("lex", bot, answer.kind, None, (), ())
            rt.fact("note", f"the customer {what}: the bot returns no intent (NoMatchingError)")
            self._set("Lex", ())
            return None
        intents = rt.world.bots.get(bot) or rt.world.bots.get(block)
        intent, slots, sess = answer.text, dict(answer.slots), dict(session)
        if answer.kind != "intent":
            heard = answer.text.strip().lower()
            found = None
            for it in intents or ():
                said = answer.kind == "says" and any(u in heard for u in it.utterances)
                if said or (answer.kind == "presses" and heard in it.dtmf):
                    found = it
                    break
            if intents is None:
                rt.fact("default", f"no bot `{bot}` in the world: the words are the intent's name")
                intent = answer.text
            elif found is None:
                intent = _FALLBACK
            else:
                intent = found.name
                slots = {**dict(found.slots), **slots}
                sess.update(found.session)
        sess.update(answer.session)
        pairs: list[tuple[tuple[str, ...], str]] = [
            (("Lex", "IntentName"), intent),
            (("Lex", "DialogState"), "Fulfilled" if intent != _FALLBACK else "Failed"),
        ]
        pairs += [(("Lex", "Slots", k), v) for k, v in slots.items()]
        pairs += [(("Lex", "SessionAttributes", k), v) for k, v in sess.items()]
        if answer.confidence is not None:
            pairs.append((("Lex", "IntentConfidence", "Score"), answer.confidence))
        self._set("Lex", pairs)
        heard_as = f"{answer.kind} {answer.text!r}"
        rt.fact("lex", bot, heard_as, intent, tuple(slots.items()), tuple(sess.items()))
        return intent

    # -- views -------------------------------------------------------------------------------

    def view(self, block: str, view: str) -> tuple[str, str]:
        """(kind, action) of this visit of a show-view block: kind is action, timeout or error."""
        rt = self.rt
        n = self._visit("view", block)
        answers = rt.world.views.get(block, ())
        if n > len(answers):
            why = "no answer given" if not answers else f"only {len(answers)} answer(s) given"
            # Nobody is there to act in the view: it fails, rather than wait (a view's timeout
            # branch often shows the view again, which a dry run would repeat without end).
            rt.fact("default", f"{why} for visit {n} of `{block}`: no one acts in the view (error)")
            rt.fact("view", view, "error", ())
            return "error", ""
        answer = answers[n - 1]
        rt.fact("view", view, answer.action or answer.kind, answer.result)
        if answer.kind != "action":
            return answer.kind, ""
        pairs: list[tuple[tuple[str, ...], str]] = [(("Views", "Action"), answer.action)]
        pairs += [(("Views", "ViewResultData", *path), v) for path, v in answer.result]
        self._set("Views", pairs)
        return "action", answer.action

    # -- loops and modules -------------------------------------------------------------------

    def loop(self, node: Node, count_text: str) -> str:
        """`continue` `count` times, then `done` once (and the count starts again)."""
        rt = self.rt
        count = int(count_text) if count_text.isdigit() else None
        if count is None or count > 100:
            rt.fact("error", f"loop count is `{count_text}`, not a whole number from 0 to 100")
            rt.fact("note", "Amazon Connect's Loop has no error branch: taking `done`")
            return "done"
        seen = self.loops.get(node.index, 0) + 1
        done = seen > count
        self.loops[node.index] = 0 if done else seen
        rt.fact("loop", seen, count, "done" if done else "continue")
        return "done" if done else "continue"

    def invoke(self, name: str, text: str) -> str:
        """Start running the module `name`; its end returns to the invoking block's `success`."""
        rt = self.rt
        target = rt.program.flows.get(name)
        if target is None and external_module(name):
            rt.fact(
                "note",
                f"module `{name}` is in the Amazon Connect instance, not in the project: a dry "
                "run cannot run its blocks; it takes `success`, as a module that ends does "
                "(list this block in the world's `errors` for `error`)",
            )
            return "success"
        if target is None or target.type != "module":
            why = "not a flow of the project" if target is None else f"a {target.type} flow"
            rt.fact("error", f"{text} is {name!r}, which is {why}, not a module")
            return "error"
        if len(self.stack) >= MAX_MODULE_DEPTH:
            rt.fact("error", f"modules nested more than {MAX_MODULE_DEPTH} deep")
            return "error"
        rt.fact("module", target.name)
        return rt.end("module", target)

    # -- customer profiles -------------------------------------------------------------------

    def _all_profiles(self) -> list[dict[str, str]] | tuple[dict[str, str], ...]:
        return self.profiles if self.profiles is not None else self.rt.world.profiles

    def get_profile(self, search: dict[str, str], fields: tuple[str, ...]) -> str:
        rt = self.rt
        keys = {k: v for k, v in search.items() if v}
        if not keys:
            rt.fact("error", "the search keys are empty: no profile can be searched")
            return "error"
        found = [
            i
            for i, p in enumerate(self._all_profiles())
            if all(_same(k, p.get(k), v) for k, v in keys.items())
        ]
        what = ", ".join(f"{k} {v}" for k, v in keys.items())
        rt.fact("profile", "search", what, len(found))
        if len(found) != 1:
            return "not-found" if not found else "multiple-found"
        self.profile = found[0]
        self._expose(fields)
        return "success"

    def change_profile(self, values: dict[str, str], fields: tuple[str, ...], create: bool) -> str:
        rt = self.rt
        if self.profiles is None:
            self.profiles = [dict(p) for p in rt.world.profiles]
        if create:
            profile = {"ProfileId": f"profile-{len(self.profiles) + 1}", **values}
            self.profiles.append(profile)
            self.profile = len(self.profiles) - 1
        elif self.profile is None:
            rt.fact("error", "no profile was found or created earlier in the run to update")
            return "error"
        else:
            profile = self.profiles[self.profile]
            profile.update(values)
        action = "create" if create else "update"
        rt.fact("profile", action, profile["ProfileId"], tuple(values.items()))
        self._expose(fields, keep=not create)
        return "success"

    def _expose(self, fields: tuple[str, ...], keep: bool = False) -> None:
        """`$.Customer.*` of the current profile: its ID and `fields`; an update keeps what an
        earlier block of the same profile made readable, a new profile replaces it."""
        assert self.profile is not None
        p = self._all_profiles()[self.profile]
        pairs = [(("Customer", "ProfileId"), p.get("ProfileId", ""))]
        pairs += [(("Customer", f), p[f]) for f in fields if f in p]
        if keep:
            self.values.update(pairs)
        else:
            self._set("Customer", pairs)


# -- hours of operation ----------------------------------------------------------------------


def hours_open(rt: Runtime, hours: str | None) -> bool | None:
    """Whether the world's clock is within the hours (or the working queue's), overrides
    (holidays, special hours) first; None: the `error` branch.

    A function of the run, not a method of `Services`: it keeps no per-run state, so a run that
    only checks hours never builds its services.
    """
    inst = rt.inst
    if hours is None:
        q = rt.queue
        spec = inst.queues.get(q[1]) if inst and q and q[0] == "queue" else None
        hours = spec.hours if spec else None
        if hours is None:
            rt.fact(
                "error",
                f"no `hours` given and the working queue {label(q)} has no hours of operation",
            )
            return None
    if inst is None or hours not in inst.hours_of_operation:
        rt.fact("error", f"hours of operation `{hours}` are not in the instance")
        return None
    key = ("hours", rt.program, hours)
    cached = rt.world.cache.get(key)
    if cached is None:
        cached = rt.world.cache[key] = _hours_at_clock(rt, hours)
    if cached[0] is None:
        rt.facts.append(cached[1])
        return None
    if rt.world.clock_default:
        rt.facts.append(("default", f"no clock in the world: {DEFAULT_CLOCK}"))
    rt.facts.append(cached[1])
    if cached[2] is not None:
        rt.facts.append(cached[2])
    return bool(cached[0])


def _hours_at_clock(rt: Runtime, hours: str) -> tuple[Any, ...]:
    """(open or None, the fact to record, the override's note or None): the world's clock
    alone decides them, so they are worked out once per world."""
    inst = rt.inst
    assert inst is not None
    spec = inst.hours_of_operation[hours]
    try:
        local = rt.world.clock.astimezone(zone(spec.time_zone))
    except Exception:  # noqa: BLE001 - an unknown zone is a run error, not a crash
        return (None, ("error", f"unknown time zone `{spec.time_zone}`"), None)
    is_open, window, override = open_at(spec.days, spec.overrides, local)
    fact = ("hours", hours, local.strftime("%A %Y-%m-%d %H:%M %Z"), window, is_open)
    note = None if override is None else ("note", f"{hours}: {override} applies")
    return (is_open, fact, note)


def _same(key: str, have: str | None, want: str) -> bool:
    if have is None:
        return False
    return have.lower() == want.lower() if key == "EmailAddress" else have == want

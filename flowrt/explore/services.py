"""The world's services as choice points: Lex bots, views, customer profiles, email recipients.

`ChoiceServices` is the run's `Services` (flowrt.run.services) with each answer the world gives
turned into a choice of the path's `Chooser`: the intent a Lex bot recognises (each intent the
flow's conditions test, one none tests, an error), the action taken in a view (each action
tested, one none tests, a timeout, an error) and whether a profile search finds one profile,
none or several.  The answer is written into the world the run reads, so the service's own rule
gives the branch (and a written case gives the same answers).  `recipients` does the same for the
outbound email policy: the contact's To and Cc lists worth trying are built from the policy's
own lists and limits, and only those the policy's rule tells apart are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowrt.run.email_policy import evaluate_policy
from flowrt.run.services import Services
from flowrt.run.world import LexAnswer, ViewAnswer

if TYPE_CHECKING:
    from flowrt.explore.world import ChoiceRuntime

#: The intent a written case gives for "an intent no condition tests".
OTHER_INTENT = "OtherIntent"
#: The action a written case gives for "an action no condition tests".
OTHER_ACTION = "OtherAction"
#: What a profile search may find.
PROFILE_ANSWERS = ("found", "not-found", "multiple-found")
#: A domain no policy lists (RFC 2606's example domain), for an allowed or a refused recipient.
SAMPLE_DOMAIN = "example.com"


def _tested(rt: ChoiceRuntime, block: str) -> list[str]:
    return list(rt.derived.answers.get(block, ()))


class ChoiceServices(Services):
    """`Services` whose answers from the world are the path's choices (see the module)."""

    __slots__ = ()

    rt: ChoiceRuntime

    def lex(self, block: str, bot: str, session: dict[str, str]) -> str | None:
        rt = self.rt
        n = self.calls.get(f"lex:{block}", 0) + 1
        tested = _tested(rt, block)
        other = OTHER_INTENT if "FallbackIntent" in tested else "FallbackIntent"
        cands = [*tested, *([other] if other not in tested else []), "error"]
        intent = rt.chooser.choose(("lex", block, n), cands)
        answer = LexAnswer("error") if intent == "error" else LexAnswer("intent", intent)
        given = rt.world.lex.get(block, ())
        rt.world.lex[block] = (*given[: n - 1], answer)
        return super().lex(block, bot, session)

    def view(self, block: str, view: str) -> tuple[str, str]:
        rt = self.rt
        n = self.calls.get(f"view:{block}", 0) + 1
        tested = _tested(rt, block)
        other = next(
            (a for a in (OTHER_ACTION, f"{OTHER_ACTION}2") if a not in tested), OTHER_ACTION
        )
        action = rt.chooser.choose(("view", block, n), [*tested, other, "timeout", "error"])
        answer = (
            ViewAnswer(action) if action in ("timeout", "error") else ViewAnswer("action", action)
        )
        given = rt.world.views.get(block, ())
        rt.world.views[block] = (*given[: n - 1], answer)
        return super().view(block, view)

    def get_profile(self, search: dict[str, str], fields: tuple[str, ...]) -> str:
        rt = self.rt
        keys = tuple(sorted((k, v) for k, v in search.items() if v))
        if keys:
            # The world's profiles with these keys: one, none or two (chosen once a path).
            found = rt.chooser.choose(("profiles", keys), PROFILE_ANSWERS)
            copies = {"found": 1, "multiple-found": 2}.get(found, 0)
            have = list(rt.world.profiles)
            added = []
            for _ in range(copies):
                added.append({"ProfileId": f"profile-{len(have) + 1}", **dict(keys)})
                have.append(added[-1])
            rt.world.profiles = tuple(have)
            if self.profiles is not None:
                self.profiles.extend(dict(p) for p in added)
        return super().get_profile(search, fields)


def recipients(policy: Any) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(decision, To, Cc) of the recipient lists worth trying on an outbound email policy, one
    per decision the policy's rule gives them (allowed, needs-approval, denied, error), in that
    order: the addresses come from the policy's own domains, addresses and limits."""
    allowed = [*policy.allowed_addresses, *(f"agent@{d}" for d in policy.allowed_domains)]
    ok = allowed[0] if allowed else f"someone@{SAMPLE_DOMAIN}"
    domain = ok.rpartition("@")[2]
    limits = [n for n in (policy.approval_above, policy.max_recipients) if n is not None]
    # Enough Cc addresses to go over the larger limit (a limit above 1,000 is not tried: the
    # lists stay small).
    others = [f"cc{i}@{domain}" for i in range(1, min(max(limits, default=1), 1000) + 2)]
    tries: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((ok,), ())]
    if policy.approval_above is not None:
        tries.append(((ok,), tuple(others[: policy.approval_above])))
    tries.extend(((a,), ()) for a in policy.blocked_addresses[:1])
    tries.extend(((f"someone@{d}",), ()) for d in policy.blocked_domains[:1])
    if allowed:
        tries.append(((f"someone@not-allowed.{SAMPLE_DOMAIN}",), ()))
    if policy.max_recipients is not None:
        tries.append(((ok,), tuple(others[: policy.max_recipients])))
    tries.append(((ok, others[0]), ()))  # a forward has exactly one To
    out: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    for to, cc in tries:
        decision, _reason = evaluate_policy(policy, to, cc, True)
        out.setdefault(decision, (decision, to, cc))
    out["error"] = ("error", (), ())  # no To address
    return list(out.values())

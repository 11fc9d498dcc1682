"""What the world's services answer: Lex bots and what the customer says to them, views and the
actions taken in them, customer profiles (the `bots`, `lex`, `views` and `profiles` keys of a
scenario's `world:`).  `prepare_answers` turns them into the run's plain records
(flowrt.run.world); `check_answers` reports keys naming blocks that do not exist (FR102).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from flowrt.lang.blocks import Model, Scalar, text_of
from flowrt.lang.blocks.profiles import ProfileField
from flowrt.run.world import LexAnswer, PreparedIntent, ViewAnswer

if TYPE_CHECKING:
    from flowrt.lang.broken import Reach
    from flowrt.lang.loader import JsonPath

Fixed = Literal["timeout", "error"]
#: A world profile's keys: the profile fields of the flow language, and the profile's ID.
ProfileKey = Literal["ProfileId", ProfileField]


class Intent(Model):
    """One intent of a bot: what reaches it, and what it returns."""

    utterances: list[str] = Field(
        default_factory=list,
        description="Sample words: the intent matches when what the customer says contains one "
        "(case does not matter).",
        examples=[["sales", "buy something"]],
    )
    dtmf: list[str] = Field(
        default_factory=list, description="Keys pressed that reach the intent.", examples=[["1"]]
    )
    slots: dict[str, Scalar] = Field(
        default_factory=dict, description="Slots filled (`$.Lex.Slots.<slot>`)."
    )
    session_attributes: dict[str, Scalar] = Field(
        default_factory=dict, description="Session attributes returned."
    )


class Bot(Model):
    """An Amazon Lex bot: its intents, in the order they are tried."""

    intents: dict[str, Intent] = Field(description="Intent name -> how it is reached.")


class Said(Model):
    """One visit of a lex-bot block: what the customer says or presses, or the intent itself."""

    says: str | None = Field(None, description="Words spoken or typed.")
    presses: str | None = Field(None, description="DTMF keys pressed.")
    intent: str | None = Field(None, description="The intent recognised, given directly.")
    slots: dict[str, Scalar] = Field(default_factory=dict, description="Slots filled.")
    session_attributes: dict[str, Scalar] = Field(
        default_factory=dict, description="Session attributes returned."
    )
    confidence: float | None = Field(
        None, description="`$.Lex.IntentConfidence.Score`.", ge=0, le=1
    )


class ViewAction(Model):
    """One visit of a show-view block: the action chosen and the data entered."""

    action: str = Field(description="The action chosen (`Next`, `Back`, `ActionSelected`...).")
    result: dict[str, Any] = Field(
        default_factory=dict,
        description="What the view returns (`$.Views.ViewResultData.<field>`).",
    )


class WorldAnswers(Model):
    """The world's services: Lex bots, views, customer profiles (the base of `World`)."""

    bots: dict[str, Bot] = Field(
        default_factory=dict,
        description="Lex bot (its alias ARN, Lex Classic name, or a lex-bot block) -> its intents.",
    )
    lex: dict[str, list[Said | str]] = Field(
        default_factory=dict,
        description="lex-bot block -> what the customer says, one per visit (words, or `says`, "
        "`presses`, `intent`); `timeout` or `error` for no intent.",
        examples=[{"menu-bot": ["I want to pay", {"presses": "2"}, "timeout"]}],
    )
    views: dict[str, list[ViewAction | Literal["timeout", "error"]]] = Field(
        default_factory=dict,
        description="show-view block -> the action taken in the view, one per visit.",
        examples=[{"refund-form": [{"action": "Next", "result": {"reason": "late"}}]}],
    )
    profiles: list[dict[ProfileKey, Scalar]] = Field(
        default_factory=list, description="Customer profiles, by Amazon Connect's field names."
    )


def _pairs(values: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((k, text_of(v)) for k, v in values.items())


def _said(answer: Said | str) -> LexAnswer:
    if isinstance(answer, str):
        return LexAnswer(answer) if answer in ("timeout", "error") else LexAnswer("says", answer)
    kind, text = next(
        ((k, v) for k, v in (("intent", answer.intent), ("presses", answer.presses)) if v),
        ("says", answer.says or ""),
    )
    conf = None if answer.confidence is None else text_of(answer.confidence)
    return LexAnswer(kind, text, _pairs(answer.slots), _pairs(answer.session_attributes), conf)


def _flat(data: Mapping[str, Any], base: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    out: list[tuple[tuple[str, ...], str]] = []
    for k, v in data.items():
        if isinstance(v, Mapping):
            out += _flat(v, (*base, k))
        elif isinstance(v, list):
            import json

            out.append(((*base, k), json.dumps(v, ensure_ascii=False, sort_keys=True)))
        else:
            out.append(((*base, k), text_of(v)))
    return out


def _view(answer: ViewAction | str) -> ViewAnswer:
    if isinstance(answer, str):
        return ViewAnswer(answer)
    return ViewAnswer("action", answer.action, tuple(_flat(answer.result)))


def prepare_answers(
    bots: Mapping[str, Bot],
    lex: Mapping[str, list[Said | Fixed | str]],
    views: Mapping[str, list[ViewAction | Fixed]],
    profiles: list[dict[ProfileKey, Scalar]],
) -> dict[str, Any]:
    """The PreparedWorld fields of the services' answers."""
    return {
        "bots": {
            name: tuple(
                PreparedIntent(
                    intent,
                    tuple(u.strip().lower() for u in spec.utterances),
                    tuple(spec.dtmf),
                    _pairs(spec.slots),
                    _pairs(spec.session_attributes),
                )
                for intent, spec in bot.intents.items()
            )
            for name, bot in bots.items()
        },
        "lex": {block: tuple(map(_said, answers)) for block, answers in lex.items()},
        "views": {block: tuple(map(_view, answers)) for block, answers in views.items()},
        "profiles": tuple(
            {"ProfileId": f"profile-{i + 1}", **{k: text_of(v) for k, v in p.items()}}
            for i, p in enumerate(profiles)
        ),
    }


def check_answers(
    keys: Mapping[str, Mapping[str, Any]],
    base: JsonPath,
    flows: Reach,
    report: Callable[..., None],
) -> None:
    """FR102 for a `lex:` or `views:` key that is not a block of that type in the flows."""
    from flowrt.core.diagnostics import suggestion

    types = {"lex": "lex-bot", "views": "show-view"}
    names = flows.names()
    for section, given in keys.items():
        wanted = types[section]
        blocks = {n.name for f in flows.flows for n in f.nodes if n.type == wanted}
        for block in given:
            if block not in blocks and not flows.unsure(block):
                what = f"is not a {wanted} block" if block in names else "is not a block"
                report(
                    "FR102",
                    f"`{block}` {what} of the flow{suggestion(block, blocks)}",
                    (*base, section, block),
                    f"`{section}:` is keyed by the name of a {wanted} block",
                    key=True,
                )

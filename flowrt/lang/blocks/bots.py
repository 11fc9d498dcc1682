"""Blocks answered by someone the flow talks to: an Amazon Lex bot, a view (step-by-step guides).

Both branch on what comes back, by `equals` conditions only (Amazon Connect supports no other
operator there): a Lex bot by the intent it recognised, a view by the action chosen in it.  What
the customer says to the bot or does in the view comes from the scenario's world (`lex:`,
`views:`; flowrt.run.services).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import (
    ROUTING,
    Block,
    Condition,
    ConnectParam,
    Prompt,
    Step,
    _fallback,
    prepare_matchers,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime


def equals_only(cx: BlockContext, conditions: list[Condition], what: str) -> None:
    """Check conditions that Amazon Connect restricts to the Equals operator (FR082)."""
    cx.conditions(conditions, needs_attribute=False)
    for i, cond in enumerate(conditions):
        ops = cond.operator()
        if len(ops) == 1 and ops[0][0] != "equals":
            cx.error(
                "FR082",
                f"condition {i + 1} uses `{ops[0][0]}`; {what} can only be compared with `equals`",
                ("conditions", i, ops[0][0].replace("_", "-")),
                "write `equals: <value>`",
            )
    prepare_matchers(cx, conditions)


class LexBot(Block):
    """Get customer input with Amazon Lex: the customer talks or types to a bot; the flow
    branches on the intent the bot recognised.

    Amazon Connect's ConnectParticipantWithLexBot: one `equals` condition per intent name (the
    bot's `FallbackIntent` too), `no-match` when the intent has no condition, `error` when the
    conversation fails.  After it, `$.Lex.IntentName`, `$.Lex.Slots.<slot>`,
    `$.Lex.SessionAttributes.<key>` and `$.Lex.DialogState` hold what the bot returned.
    """

    TYPE: ClassVar[str] = "lex-bot"
    CONNECT_TYPE: ClassVar[str] = "ConnectParticipantWithLexBot"
    BRANCHES: ClassVar[tuple[str, ...]] = ("no-match", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    HAS_CONDITIONS: ClassVar[bool] = True
    # Contact, transfer and customer queue flows (flow language reference), and flow modules.
    FLOW_TYPES: ClassVar[frozenset[str]] = ROUTING | {"module"}
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {
        "no-match": "NoMatchingCondition",
        "error": "NoMatchingError",
    }
    CONNECT_NEXT: ClassVar[str | None] = "error"
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("text", "Text"),
        ConnectParam("ssml", "SSML"),
        ConnectParam("prompt", "PromptId", "resource", "prompts"),
        ConnectParam("media", "Media", "json"),
        ConnectParam("bot", "LexV2Bot.AliasArn"),
        ConnectParam("bot_name", "LexBot.Name"),
        ConnectParam("bot_region", "LexBot.Region"),
        ConnectParam("bot_alias", "LexBot.Alias"),
        ConnectParam("session_attributes", "LexSessionAttributes", "json"),
    )

    type: Literal["lex-bot"]
    text: str | None = Field(None, description="Prompt text; may hold `$.` references.")
    ssml: str | None = Field(None, description="Prompt SSML.")
    prompt: str | None = Field(None, description="Library prompt to play.")
    media: dict[str, Any] | None = Field(
        None,
        description="An external media source to play (`Uri`, `SourceType`, `MediaType`), kept "
        "as Amazon Connect writes it.",
    )
    bot: str | None = Field(
        None,
        description="Amazon Lex V2 bot: its alias ARN, or a `$.` reference holding it.",
        examples=["arn:aws:lex:us-east-1:123456789012:bot-alias/ABCDEFGHIJ/TSTALIASID"],
    )
    bot_name: str | None = Field(
        None, description="Amazon Lex (Classic) bot instead: its name (with `bot-region`)."
    )
    bot_region: str | None = Field(
        None, description="The AWS Region of the Lex (Classic) bot.", examples=["us-east-1"]
    )
    bot_alias: str | None = Field(
        None, description="The alias of the Lex (Classic) bot.", examples=["prod"]
    )
    session_attributes: dict[str, str] | None = Field(
        None,
        description="Session attributes given to the bot (values may hold `$.` references).",
    )
    conditions: list[Condition] = Field(
        default_factory=list,
        description="One `equals: <intent name>` condition per intent to branch on.",
    )

    def check(self, cx: BlockContext) -> None:
        from flowrt.lang.steps import plan_value

        if self.text is not None or self.ssml is not None or self.prompt is not None:
            cx.prompt(
                Prompt(text=self.text, ssml=self.ssml, prompt=self.prompt),
                (),
                ("text", "ssml", "prompt"),
            )
        if (self.bot is None) == (self.bot_name is None):
            cx.error(
                "FR012" if self.bot is None else "FR013",
                "give the bot: `bot` (a Lex V2 alias ARN) or `bot-name` (a Lex Classic bot)"
                if self.bot is None
                else "give `bot` or `bot-name`, not both",
                ("bot",) if self.bot is not None else (),
            )
        elif self.bot is not None and self.bot.startswith("$."):
            cx.reference(self.bot, ("bot",))
        session = self.session_attributes or {}
        for key, value in session.items():
            cx.template(value, ("session-attributes", key))
        cx.node.prepared[("run", "session")] = tuple(
            (key, *plan_value(cx.node.prepared.get(("session-attributes", key)), _fallback(value)))
            for key, value in session.items()
        )
        equals_only(cx, self.conditions, "a Lex intent")

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.refs import TextTooLong
        from flowrt.lang.steps import matcher, player, read_values, reader, text_too_long

        play, match, name = player(node, (), self.ssml, self.prompt), matcher(node), node.name
        plan = node.prepared[("run", "session")]
        ref = node.prepared.get(("bot",))
        bot_of = reader(ref) if ref is not None else None
        fixed = self.bot if self.bot is not None else (self.bot_name or "")

        def lex_bot(node: Node, rt: Runtime) -> str:
            try:
                play(rt)
                session = read_values(rt, plan)
            except TextTooLong as exc:
                return text_too_long(rt, "the prompt or a session attribute", exc, "no bot ran")
            bot = bot_of(rt) if bot_of is not None else fixed
            intent = rt.svc.lex(name, bot, session)
            if intent is None:
                return "error"
            return match(rt, intent, "$.Lex.IntentName")

        return lex_bot


class ShowView(Block):
    """Show view: show a view (a form, cards, a confirmation...) in the agent workspace or to
    the customer, and branch on the action chosen in it.

    Amazon Connect's ShowView: one `equals` condition per action (`Next`, `Back`,
    `ActionSelected`, ...), `no-match` when the action has no condition, `timeout` when nobody
    acts within `timeout-seconds`, `error` when the view fails.  After it, `$.Views.Action` and
    `$.Views.ViewResultData.<field>` hold what was chosen and entered.
    """

    TYPE: ClassVar[str] = "show-view"
    CONNECT_TYPE: ClassVar[str] = "ShowView"
    BRANCHES: ClassVar[tuple[str, ...]] = ("no-match", "timeout", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    HAS_CONDITIONS: ClassVar[bool] = True
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {
        "no-match": "NoMatchingCondition",
        "error": "NoMatchingError",
        "timeout": "TimeLimitExceeded",
    }
    CONNECT_NEXT: ClassVar[str | None] = "error"
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("view", "ViewResource.Id"),
        ConnectParam("view_version", "ViewResource.Version"),
        ConnectParam("timeout_seconds", "InvocationTimeLimitSeconds", "int"),
        ConnectParam("view_data", "ViewData", "json"),
    )

    type: Literal["show-view"]
    view: str = Field(
        description="The view: an AWS managed view's name or ARN, or a view of the instance.",
        examples=["form", "arn:aws:connect:us-east-1:aws:view/confirmation:1"],
    )
    view_version: str | None = Field(
        None, description="The view's version (`Latest`, or a version number)."
    )
    timeout_seconds: int | None = Field(
        None, description="Seconds to wait for an action before `timeout`.", ge=1
    )
    view_data: dict[str, Any] | None = Field(
        None,
        description="What the view shows (headings, sections, cards, buttons), as Amazon Connect "
        "writes it.",
    )
    conditions: list[Condition] = Field(
        default_factory=list,
        description="One `equals: <action>` condition per action to branch on.",
    )

    def check(self, cx: BlockContext) -> None:
        equals_only(cx, self.conditions, "a view's action")

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import matcher

        match, name, view = matcher(node), node.name, self.view

        def show_view(node: Node, rt: Runtime) -> str:
            kind, action = rt.svc.view(name, view)
            if kind != "action":
                return kind
            return match(rt, action, "$.Views.Action")

        return show_view

"""Interaction blocks: attributes, prompts, messages, input, Lambda; the email policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import (
    ALL,
    ROUTING,
    Block,
    Condition,
    Model,
    Prompt,
    PromptMedia,
    Scalar,
    Step,
    _fallback,
    prepare_matchers,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime


#: Prepared-path marker of a set-contact-attributes key that is a reference.
DYNAMIC_KEY = "<key>"


class SetContactAttributes(Block):
    """Set contact attributes: write user-defined attributes (`$.Attributes.<key>`).

    Values are text with inline `$.` references, or numbers and booleans written as text.
    Keys are letters, digits, `-` and `_` (the attribute rules of Amazon Connect's StartEmailContact API).
    """

    TYPE: ClassVar[str] = "set-contact-attributes"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactAttributes"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL

    type: Literal["set-contact-attributes"]
    attributes: dict[str, Scalar] = Field(
        description="Attribute key -> value (text may hold `$.` references). A key may itself be "
        "one `$.` reference (`$.External.field: $.External.value`): the attribute it names is set.",
        json_schema_extra={"propertyNames": {"pattern": r"^([A-Za-z0-9_-]+|\$\..+)$"}},
        examples=[{"tier": "gold", "greeting": "Hello $.Attributes.firstName"}],
    )
    target_contact: Literal["current", "related"] | None = Field(
        None,
        description="Whose attributes are set (Amazon Connect's `TargetContact`): `current` (the "
        "default) or `related`, the contact this one is related to (`$.RelatedContactId`).",
    )

    def check(self, cx: BlockContext) -> None:
        from flowrt.lang.steps import plan_value

        keys: dict[str, Any] = {}
        for key, value in self.attributes.items():
            if isinstance(value, str):
                cx.template(value, ("attributes", key))
            keys[key] = key
            if key.startswith("$."):
                # A dynamic key (Amazon Connect allows one reference as the key): the attribute
                # it names is worked out in the run, like a value.
                ref = cx.reference(key, ("attributes", key, DYNAMIC_KEY))
                if ref is not None:
                    keys[key] = plan_value(cx.template(key, ("attributes", key, DYNAMIC_KEY)))
        # How each key and value is read, worked out once (a constant, one reference, a template).
        cx.node.prepared[("run", "attributes")] = tuple(
            (keys[key], *plan_value(cx.node.prepared.get(("attributes", key)), _fallback(value)))
            for key, value in self.attributes.items()
        )

    def compile_step(self, node: Node) -> Step:
        plan = node.prepared[("run", "attributes")]
        if self.target_contact == "related":

            def set_related_contact_attributes(node: Node, rt: Runtime) -> str:
                return rt.set_related_attributes(plan)

            return set_related_contact_attributes

        def set_contact_attributes(node: Node, rt: Runtime) -> str:
            return rt.set_attributes(plan)

        return set_contact_attributes


SpeechType = Literal["text", "ssml"]
SPEECH_TYPE_HELP = (
    "How the text is spoken (Amazon Connect's `TextToSpeechType`): `text`, plain text, or "
    "`ssml`, speech markup. Kept for the round trip; the dry run records the text either way."
)


class PlayPrompt(Block):
    """Play prompt: speak text, SSML, a library prompt or an S3 audio file (voice; text for chat).

    With `skip-when-typed-ahead: true` (Amazon Connect's `SkipWhenDTMFBufferEnabled`) the
    prompt is not played when the caller has already pressed keys: in the dry run, when the
    block's `success` leads straight to a get-customer-input block and the world gives that
    block input for its next visit, the prompt is skipped (the trace says so).
    """

    TYPE: ClassVar[str] = "play-prompt"
    CONNECT_TYPE: ClassVar[str] = "MessageParticipant"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"

    type: Literal["play-prompt"]
    text: str | None = Field(None, description="Text to speak; may hold `$.` references.")
    ssml: str | None = Field(None, description="SSML to speak.")
    prompt: str | None = Field(None, description="Name of a prompt in the instance's library.")
    media: PromptMedia | None = Field(
        None,
        description="An audio file from Amazon S3 to play (Amazon Connect's `Media`); the "
        "trace names the file played.",
    )
    speech_type: SpeechType | None = Field(None, description=SPEECH_TYPE_HELP)
    skip_when_typed_ahead: bool | None = Field(
        None,
        description="Skip the prompt when the caller has already typed ahead (Amazon Connect's "
        "`SkipWhenDTMFBufferEnabled`): in the dry run, when `success` leads to a "
        "get-customer-input block that the world gives input for.",
    )

    def check(self, cx: BlockContext) -> None:
        prompt = Prompt(text=self.text, ssml=self.ssml, prompt=self.prompt, media=self.media)
        cx.prompt(prompt, ())

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.refs import TextTooLong
        from flowrt.lang.steps import player, text_too_long, typed_ahead

        play = player(node, (), self.ssml, self.prompt)
        skip = typed_ahead(node) if self.skip_when_typed_ahead else None

        def play_prompt(node: Node, rt: Runtime) -> str:
            if skip is not None and skip(rt):
                return "success"
            try:
                play(rt)
            except TextTooLong as exc:
                return text_too_long(rt, "the prompt text", exc, "nothing was played")
            return "success"

        return play_prompt


class SendMessage(Block):
    """Send message: send text to a chat, SMS or email contact."""

    TYPE: ClassVar[str] = "send-message"
    CONNECT_TYPE: ClassVar[str] = "MessageParticipant"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"

    type: Literal["send-message"]
    text: str = Field(description="Message text; may hold `$.` references.")

    def check(self, cx: BlockContext) -> None:
        cx.template(self.text, ("text",))

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.refs import TextTooLong
        from flowrt.lang.steps import renderer, text_too_long

        render = renderer(node.prepared.get(("text",)), self.text)

        def send_message(node: Node, rt: Runtime) -> str:
            try:
                rt.facts.append(("message", render(rt)))
            except TextTooLong as exc:
                return text_too_long(rt, "the message text", exc, "nothing was sent")
            return "success"

        return send_message


class LoopPrompts(Block):
    """Loop prompts: play prompts in a loop while the contact waits (customer queue flows).

    With `interrupt-seconds` the loop is interrupted every so often and the timeout branch taken.
    Amazon Connect recommends an interval greater than 20 seconds, so that contacts being
    connected to an agent are not interrupted (Administrator Guide: "Set up call transfers"):
    20 seconds or less is a warning.
    """

    TYPE: ClassVar[str] = "loop-prompts"
    CONNECT_TYPE: ClassVar[str] = "MessageParticipantIteratively"
    BRANCHES: ClassVar[tuple[str, ...]] = ("timeout", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "timeout"
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset(
        {"customer-queue", "customer-hold", "agent-hold", "contact"}
    )

    type: Literal["loop-prompts"]
    prompts: list[Prompt] = Field(description="Prompts played in order, then again.", min_length=1)
    interrupt_seconds: int | None = Field(
        None, description="Interrupt the loop every N seconds (take `timeout`).", ge=1
    )
    continue_during_interrupt: bool | None = Field(
        None,
        description="Keep playing the prompts while the flow runs the `timeout` branch (Amazon "
        "Connect's `ContinueMessagingDuringInterrupt`); the trace says so at each interrupt.",
    )

    def check(self, cx: BlockContext) -> None:
        for i, prompt in enumerate(self.prompts):
            cx.prompt(prompt, ("prompts", i))
        # The recommendation is "greater than 20 seconds": 20 itself is not enough.
        if self.interrupt_seconds is not None and self.interrupt_seconds <= 20:
            cx.error(
                "FR043",
                f"interrupt every {self.interrupt_seconds} s: 20 s or less risks interrupting "
                "contacts that are being connected to an agent",
                ("interrupt-seconds",),
                hint="use an interval greater than 20 seconds (Amazon Connect recommends it)",
            )

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.refs import TextTooLong
        from flowrt.lang.steps import player, text_too_long

        interrupt, keep_playing = self.interrupt_seconds, bool(self.continue_during_interrupt)
        plays = tuple(
            player(node, ("prompts", i), prompt.ssml, prompt.prompt)
            for i, prompt in enumerate(self.prompts)
        )

        def loop_prompts(node: Node, rt: Runtime) -> str:
            for play in plays:
                try:
                    play(rt)
                except TextTooLong as exc:
                    what = f"the text of prompt {plays.index(play) + 1}"
                    return text_too_long(rt, what, exc, "it was not played")
            branch = rt.wait_in_queue(interrupt)
            if branch == "timeout" and keep_playing:
                rt.fact("note", "the prompts keep playing during the interrupt")
            return branch

        return loop_prompts


class PhoneNumberValidation(Model):
    """Store customer input: the input must be a phone number (`PhoneNumberValidation`)."""

    format: Literal["local", "e164"] = Field(
        description="`e164`: a full E.164 number; `local`: a number of `country-code` without "
        "`+` and the country code."
    )
    country_code: str | None = Field(
        None, description="Two-letter country of a `local` number.", pattern="^[A-Z]{2}$"
    )


class InputEncryption(Model):
    """Store customer input: encrypt the stored input (`InputEncryption`)."""

    key_id: str = Field(description="Identifier of the encryption key uploaded to the instance.")
    key: str = Field(description="PEM public key signed with that key.")


class DtmfOptions(Model):
    """DTMF overrides for voice input (`DTMFConfiguration`)."""

    termination_sequence: str | None = Field(
        None,
        description="Up to five keys that end the input (default `#`).",
        pattern=r"^[0-9*#]{1,5}$",
    )
    disable_cancel_key: bool | None = Field(
        None, description="When true, `*` is a key like the others instead of cancelling."
    )


class GetCustomerInput(Block):
    """Get customer input: play a prompt and branch on the DTMF or text the customer gives.

    With `store-input: true` it is Amazon Connect's Store customer input instead: what the
    customer enters is kept in `$.StoredCustomerInput` (limited by `max-length`, checked by
    `phone-number`, opaque with `encryption`) and the block takes `success`; no condition.
    """

    TYPE: ClassVar[str] = "get-customer-input"
    CONNECT_TYPE: ClassVar[str] = "GetParticipantInput"
    BRANCHES: ClassVar[tuple[str, ...]] = (
        "timeout",
        "no-match",
        "error",
        "success",
        "invalid-number",
    )
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    HAS_CONDITIONS: ClassVar[bool] = True
    # Modules too: the flow language sets no flow-type restriction on GetParticipantInput (voice
    # only), and real flow modules collect input (voicemail-express).
    FLOW_TYPES: ClassVar[frozenset[str]] = ROUTING | {"module"}

    type: Literal["get-customer-input"]
    text: str | None = Field(None, description="Prompt text; may hold `$.` references.")
    ssml: str | None = Field(None, description="Prompt SSML.")
    prompt: str | None = Field(None, description="Library prompt to play.")
    speech_type: SpeechType | None = Field(None, description=SPEECH_TYPE_HELP)
    timeout_seconds: int = Field(
        5,
        # The flow language asks only for "a valid integer larger than zero"; real console
        # exports wait up to 300 s, so no upper bound is invented here.
        description="Seconds to wait for input: 1 or more.",
        json_schema_extra={"x-flowrt-code": "FR041"},
        ge=1,
    )
    conditions: list[Condition] = Field(
        default_factory=list, description="Ordered conditions on the input (usually `equals`)."
    )
    # None, not False: the schema gives no default, so validation never writes the key in.
    store_input: bool | None = Field(
        None,
        description="Store the input in `$.StoredCustomerInput` and take `success` (Amazon "
        "Connect's Store customer input) instead of branching on it (default false).",
    )
    max_length: int | None = Field(
        None, description="Store at most this many digits (`CustomValidation`).", ge=1, le=100
    )
    phone_number: PhoneNumberValidation | None = Field(
        None, description="The stored input must be a phone number (`PhoneNumberValidation`)."
    )
    encryption: InputEncryption | None = Field(
        None, description="Encrypt the stored input (needs `max-length`)."
    )
    dtmf: DtmfOptions | None = Field(None, description="DTMF overrides (`DTMFConfiguration`).")

    def available_branches(self) -> tuple[str, ...]:
        if not self.store_input:
            return ("timeout", "no-match", "error")
        if self.phone_number is not None:
            return ("success", "invalid-number", "error")
        return ("success", "error")

    def check(self, cx: BlockContext) -> None:
        cx.prompt(
            Prompt(text=self.text, ssml=self.ssml, prompt=self.prompt),
            (),
            ("text", "ssml", "prompt"),
        )
        cx.conditions(self.conditions, needs_attribute=False)
        prepare_matchers(cx, self.conditions)
        for key, problem in self._store_problems():
            cx.error(
                "FR431",
                problem,
                (key,),
                hint="see Amazon Connect's flow language reference, GetParticipantInput",
            )

    def _store_problems(self) -> list[tuple[str, str]]:
        """What Amazon Connect refuses in these Store customer input options (GetParticipantInput)."""
        out: list[tuple[str, str]] = []
        stored = {
            "max-length": self.max_length,
            "phone-number": self.phone_number,
            "encryption": self.encryption,
        }
        if not self.store_input:
            out += [
                (k, f"`{k}` is only used with `store-input: true`")
                for k, v in stored.items()
                if v is not None
            ]
            return out
        if self.conditions:
            out.append(("conditions", "conditions are not supported with `store-input: true`"))
        if self.max_length is None and self.phone_number is None:
            out.append(("store-input", "`store-input: true` needs `max-length` or `phone-number`"))
        if self.max_length is not None and self.phone_number is not None:
            out.append(("phone-number", "`max-length` and `phone-number` cannot both be given"))
        if self.encryption is not None and self.max_length is None:
            out.append(("encryption", "`encryption` needs `max-length` (custom validation)"))
        pn = self.phone_number
        if pn is not None and pn.format == "local" and pn.country_code is None:
            out.append(("phone-number", "a `local` phone number needs `country-code`"))
        return out

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.input_rules import store_input_step
        from flowrt.lang.refs import TextTooLong
        from flowrt.lang.steps import matcher, player, text_too_long

        play, match, name = player(node, (), self.ssml, self.prompt), matcher(node), node.name
        if self.store_input:
            return store_input_step(play, self, name)

        def get_customer_input(node: Node, rt: Runtime) -> str:
            try:
                play(rt)
            except TextTooLong as exc:
                return text_too_long(rt, "the prompt text", exc, "no input was taken")
            value = rt.customer_input(name)
            if value is None or value == "timeout":
                return "timeout"
            if value == "error":
                return "error"
            return match(rt, value, "input")

        return get_customer_input


class InvokeLambda(Block):
    """Invoke AWS Lambda function: call a function; its result is readable under `$.External`."""

    TYPE: ClassVar[str] = "invoke-lambda"
    CONNECT_TYPE: ClassVar[str] = "InvokeLambdaFunction"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL

    type: Literal["invoke-lambda"]
    function: str = Field(description="Name of a Lambda function declared in the instance.")
    parameters: dict[str, Scalar] = Field(
        default_factory=dict, description="Input parameters (text may hold `$.` references)."
    )
    timeout_seconds: int = Field(
        3,
        description="Seconds to wait, 1-8 (1-60 when `invocation: asynchronous`).",
        ge=1,
        le=60,
        json_schema_extra={"x-flowrt-code": "FR041"},
    )
    response_type: Literal["string-map", "json"] | None = Field(
        None,
        description="Response validation (`ResponseValidation`): `string-map`, a flat map of "
        "text, or `json`, any JSON (nested keys read as `$.External.a.b`).",
    )
    invocation: Literal["synchronous", "asynchronous"] | None = Field(
        None,
        description="Execution mode (`InvocationType`): `asynchronous` goes on without waiting "
        "for the response and leaves `$.External` unchanged.",
    )

    def check(self, cx: BlockContext) -> None:
        from flowrt.lang.steps import plan_value

        # The schema allows 60 s (asynchronous); a synchronous call waits at most 8 s.  Same
        # words as the schema's own range message.
        if self.invocation != "asynchronous" and self.timeout_seconds > 8:
            cx.error(
                "FR041",
                f"`timeout-seconds`: {self.timeout_seconds} is above the maximum 8",
                ("timeout-seconds",),
            )
        cx.lambda_function(self.function, ("function",))
        for key, value in self.parameters.items():
            if isinstance(value, str):
                cx.template(value, ("parameters", key))
        # How each parameter is read, worked out once (a constant, one reference, a template).
        cx.node.prepared[("run", "parameters")] = tuple(
            (key, *plan_value(cx.node.prepared.get(("parameters", key)), _fallback(value)))
            for key, value in self.parameters.items()
        )

    def compile_step(self, node: Node) -> Step:
        function, plan = self.function, node.prepared[("run", "parameters")]
        mode = (self.response_type or "string-map", self.invocation or "synchronous")

        def invoke_lambda(node: Node, rt: Runtime) -> str:
            return rt.invoke_lambda(function, plan, mode)

        return invoke_lambda


# ---------------------------------------------------------------------------------------------
# email


class OutboundEmailPolicy(Block):
    """Outbound email policy: decide whether an agent's forward may go out.

    The outbound email policy of Amazon Connect (Administrator Guide: "Forward email contacts
    to external email addresses").

    Used in the Default outbound flow (type outbound-email).  Checks every recipient (To and Cc)
    against blocked addresses and domains (denied), then against the allowed lists when any are
    given (denied if outside them), then the recipient count: over `max-recipients` is denied,
    over `approval-above` needs a manager's approval.  Otherwise allowed.
    """

    TYPE: ClassVar[str] = "outbound-email-policy"
    CONNECT_TYPE: ClassVar[str] = "flowrt:OutboundEmailPolicy"
    BRANCHES: ClassVar[tuple[str, ...]] = ("allowed", "denied", "needs-approval", "error")
    REQUIRED: ClassVar[tuple[str, ...]] = ("allowed", "denied")
    FLOW_TYPES: ClassVar[frozenset[str]] = frozenset({"outbound-email"})

    type: Literal["outbound-email-policy"]
    allowed_domains: list[str] = Field(default_factory=list, description="Domains mail may go to.")
    allowed_addresses: list[str] = Field(
        default_factory=list, description="Addresses mail may go to."
    )
    blocked_domains: list[str] = Field(default_factory=list, description="Domains refused.")
    blocked_addresses: list[str] = Field(default_factory=list, description="Addresses refused.")
    max_recipients: int | None = Field(
        None, description="At most this many recipients (To + Cc) per forward.", ge=1
    )
    approval_above: int | None = Field(
        None, description="More recipients than this need a manager's approval.", ge=0
    )

    def compile_step(self, node: Node) -> Step:
        policy = self

        def outbound_email_policy(node: Node, rt: Runtime) -> str:
            return rt.email_policy(policy)

        return outbound_email_policy

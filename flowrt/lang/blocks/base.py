"""The base of every block type: `Block`, conditions, prompts, shared constants.

A block type's run behaviour is written in one place, its `compile_step(node)` method: called
once per node at compile time, it returns the node's run step, a closure `step(node, rt)` that
acts on the run's `Runtime` and returns the branch taken.  The closure is the block's only
statement of what a run does; what makes it fast is derived, not written beside it: before the
closure, `compile_step` turns the node's prepared parameters into accessors with
`flowrt.lang.steps` (`reader`, `renderer`, `player`, `matcher`, `queue_picker`, `plan_value`,
...), each of which is specialised when the parameter is static and falls back to the general
lookup when it is not.  A block type has no `run` method (tests/test_blocks_once.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime

#: A run step: `step(node, rt)` returns the branch taken (the closure of `Block.compile_step`).
Step = Callable[["Node", "Runtime"], str]

#: The Amazon Connect flow types a flow file may declare (`type:`).
FlowType = Literal[
    "contact",
    "customer-queue",
    "customer-hold",
    "customer-whisper",
    "agent-hold",
    "agent-whisper",
    "outbound-whisper",
    "agent-transfer",
    "queue-transfer",
    "outbound-email",
    "module",
]
FLOW_TYPES: tuple[str, ...] = get_args(FlowType)
ALL = frozenset(FLOW_TYPES)
#: Flows in which a contact can be routed (queued, transferred, disconnected).
ROUTING = frozenset({"contact", "customer-queue", "agent-transfer", "queue-transfer"})
#: Flows that talk to the customer or agent (everything but the email policy flow).
INTERACTIVE = ALL - {"outbound-email"}

OPERATORS: tuple[str, ...] = (
    "equals",
    "text-contains",
    "text-starts-with",
    "text-ends-with",
    "number-greater-than",
    "number-less-than",
    "number-greater-or-equal",
    "number-less-or-equal",
)
#: Each operator of a condition (and `when`) with the name of its field.
_OPERATOR_FIELDS = tuple((op, op.replace("-", "_")) for op in (*OPERATORS, "when"))
#: DSL operator -> Amazon Connect Compare operator.
CONNECT_OPERATORS: dict[str, str] = {
    "equals": "Equals",
    "text-contains": "TextContains",
    "text-starts-with": "TextStartsWith",
    "text-ends-with": "TextEndsWith",
    "number-greater-than": "NumberGreaterThan",
    "number-less-than": "NumberLessThan",
    "number-greater-or-equal": "NumberGreaterOrEqualTo",
    "number-less-or-equal": "NumberLessOrEqualTo",
}

DTMF_PATTERN = r"^(\$\..+|[0-9,*#]{0,50})$"
PHONE_PATTERN = r"^(\$\..+|\+[1-9][0-9]{1,14})$"
#: A number to transfer to: E.164, a reference, or text holding a deployment template's
#: placeholder (`+1{{phoneNumber}}`, `${var.number}`) that becomes a number when deployed.
PHONE_TARGET_PATTERN = r"^(\$\..+|\+[1-9][0-9]{1,14}|.*(\$\{.+\}|\{\{.+\}\}).*)$"
REF_PATTERN = r"^\$\..+$"

#: A flow ARN of Amazon Connect: a flow of the instance
#: (`arn:aws:connect:<region>:<account>:instance/<instance id>/contact-flow/<flow id>`).
_FLOW_ARN = re.compile(r"^arn:aws[a-z-]*:connect:[^:/]*:[^:/]*:instance/[^/]+/contact-flow/[^/]+$")
#: A flow module's ARN (`.../flow-module/<id>`) and a bare ID, as Amazon Connect writes
#: InvokeFlowModule's `FlowModuleId`.
_MODULE_ARN = re.compile(r"^arn:aws[a-z-]*:connect:[^:/]*:[^:/]*:instance/[^/]+/flow-module/[^/]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def placeholder(value: str) -> bool:
    """Whether `value` holds a deployment template's placeholder: Terraform `${...}`,
    CloudFormation or templating `{{...}}` (filled in when the flow is deployed)."""
    if len(value) > 2048:
        return False
    if "${" in value and "}" in value[value.index("${") :]:
        return True
    return "{{" in value and "}}" in value[value.index("{{") :]


def external_flow(value: str) -> bool:
    """Whether a transfer-to-flow target names a flow outside the project: a flow ARN, or the
    placeholder of a deployment template (Terraform `${...}`, CloudFormation or templating
    `{{...}}`) that becomes one when the flow is deployed."""
    if len(value) > 2048:
        return False
    return placeholder(value) or _FLOW_ARN.match(value) is not None


def external_module(value: str) -> bool:
    """Whether an invoke-module target names a flow module of the instance outside the
    project: a module ID (a UUID), a module ARN, or a deployment template's placeholder."""
    if len(value) > 2048:
        return False
    return placeholder(value) or bool(_UUID.match(value) or _MODULE_ARN.match(value))


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class Model(BaseModel):
    """Base of every DSL model: kebab-case keys, unknown keys refused."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=_kebab, populate_by_name=True, frozen=True, defer_build=True
    )


Scalar = str | int | float | bool


class Condition(Model):
    """One ordered condition: exactly one operator (or `when`) and the block it leads to."""

    equals: Scalar | None = Field(
        None, description="Equal to this value (numbers compare as numbers)."
    )
    text_contains: str | None = Field(None, description="The text contains this.")
    text_starts_with: str | None = Field(None, description="The text starts with this.")
    text_ends_with: str | None = Field(None, description="The text ends with this.")
    number_greater_than: float | str | None = Field(None, description="Number greater than this.")
    number_less_than: float | str | None = Field(None, description="Number less than this.")
    number_greater_or_equal: float | str | None = Field(
        None, description="Number greater than or equal to this."
    )
    number_less_or_equal: float | str | None = Field(
        None, description="Number less than or equal to this."
    )
    when: str | None = Field(
        None,
        description="A boolean expression instead of an operator (flowrt extension).",
        examples=['$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0'],
    )
    next: str = Field(description="The block to go to when this condition matches.")

    def operator(self) -> list[tuple[str, Any]]:
        """The (operator, operand) pairs given; a valid condition has exactly one."""
        fields = self.__dict__  # a pydantic model's field values, read without a lookup each
        return [(op, fields[name]) for op, name in _OPERATOR_FIELDS if fields[name] is not None]

    def label(self) -> str:
        pairs = self.operator()
        if len(pairs) != 1:
            return "condition"
        op, value = pairs[0]
        return f"when {value}" if op == "when" else f"{op} {text_of(value)}"


def _fallback(value: Any) -> str:
    """A parameter's text when it has no template: "" for text (its template failed), else the
    number or boolean as Amazon Connect writes it."""
    return "" if isinstance(value, str) else text_of(value)


def text_of(value: Any) -> str:
    """A scalar as flowrt writes it as text (attribute values are text, as in Connect):
    true/false, 3 (not 3.0), else str()."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class PromptMedia(Model):
    """An audio file played from Amazon S3 (the flow language's `Media` of MessageParticipant)."""

    uri: str = Field(
        description="Location of the audio file (an S3 URL); may hold `$.` references.",
        min_length=1,
        max_length=2048,
    )
    # Amazon Connect supports only these two values today; they are kept so the file says it.
    source_type: Literal["S3"] = Field("S3", description="Where the file is fetched from: `S3`.")
    media_type: Literal["Audio"] = Field("Audio", description="What the file is: `Audio`.")


class Prompt(Model):
    """A prompt: text to speech, SSML, a prompt from the instance's prompt library, or media."""

    text: str | None = Field(None, description="Text to speak or send; may hold `$.` references.")
    ssml: str | None = Field(None, description="SSML to speak.")
    prompt: str | None = Field(None, description="Name of a prompt in the instance's library.")
    media: PromptMedia | None = Field(
        None, description="An audio file from Amazon S3 to play instead of text or a prompt."
    )


class CallerId(Model):
    """Caller ID shown to the third party of an external transfer."""

    number: str | None = Field(
        None,
        description="A phone number claimed in the instance, or an attribute reference.",
        pattern=PHONE_PATTERN,
    )
    name: str | None = Field(None, description="Caller ID name, or an attribute reference.")


@dataclass(frozen=True)
class ConnectParam:
    """How one block field is written as one Amazon Connect action parameter (declarative
    mapping; see `Block.DECLARATIVE`).

    `field` is the block's attribute (snake_case); `name` the key in the action's `Parameters`,
    dotted for a nested key (`LexV2Bot.AliasArn`); `kind` how the value is written: `text` as is,
    `bool` as `"True"`/`"False"`, `int` as digits, `json` an object or list kept as is, `resource`
    a name of the instance (`resource` says which kind: `queues`, `flows`, `lambda-functions`,
    `hours-of-operation`, `prompts`, `users`, `phone-numbers`, ...) written as its ARN or ID,
    `values` a mapping of text (key -> value) written as `{key: {"Value": value}}` (as
    UpdateFlowAttributes writes flow attributes).
    """

    field: str
    name: str
    kind: Literal["text", "bool", "int", "json", "resource", "values"] = "text"
    resource: str | None = None


class Block(Model):
    """Base of every block: the keys every block accepts."""

    TYPE: ClassVar[str] = ""
    CONNECT_TYPE: ClassVar[str] = ""
    BRANCHES: ClassVar[tuple[str, ...]] = ()
    DEFAULT_BRANCH: ClassVar[str | None] = None
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    FLOW_TYPES: ClassVar[frozenset[str]] = INTERACTIVE
    HAS_CONDITIONS: ClassVar[bool] = False
    #: Declarative Amazon Connect mapping, read by `flowrt.connect` for block types that set
    #: `DECLARATIVE`: the fields written as Parameters, DSL branch -> Connect ErrorType, DSL
    #: branch -> a fixed transition condition (Operator, operand), and the branch whose target
    #: Connect writes as `NextAction`.
    DECLARATIVE: ClassVar[bool] = False
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = ()
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {}
    CONNECT_CONDITIONS: ClassVar[dict[str, tuple[str, str]]] = {}
    CONNECT_NEXT: ClassVar[str | None] = "success"

    type: str
    id: str | None = Field(
        None,
        description="Amazon Connect action Identifier, kept so an export reproduces it.",
        max_length=50,
    )
    description: str | None = Field(None, description="What this block is for.")
    next: str | dict[str, str] | None = Field(
        None,
        description="Where to go next: a block name for the default exit, or branch -> block.",
    )

    @property
    def conditions_list(self) -> list[Condition]:
        # From the field values: `getattr` on a block type without `conditions` goes through
        # pydantic's __getattr__ and an AttributeError (50,000 times for 1,000 flows).
        return list(self.__dict__.get("conditions") or [])

    def exits(self) -> list[tuple[str, str, tuple[str | int, ...]]]:
        """Every connected exit: (branch, target block, path of the target within the block)."""
        out: list[tuple[str, str, tuple[str | int, ...]]] = []
        for i, cond in enumerate(self.conditions_list):
            out.append((condition_branch(i), cond.next, ("conditions", i, "next")))
        if isinstance(self.next, str):
            out.append((self.DEFAULT_BRANCH or "next", self.next, ("next",)))
        elif isinstance(self.next, dict):
            for branch, target in self.next.items():
                out.append((branch, target, ("next", branch)))
        return out

    def all_branches(self) -> list[str]:
        """Every branch this block can take as configured (conditions first)."""
        return [condition_branch(i) for i in range(len(self.conditions_list))] + list(
            self.available_branches()
        )

    def available_branches(self) -> tuple[str, ...]:
        """Declared branches available with this configuration (see transfer-to-phone-number)."""
        return self.BRANCHES

    def branch_label(self, branch: str) -> str:
        """Human label of a branch, for traces and diagrams."""
        if branch.startswith("condition-"):
            idx = int(branch.split("-", 1)[1]) - 1
            conds = self.conditions_list
            if 0 <= idx < len(conds):
                return conds[idx].label()
        return branch

    def check(self, cx: BlockContext) -> None:
        """Block-specific static checks and preparation; the default has none."""

    def compile_step(self, node: Node) -> Step:
        """The run step of `node`: the block's run behaviour, written once (see the module).

        Called once, when `node` is compiled (after `check`); returns a closure that acts on the
        runtime `rt` and returns the branch taken, or `rt.end(...)` when it ends the flow.  Work
        that does not depend on the run (parameters, references, prompts, conditions) is done
        here, before the closure, with the accessors of `flowrt.lang.steps`.
        """
        message = f"block type {self.TYPE} cannot be run"

        def cannot_run(node: Node, rt: Runtime) -> str:
            return rt.end("error", message)

        return cannot_run


def condition_branch(index: int) -> str:
    """Branch name of the condition at `index` (0-based): `condition-1`, `condition-2`, ..."""
    return f"condition-{index + 1}"


#: Prepared key of a block's compiled conditions (see `prepare_matchers`).
MATCHERS: tuple[str, str] = ("run", "matchers")


def prepare_matchers(cx: BlockContext, conditions: list[Condition]) -> None:
    """Compile a block's conditions for its run step: (branch, label, operator, operand, number,
    reference, expression) per condition, in order (the first that matches wins)."""
    from flowrt.lang.expr import as_number

    prepared = cx.node.prepared
    out: list[tuple[Any, ...]] = []
    for i, cond in enumerate(conditions):
        ops = cond.operator()
        if len(ops) != 1:
            continue
        op, operand = ops[0]
        branch, label = condition_branch(i), cond.label()
        if op == "when":
            out.append((branch, label, op, "", None, None, prepared.get(("conditions", i, "when"))))
            continue
        ref = prepared.get(("conditions", i, op))
        text = text_of(operand)
        num = as_number(text) if ref is None else None
        if isinstance(operand, bool):
            op = "equals-bool"
        out.append((branch, label, op, text, num, ref, None))
    cx.node.matchers = prepared[MATCHERS] = tuple(out)

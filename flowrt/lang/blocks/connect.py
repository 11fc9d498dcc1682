"""`connect-action`: any Amazon Connect action flowrt does not model, kept exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import (
    ALL,
    Block,
    Model,
    Step,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import Node
    from flowrt.run.runtime import Runtime


class ConnectCondition(Model):
    """A raw Amazon Connect transition condition, kept as is."""

    operator: str = Field(description="Connect operator, e.g. Equals.")
    operands: list[str] = Field(description='Operands, e.g. ["MessagesInterrupted"].')
    next: str = Field(description="Block to go to.")


class ConnectAction(Block):
    """A pass-through Amazon Connect action that flowrt does not model.

    It keeps the Connect `action` Type and `parameters` exactly, so any real flow can be carried.
    `next` is a block name (Connect's NextAction) or a mapping whose `success` key is NextAction
    and whose other keys are Connect ErrorTypes.  A run follows the first transition and the trace
    says the block was not simulated.
    """

    TYPE: ClassVar[str] = "connect-action"
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    HAS_CONDITIONS: ClassVar[bool] = True

    type: Literal["connect-action"]
    action: str = Field(
        description="Amazon Connect action Type.", examples=["UpdateFlowLoggingBehavior"]
    )
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="The action's Parameters, kept exactly."
    )
    conditions: list[ConnectCondition] = Field(
        default_factory=list, description="Connect transition conditions, kept exactly."
    )

    def available_branches(self) -> tuple[str, ...]:
        if isinstance(self.next, dict):
            return tuple(self.next)
        return ("success",) if self.next else ()

    def compile_step(self, node: Node) -> Step:
        fact = ("not-simulated", self.action)
        # The transition a run follows: `success` when connected, else the first one connected;
        # with none, the flow ends.
        targets = node.targets
        taken = "success" if targets.get("success") is not None else None
        if taken is None:
            taken = next((b for b, t in targets.items() if t is not None), None)

        def connect_action(node: Node, rt: Runtime) -> str:
            rt.facts.append(fact)
            if taken is None:
                return rt.end("end")
            return taken

        return connect_action

    def branch_label(self, branch: str) -> str:
        if branch.startswith("condition-"):
            idx = int(branch.split("-", 1)[1]) - 1
            if 0 <= idx < len(self.conditions):
                c = self.conditions[idx]
                return f"{c.operator} {' '.join(c.operands)}"
        return branch

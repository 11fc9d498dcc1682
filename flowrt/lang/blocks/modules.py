"""Flow control blocks that keep state across steps: a counted loop, a flow module's call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field, WithJsonSchema

from flowrt.lang.blocks.base import (
    ALL,
    INTERACTIVE,
    REF_PATTERN,
    Block,
    ConnectParam,
    Step,
    external_module,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime

#: Amazon Connect's bounds on a Loop's LoopCount (flow language reference: "Loop").
MAX_LOOP_COUNT = 100


class Loop(Block):
    """Loop: take `continue` a number of times, then `done` once, then start counting again.

    As Amazon Connect's Loop: each visit of the same block counts; with `count: 3` the visits
    take continue, continue, continue, done (and the fifth visit starts a new round).  Amazon
    Connect exposes no attribute with the loop's counter; the trace shows it.
    """

    TYPE: ClassVar[str] = "loop"
    CONNECT_TYPE: ClassVar[str] = "Loop"
    BRANCHES: ClassVar[tuple[str, ...]] = ("continue", "done")
    DEFAULT_BRANCH: ClassVar[str | None] = "done"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("count", "LoopCount", "int"),
    )
    CONNECT_CONDITIONS: ClassVar[dict[str, tuple[str, str]]] = {
        "continue": ("Equals", "ContinueLooping"),
        "done": ("Equals", "DoneLooping"),
    }
    CONNECT_NEXT: ClassVar[str | None] = "done"

    type: Literal["loop"]
    # One schema type list, not `anyOf`: a count, not seconds, so the messages of int-or-reference
    # keys (which speak of seconds) do not apply; the pattern constrains text only.
    count: Annotated[
        int | str, WithJsonSchema({"type": ["integer", "string"], "pattern": REF_PATTERN})
    ] = Field(
        description="How many times to take `continue` before `done`: 0-100, or a `$.` "
        "reference holding the number.",
        examples=[3, "$.Attributes.retries"],
    )

    def check(self, cx: BlockContext) -> None:
        if isinstance(self.count, str):
            if self.count.startswith("$."):
                cx.reference(self.count, ("count",))
                return
            cx.error(
                "FR083",
                f"loop count `{self.count}` is not a number",
                ("count",),
                "give a whole number from 0 to 100, or one `$.` reference",
            )
        elif not 0 <= self.count <= MAX_LOOP_COUNT:
            cx.error(
                "FR083",
                f"loop count {self.count} is out of range: Amazon Connect loops 0 to "
                f"{MAX_LOOP_COUNT} times",
                ("count",),
                f"give a count from 0 to {MAX_LOOP_COUNT}; to loop longer, count in an attribute",
            )

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import reader

        ref = node.prepared.get(("count",))
        read = reader(ref) if ref is not None else None
        fixed = str(self.count)

        def loop(node: Node, rt: Runtime) -> str:
            return rt.svc.loop(node, read(rt) if read is not None else fixed)

        return loop


class InvokeModule(Block):
    """Invoke module: run a flow module of the project, then carry on here.

    The module (a flow of type `module`, by name or by its `id`) runs with the same contact; when
    it ends (end-flow, Amazon Connect's EndFlowModuleExecution) the flow continues at `success`.
    Its blocks appear in the trace.  `error` when the module cannot be found at run time.

    A module of the instance outside the project (its ID or ARN, or a deployment placeholder,
    as real exports name it) is kept as written: a dry run cannot run its blocks, so it notes
    that and takes `success`, as a module that ends normally does (list the block in the
    world's `errors` to take `error`).
    """

    TYPE: ClassVar[str] = "invoke-module"
    CONNECT_TYPE: ClassVar[str] = "InvokeFlowModule"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = INTERACTIVE
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("module", "FlowModuleId", "resource", "flows"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["invoke-module"]
    module: str = Field(
        description="The module to run: a flow of type `module` (its name or `id`), or a `$.` "
        "reference holding its name or ID.",
        examples=["authenticate-caller", "$.FlowAttributes.module"],
    )

    def check(self, cx: BlockContext) -> None:
        value = self.module
        # Flow ID -> name, for a module named by its ID (at run time too, for a reference).
        cx.node.prepared[("run", "ids")] = cx.env.flow_ids
        if value.startswith("$."):
            cx.reference(value, ("module",))
            return
        cx.node.prepared[("module",)] = value
        types = cx.env.flow_types
        name = value if value in types else cx.env.flow_ids.get(value)
        if name is None and external_module(value):
            # A module of the instance outside the project (its ID or ARN, as real exports
            # write it): kept as it is; the run cannot run its blocks (see compile_step).
            return
        if name is None:
            cx.flow_name(value, ("module",))  # FR023 with a suggestion, unless the flow is broken
            cx.node.prepared[("module",)] = value
            return
        # The flow it reaches, by name, read by flowrt.lang.broken.reach (the flows a scenario runs).
        cx.node.prepared[("flow",)] = name
        if types[name] != "module":
            cx.error(
                "FR081",
                f"`{name}` is a flow of type {types[name]}; invoke-module runs flows of type module",
                ("module",),
                "use transfer-to-flow to hand the contact to another flow",
            )

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import reader

        ref = node.prepared.get(("module",))
        read = reader(ref) if ref is not None and not isinstance(ref, str) else None
        fixed, text, ids = self.module, self.module, node.prepared.get(("run", "ids"), {})

        def invoke_module(node: Node, rt: Runtime) -> str:
            name = read(rt) if read is not None else fixed
            return rt.svc.invoke(ids.get(name, name), text)

        return invoke_module

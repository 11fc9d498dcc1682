"""Set customer queue / hold / whisper / disconnect flow: Amazon Connect's event hooks.

UpdateContactEventHooks names the flow that runs on a later event of the contact (queued, put
on hold, whispered to, left by the agent).  The flow is a flow of the project, a `$.`
reference, or a flow of the Amazon Connect instance outside the project (an ARN, a placeholder,
or a name: the warning FR445); a dry run records the hook and keeps it in the run's state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import ALL, Block, ConnectParam, Step
from flowrt.lang.blocks.settings import _apply

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime


def _hook_flow(cx: BlockContext, value: str, path: tuple[str, ...]) -> None:
    """The flow an event hook names: a flow of the project, a reference, or a flow of the
    instance outside the project (an ARN, an ID, a deployment placeholder `${...}`, `%%...%%`,
    or a name no flow file has).  A name outside the project is FR445, a warning: the hook's
    flow runs on a later event of the contact, never in this flow's dry run, so the name is
    kept for export (an environment file maps it to its ARN) and a typo is still pointed out."""
    from flowrt.core.diagnostics import suggestion

    if value.startswith("$."):
        cx.reference(value, path)
        return
    if value.startswith("arn:") or "${" in value or "%%" in value or "{{" in value:
        return
    flows = cx.env.flow_types
    if value in flows or value in cx.env.broken.flows or value in cx.env.flow_ids:
        return
    cx.error(
        "FR445",
        f"flow `{value}` is not a flow of the project{suggestion(value, flows)}: kept as the "
        "name of a flow of the Amazon Connect instance; a dry run cannot run it",
        path,
        "name a flow of the project if that was meant; else map the name to the flow's ARN in "
        "an environment file (`flows:`) before exporting",
    )


#: set-event-hook field -> the EventHooks key of Amazon Connect.
EVENT_HOOKS: dict[str, str] = {
    "customer_queue": "CustomerQueue",
    "customer_hold": "CustomerHold",
    "customer_whisper": "CustomerWhisper",
    "agent_hold": "AgentHold",
    "agent_whisper": "AgentWhisper",
    "default_agent_ui": "DefaultAgentUI",
    "disconnect_agent_ui": "DisconnectAgentUI",
    "pause_contact": "PauseContact",
    "resume_contact": "ResumeContact",
    "customer_remaining": "CustomerRemaining",
}


class SetEventHook(Block):
    """Set customer queue / hold / whisper flow: the flow that runs on a contact event.

    As in Amazon Connect (Administrator Guide: "Set customer queue flow", "Set hold flow", "Set
    whisper flow"; flow language: UpdateContactEventHooks).  Exactly one event per block.  The
    flow is a flow of the project, a `$.` reference, or a flow of the instance outside the
    project kept as it is: an ARN, a deployment placeholder, or a name (the warning FR445).  The
    dry run records `event hook: CustomerQueue -> <flow>` (with a note when the flow is not in
    the project, where a dry run cannot run it); the hook is kept in the run's state.
    """

    TYPE: ClassVar[str] = "set-event-hook"
    CONNECT_TYPE: ClassVar[str] = "UpdateContactEventHooks"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        *(ConnectParam(f, f"EventHooks.{k}", "resource", "flows") for f, k in EVENT_HOOKS.items()),
        ConnectParam("configuration", "EventHooksConfiguration", "json"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["set-event-hook"]
    customer_queue: str | None = Field(None, description="Customer queue flow (CustomerQueue).")
    customer_hold: str | None = Field(None, description="Customer hold flow (CustomerHold).")
    customer_whisper: str | None = Field(
        None, description="Customer whisper flow (CustomerWhisper)."
    )
    agent_hold: str | None = Field(None, description="Agent hold flow (AgentHold).")
    agent_whisper: str | None = Field(None, description="Agent whisper flow (AgentWhisper).")
    default_agent_ui: str | None = Field(
        None, description="Flow of the agent's default step-by-step view (DefaultAgentUI)."
    )
    disconnect_agent_ui: str | None = Field(
        None, description="Flow of the agent's view after disconnect (DisconnectAgentUI)."
    )
    pause_contact: str | None = Field(None, description="Flow run on pause (PauseContact).")
    resume_contact: str | None = Field(None, description="Flow run on resume (ResumeContact).")
    customer_remaining: str | None = Field(
        None,
        description="Disconnect flow: runs when the agent leaves a chat the customer is still in "
        '(CustomerRemaining; Administrator Guide: "Set disconnect flow").',
    )
    configuration: dict[str, Any] | None = Field(
        None,
        description="EventHooksConfiguration as Amazon Connect writes it "
        '(`{"AgentWhisper": {"DisableExecution": "false"}}`).',
    )

    def _set(self) -> list[tuple[str, str]]:
        return [(f, getattr(self, f)) for f in EVENT_HOOKS if getattr(self, f) is not None]

    def check(self, cx: BlockContext) -> None:
        given = self._set()
        if len(given) != 1:
            cx.error(
                "FR070",
                f"sets {len(given)} event hooks; Amazon Connect's UpdateContactEventHooks sets "
                "exactly one",
                (),
                "use one block per event: customer-queue, agent-whisper, ...",
            )
        for field, value in given:
            _hook_flow(cx, value, (field.replace("_", "-"),))

    def compile_step(self, node: Node) -> Step:
        hooks = [(EVENT_HOOKS[f], (f.replace("_", "-"),), v) for f, v in self._set()]

        def set_event_hook(node: Node, rt: Runtime) -> str:
            for event, path, value in hooks:
                flow = rt.param(node, path) if value.startswith("$.") else value
                if not flow:
                    rt.fact("error", f"the {event} flow {value} is empty")
                    return "error"
                _apply(rt, (("event hook", f"{event} -> {flow}"),), ((("hook", event), flow),))
                if flow not in rt.program.flows:
                    rt.fact(
                        "note",
                        f"`{flow}` is a flow of the Amazon Connect instance, not of the project: "
                        "a dry run cannot run it when the event happens",
                    )
            return "success"

        return set_event_hook

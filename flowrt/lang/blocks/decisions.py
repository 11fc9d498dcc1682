"""Decision blocks: conditions on attributes, hours, queue status, staffing; queue metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import (
    ALL,
    INTERACTIVE,
    REF_PATTERN,
    Block,
    Condition,
    Step,
    prepare_matchers,
)

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime


class CheckContactAttributes(Block):
    """Check contact attributes: the first matching condition wins, else no-match.

    Numbers are compared as numbers; a value that is not a number never matches a number
    operator (it takes no-match, as Amazon Connect does).  A condition may use `when:` with a
    boolean expression instead of an operator, in which case `attribute` is not needed.
    """

    TYPE: ClassVar[str] = "check-contact-attributes"
    CONNECT_TYPE: ClassVar[str] = "Compare"
    BRANCHES: ClassVar[tuple[str, ...]] = ("no-match", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    HAS_CONDITIONS: ClassVar[bool] = True

    type: Literal["check-contact-attributes"]
    attribute: str | None = Field(
        None,
        description="The attribute to check: one `$.` reference.",
        pattern=REF_PATTERN,
        examples=["$.Attributes.tier"],
    )
    conditions: list[Condition] = Field(
        description="Ordered conditions; the first that matches wins.", min_length=1
    )

    def check(self, cx: BlockContext) -> None:
        if self.attribute is not None:
            cx.reference(self.attribute, ("attribute",))
        cx.conditions(self.conditions, needs_attribute=self.attribute is None)
        prepare_matchers(cx, self.conditions)

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import matcher, reader

        ref = node.prepared.get(("attribute",))
        match, read, subject = matcher(node), reader(ref), None if ref is None else ref.text
        # The commonest check, `$.Attributes.x`, reads the attribute here (`reader`'s lookup,
        # a call less); with no attribute, `reader` reads "" (only `when:` conditions then).
        path: tuple[str, ...] = ref.path if ref is not None else ()
        text = ref.text if ref is not None else ""
        key = path[1] if len(path) == 2 and path[0] == "Attributes" else None

        def check_contact_attributes(node: Node, rt: Runtime) -> str:
            if key is not None:
                value = rt.attrs.get(key)
                if value is None:
                    rt.note_missing(text)
                    value = ""
            else:
                value = read(rt) if subject is not None else ""
            return match(rt, value, subject)

        return check_contact_attributes


class CheckHoursOfOperation(Block):
    """Check hours of operation: in-hours or out-of-hours by the clock of the world.

    Without `hours`, the working queue's hours of operation are checked.
    """

    TYPE: ClassVar[str] = "check-hours-of-operation"
    CONNECT_TYPE: ClassVar[str] = "CheckHoursOfOperation"
    BRANCHES: ClassVar[tuple[str, ...]] = ("in-hours", "out-of-hours", "error")
    FLOW_TYPES: ClassVar[frozenset[str]] = INTERACTIVE

    type: Literal["check-hours-of-operation"]
    hours: str | None = Field(None, description="Hours of operation to check (by name).")

    def check(self, cx: BlockContext) -> None:
        if self.hours is not None:
            cx.hours(self.hours, ("hours",))

    def compile_step(self, node: Node) -> Step:
        hours = self.hours

        def check_hours_of_operation(node: Node, rt: Runtime) -> str:
            is_open = rt.in_hours(hours)
            if is_open is None:
                return "error"
            return "in-hours" if is_open else "out-of-hours"

        return check_hours_of_operation


class CheckQueueStatus(Block):
    """Check queue status: compare the queue's time in queue or contacts in queue."""

    TYPE: ClassVar[str] = "check-queue-status"
    CONNECT_TYPE: ClassVar[str] = "CheckMetricData"
    BRANCHES: ClassVar[tuple[str, ...]] = ("no-match", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "no-match"
    HAS_CONDITIONS: ClassVar[bool] = True

    type: Literal["check-queue-status"]
    queue: str | None = Field(None, description="Queue to check (default: the working queue).")
    agent: str | None = Field(None, description="Agent whose queue to check.")
    metric: Literal["oldest-contact-age", "contacts-in-queue"] = Field(
        description="Oldest contact's time in queue (seconds) or the number of contacts queued."
    )
    conditions: list[Condition] = Field(
        description="Ordered conditions on the metric.", min_length=1
    )

    def check(self, cx: BlockContext) -> None:
        cx.queue_or_agent(self.queue, self.agent, required=False)
        cx.conditions(self.conditions, needs_attribute=False)
        prepare_matchers(cx, self.conditions)

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import label, matcher

        match, metric = matcher(node), self.metric
        queue, agent = self.queue, self.agent
        contacts = metric == "contacts-in-queue"

        def check_queue_status(node: Node, rt: Runtime) -> str:
            target = rt.target(node, queue, agent)
            if target is None:
                return "error"
            q, state = target
            value = state.contacts if contacts else state.oldest
            rt.facts.append(("metric", label(q), metric, value))
            return match(rt, str(value), metric)

        return check_queue_status


class CheckStaffing(Block):
    """Check staffing: are agents available / staffed / online in the queue?"""

    TYPE: ClassVar[str] = "check-staffing"
    CONNECT_TYPE: ClassVar[str] = "CheckMetricData"
    BRANCHES: ClassVar[tuple[str, ...]] = ("true", "false", "error")

    type: Literal["check-staffing"]
    queue: str | None = Field(None, description="Queue to check (default: the working queue).")
    agent: str | None = Field(None, description="Agent whose queue to check.")
    status: Literal["available", "staffed", "online"] = Field(
        "available", description="Which agents to count."
    )

    def check(self, cx: BlockContext) -> None:
        cx.queue_or_agent(self.queue, self.agent, required=False)

    def compile_step(self, node: Node) -> Step:
        from operator import attrgetter

        from flowrt.lang.steps import label

        queue, agent, status, count_of = (
            self.queue,
            self.agent,
            self.status,
            attrgetter(self.status),
        )

        def check_staffing(node: Node, rt: Runtime) -> str:
            target = rt.target(node, queue, agent)
            if target is None:
                return "error"
            q, state = target
            count = count_of(state)
            rt.facts.append(("staffing", label(q), status, count))
            return "true" if count > 0 else "false"

        return check_staffing


class GetQueueMetrics(Block):
    """Get queue metrics: load the queue's real-time metrics into `$.Metrics`."""

    TYPE: ClassVar[str] = "get-queue-metrics"
    CONNECT_TYPE: ClassVar[str] = "GetMetricData"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"

    type: Literal["get-queue-metrics"]
    queue: str | None = Field(None, description="Queue to read (default: the working queue).")
    agent: str | None = Field(None, description="Agent whose queue to read.")
    channel: Literal["VOICE", "CHAT", "TASK", "EMAIL"] | None = Field(
        None, description="Restrict metrics to one channel."
    )

    def check(self, cx: BlockContext) -> None:
        cx.queue_or_agent(self.queue, self.agent, required=False)

    def compile_step(self, node: Node) -> Step:
        queue, agent = self.queue, self.agent

        def get_queue_metrics(node: Node, rt: Runtime) -> str:
            target = rt.target(node, queue, agent)
            if target is None:
                return "error"
            rt.load_metrics(*target)
            return "success"

        return get_queue_metrics

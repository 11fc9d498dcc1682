"""Scenario cases -> Amazon Connect test cases (`flowrt export-tests`).

A case becomes one `CreateTestCase` request: its flow and channel are the entry point, its
contact's attributes the `InitializationData`, and the `Content` is a Testing language document
built from the case's own dry run, in the order things happen:

- what the world answered that Amazon Connect lets a test override (each Lambda call's result or
  error, each hours check, a queue transfer at capacity or failing) becomes an
  OverrideSystemBehavior mock, all set when the test starts (a mock is used once, by the next
  call of that resource, first in first out: the order of the run);
- each customer input becomes a SendInstruction after the prompt that asks for it is heard;
- `expect:` becomes what the Testing language observes: prompts are MessageReceived events (the
  exact text with Similarity, `text-contains` with Inclusion), attributes are Assert actions,
  `outcome: {queued: Q}` is the transfer to the queue starting with an Assert on `$.Queue.Name`;
  a run that ends in a queue always ends the test there (so no live agent is offered the call).

What a test case cannot state makes the case refused, named with the reason (FR450), never
approximated: a channel other than voice or chat, a flow that is not a contact flow, a block whose
branch depends on something a test cannot override (staffing, queue metrics, an external
party, a block made to fail with `errors:`), and assertions about blocks, branches or other
outcomes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowrt.connect import testcases as tc
from flowrt.connect.env import Environment
from flowrt.lang.blocks import text_of
from flowrt.run.world import call_range

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.run.trace import Result
    from flowrt.scenario.expect import Expect, ValueMatch
    from flowrt.scenario.model import CaseRun

#: Block types whose branch depends only on the contact and the flow, so Amazon Connect's run of
#: the same contact takes the same branch.  Set logging behavior has no errors and no conditions
#: (flow language: UpdateFlowLoggingBehavior), so it always takes `success`.
CONTACT_ONLY = frozenset(
    {
        "set-logging-behavior",
        "check-contact-attributes",
        "set-contact-attributes",
        "play-prompt",
        "send-message",
        "set-working-queue",
        "transfer-to-flow",
        "disconnect",
        "end-flow",
        "connect-action",
    }
)
#: Block types whose answer comes from something no test case can override, and why.
REAL_ONLY = {
    "check-staffing": "Check staffing counts the instance's real agents",
    "get-queue-metrics": "Get queue metrics reads the instance's real queue metrics",
    "check-queue-status": "Check queue status reads the instance's real queue metrics",
    "transfer-to-phone-number": "Transfer to phone number dials a real external party",
    "loop-prompts": "Loop prompts waits for a real agent to answer",
    "outbound-email-policy": "the outbound email policy runs on agents' email actions",
}
#: What a test case can override (the "Override system behavior" page).
OVERRIDE_WORDS = "Lambda functions, hours of operation, Lex bots and queue transfers"
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
#: flowrt Lambda errors that are Amazon Connect's time limit; any other is NoMatchingError.
TIMEOUTS = ("Timeout", "TimeLimitExceeded")
#: The language of typed (chat) input, which the Testing language requires.
CHAT_LANGUAGE = "en-US"
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 127


@dataclass
class CaseExport:
    """One case: its test case request, or the reasons it cannot be one."""

    scenario_file: str
    scenario: str
    case: str
    request: dict[str, Any] | None = None
    reasons: list[str] = field(default_factory=list)
    file: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario-file": self.scenario_file,
            "scenario": self.scenario,
            "case": self.case,
            "exported": self.request is not None,
            "file": self.file,
            "reasons": self.reasons,
        }


class _Builder:
    """Builds the test case of one case from its run; collects the reasons it cannot."""

    def __init__(self, run: CaseRun, result: Result, env: Environment, program: Program) -> None:
        self.run = run
        self.result = result
        self.env = env
        self.program = program
        self.reasons: list[str] = []
        self.unmapped: list[tuple[str, str]] = []
        self.mocks: list[dict[str, Any]] = []
        self.observations: list[dict[str, Any]] = []
        self.input_only: list[str] = []
        self.lambda_errors: dict[str, dict[str, str]] = {}
        self.hours_mocked = False

    def arn(self, kind: str, name: str) -> str:
        found = self.env.to_connect(kind, name)
        if found is None:
            if (kind, name) not in self.unmapped:
                self.unmapped.append((kind, name))
            return name
        return found

    # -- the run, step by step ----------------------------------------------------------------

    def steps(self, expect: Expect | None) -> None:
        wanted = list(expect.prompts or ()) if expect is not None else []
        errors = set(self.run.world.errors)
        queue = self.run.contact.queue
        n = 0
        for _, node, branch, facts, _ in self.result.trace.records:
            facts = facts or []
            kind = node.type
            mockable = ("invoke-lambda", "check-hours-of-operation", "transfer-to-queue")
            if node.name in errors and kind not in mockable:
                self.reasons.append(
                    f"`errors:` makes {kind} block `{node.name}` fail; a test case can make "
                    f"only {OVERRIDE_WORDS} fail"
                )
                continue
            for fact in facts:
                if fact[0] == "working-queue":
                    queue = fact[1]
            prompts = [f[1] for f in facts if f[0] in ("prompt", "message")]
            heard: list[tuple[str, str]] = []
            for text in prompts:
                if wanted and isinstance(text, str) and _holds(wanted[0], text):
                    heard.append(self.prompt_spec(wanted.pop(0)))
            if kind == "invoke-lambda":
                self.lambda_mock(node, branch, facts)
            elif kind == "check-hours-of-operation":
                self.hours_mock(node, branch)
            elif kind == "transfer-to-queue":
                if branch in ("at-capacity", "error"):
                    self.queue_mock(node, branch, queue)
            elif kind == "get-customer-input":
                n += 1
                self.customer_input(node, branch, facts, prompts, heard, n)
                continue
            elif kind in REAL_ONLY:
                self.reasons.append(
                    f"{kind} block `{node.name}`: {REAL_ONLY[kind]}, which a test case cannot "
                    f"override (only {OVERRIDE_WORDS})"
                )
            elif kind not in CONTACT_ONLY:
                self.reasons.append(
                    f"{kind} block `{node.name}`: flowrt cannot tell that Amazon Connect's test "
                    "would take the same branch"
                )
            for text, matching in heard:
                self.observe_prompt(text, matching, [])
        for left in wanted:
            self.reasons.append(f"expected prompt {_shown(left)} is not heard in flowrt's run")

    def lambda_mock(self, node: Any, branch: str | None, facts: list[Any]) -> None:
        found = [f for f in facts if f[0] == "lambda"]
        function = found[0][1] if found else node.prepared.get(("function",))
        if not isinstance(function, str):
            self.reasons.append(
                f"invoke-lambda block `{node.name}` names its function by reference"
            )
            return
        arn = self.arn("lambda-functions", function)
        params = {"LambdaFunctionARN": arn}
        ident = f"mock-{len(self.mocks) + 1}"
        error = found[0][5] if found else "NoMatchingError"
        if branch == "error" or (found and error is not None):
            value = "TimeLimitExceeded" if error in TIMEOUTS else "NoMatchingError"
            if error not in (value, "Timeout") and found:
                self.lambda_errors.setdefault(function, {})[str(found[0][2])] = str(error)
            self.mocks.append(
                tc.override(ident, "InvokeLambdaFunction", params, tc.error_response(value))
            )
            return
        returns = self.returns(function, found[0][2]) if found else {}
        data = json.dumps(returns, ensure_ascii=False, separators=(",", ":"))
        self.mocks.append(
            tc.override(
                ident, "InvokeLambdaFunction", params, tc.result_response({"LoadedData": data})
            )
        )

    def returns(self, function: str, call: int) -> dict[str, Any]:
        """The world's answer to call `call` of `function`, with its own scalar types."""
        for key, response in self.run.world.lambdas.get(function, {}).items():
            lo, hi = call_range(key)
            if lo <= call <= hi and response.returns is not None:
                return dict(response.returns)
        return {}

    def hours_mock(self, node: Any, branch: str | None) -> None:
        hours = getattr(node.block, "hours", None)
        if not isinstance(hours, str) or hours.startswith("$."):
            self.reasons.append(
                f"check-hours-of-operation block `{node.name}` does not name its hours of "
                "operation, which an hours override must identify"
            )
            return
        params = {"HoursOfOperationId": self.arn("hours-of-operation", hours)}
        ident = f"mock-{len(self.mocks) + 1}"
        if branch == "error":
            response = tc.error_response("NoMatchingError")
        else:
            value = "InHours" if branch == "in-hours" else "OutOfHours"
            response = tc.result_response({"Value": value})
            self.hours_mocked = True
        self.mocks.append(tc.override(ident, "CheckHoursOfOperation", params, response))

    def queue_mock(self, node: Any, branch: str | None, queue: str | None) -> None:
        if not isinstance(queue, str) or queue.startswith(("$.", "agent queue of")):
            self.reasons.append(
                f"transfer-to-queue block `{node.name}` fails in a queue the test case cannot name"
            )
            return
        value = "QueueAtCapacity" if branch == "at-capacity" else "NoMatchingError"
        params = {"QueueId": self.arn("queues", queue)}
        ident = f"mock-{len(self.mocks) + 1}"
        self.mocks.append(
            tc.override(ident, "TransferContactToQueue", params, tc.error_response(value))
        )

    def customer_input(
        self,
        node: Any,
        branch: str | None,
        facts: list[Any],
        prompts: list[Any],
        heard: list[tuple[str, str]],
        n: int,
    ) -> None:
        values = [f[1] for f in facts if f[0] == "input"]
        timeout = branch == "timeout" or not values or values[0] in (None, "timeout")
        if timeout:  # the customer says nothing: Amazon Connect's own timeout decides
            for text, matching in heard:
                self.observe_prompt(text, matching, [])
            return
        said = prompts[0] if prompts and isinstance(prompts[0], str) else None
        if said is None:
            self.reasons.append(
                f"get-customer-input block `{node.name}` plays no text to wait for before the "
                "customer's input is sent"
            )
            return
        value = str(values[0])
        ident = f"send-{n}"
        send = (
            tc.send_text(ident, value, CHAT_LANGUAGE)
            if self.run.contact.channel == "CHAT"
            else tc.send_dtmf(ident, value)
        )
        if heard:  # the menu's prompt is also an expected prompt: one message, one observation
            first, rest = heard[0], heard[1:]
            self.observe_prompt(first[0], first[1], [send])
        else:
            rest = heard
            obs = self.observe_prompt(said, "Similarity", [send], "input")
            self.input_only.append(obs)
        for t, matching in rest:
            self.observe_prompt(t, matching, [])

    def observe_prompt(
        self, text: str, matching: str, actions: list[dict[str, Any]], prefix: str = "prompt"
    ) -> str:
        ident = f"{prefix}-{len(self.observations) + 1}"
        self.observations.append(
            {
                "Identifier": ident,
                "Event": tc.message_event(f"{ident}-event", text, matching),
                "Actions": actions,
            }
        )
        return ident

    def prompt_spec(self, m: str | ValueMatch) -> tuple[str, str]:
        if isinstance(m, str):
            return m, "Similarity"
        ops = dict(m.operators())
        if set(ops) == {"equals"}:
            return text_of(ops["equals"]), "Similarity"
        if set(ops) == {"text-contains"}:
            return str(ops["text-contains"]), "Inclusion"
        self.reasons.append(
            f"expected prompt {_shown(m)}: the Testing language matches a message by similarity "
            "(exact text) or inclusion (text-contains) only"
        )
        return "", "Similarity"

    # -- expect: what cannot be observed, and the attributes ------------------------------------

    def expect_rest(self, expect: Expect | None) -> tuple[str | None, list[dict[str, Any]]]:
        """The queue `outcome:` asserts (or None) and the Assert actions of `attributes:`."""
        if expect is None:
            return None, []
        for key in ("visits", "visits-in-order", "first", "last", "before", "never", "branch"):
            if getattr(expect, key.replace("-", "_")) is not None:
                self.reasons.append(
                    f"`expect.{key}`: the Testing language observes messages, a few flow actions "
                    "and values, not which blocks run or the branches they take"
                )
        if expect.email is not None:
            self.reasons.append("`expect.email`: the Testing language has no outbound email")
        queued = self.expected_queue(expect)
        asserts: list[dict[str, Any]] = []
        for key, m in (expect.attributes or {}).items():
            namespace = f"$.Attributes.{key}"
            for op, operand in _operators(m):
                word = _OPERATORS.get(op)
                if word is None or (op == "exists" and operand is not True):
                    self.reasons.append(
                        f"`expect.attributes.{key}`: {op} {text_of(operand)} has no Assert "
                        "operator (Equals, Text..., Number..., Exists)"
                    )
                    continue
                ident = f"assert-{len(asserts) + 1}"
                asserts.append(
                    tc.assertion(
                        ident, namespace, word, None if op == "exists" else text_of(operand)
                    )
                )
        return queued, asserts

    def expected_queue(self, expect: Expect) -> str | None:
        from flowrt.scenario.expect import OutcomeExpect

        o = expect.outcome
        if o is None:
            return None
        if isinstance(o, str):
            if o != "queued":
                self.reasons.append(
                    f"`expect.outcome: {o}`: the Testing language cannot observe how a contact "
                    "ends, only a transfer to a queue starting"
                )
            return None
        assert isinstance(o, OutcomeExpect)
        extra = [
            k
            for k in ("transferred-to-number", "flow", "block", "flows", "reason-contains")
            if getattr(o, k.replace("-", "_")) is not None
        ]
        if o.kind not in (None, "queued") or extra:
            what = ", ".join(extra) or f"kind {o.kind}"
            self.reasons.append(
                f"`expect.outcome` ({what}): the Testing language observes a transfer to a queue "
                "starting, not where or how a contact ends otherwise"
            )
        return o.queued


_OPERATORS = {
    "equals": "Equals",
    "text-contains": "TextContains",
    "text-starts-with": "TextStartsWith",
    "text-ends-with": "TextEndsWith",
    "number-greater-than": "NumberGreaterThan",
    "number-less-than": "NumberLessThan",
    "number-greater-or-equal": "NumberGreaterOrEqualTo",
    "number-less-or-equal": "NumberLessOrEqualTo",
    "exists": "Exists",
}


def _operators(m: Any) -> list[tuple[str, Any]]:
    from flowrt.scenario.expect import ValueMatch

    return m.operators() if isinstance(m, ValueMatch) else [("equals", m)]


def _holds(m: Any, text: str) -> bool:
    from flowrt.scenario.evaluation import match_holds

    return match_holds(m, text)


def _shown(m: Any) -> str:
    from flowrt.scenario.evaluation import describe_match

    return describe_match(m)


# ---------------------------------------------------------------------------------------------
# one case


def export_case(
    program: Program,
    run: CaseRun,
    expect: Expect | None,
    *,
    env: Environment,
    stem: str,
    instance_id: str | None,
) -> tuple[dict[str, Any] | None, list[str], list[tuple[str, str]]]:
    """The CreateTestCase request of one case, or the reasons it cannot be one; and the names
    (kind, name) written as they are because nothing maps them to an ARN or ID."""
    from flowrt.scenario.evaluation import evaluate

    reasons = _contact_reasons(program, run)
    if reasons:
        return None, reasons, []
    result = program.run(run.contact, run.world, flow=run.flow)
    if result.outcome.is_error:
        return None, [f"flowrt's run ends in {result.outcome.describe()}"], []
    failures = evaluate(expect, result)
    if failures:
        return None, [f"the case fails in flowrt: {failures[0].message}"], []
    b = _Builder(run, result, env, program)
    b.steps(expect)
    queued, asserts = b.expect_rest(expect)
    if queued is not None and result.outcome.queue != queued:
        b.reasons.append(f"the run is not queued in {queued}")
    if b.reasons:
        return None, b.reasons, []
    content = _content(b, result, queued, asserts, stem)
    request = _request(b, run, content, stem, instance_id)
    problems = tc.content_problems(content)
    if problems:  # flowrt's own mistake: say it rather than write it
        return None, [f"flowrt built an invalid test case: {p}" for p in problems], []
    return request, [], b.unmapped


def _contact_reasons(program: Program, run: CaseRun) -> list[str]:
    c = run.contact
    out = []
    if c.channel not in tc.ENTRY_TYPES:
        out.append(
            f"channel {c.channel}: a test case starts a voice call or a chat (entry point "
            "VOICE_CALL or CHAT)"
        )
    flow = program.flows.get(run.flow or "")
    if flow is not None and flow.type != "contact":
        out.append(
            f"flow `{run.flow}` is of type {flow.type}; a test case's entry point is a contact flow"
        )
    for key, value in (
        ("customer-display-name", c.customer_display_name),
        ("system-display-name", c.system_display_name),
        ("queue", c.queue),
        ("email", c.email),
        ("start-email-contact", c.start_email_contact),
    ):
        if value is not None:
            out.append(f"`contact.{key}`: a test case's entry point cannot set it")
    if c.channel == "VOICE":
        for key, value in (
            ("customer-endpoint", c.customer_endpoint),
            ("system-endpoint", c.system_endpoint),
        ):
            if value is not None and not E164.match(value):
                out.append(
                    f"`contact.{key}` {value!r} is not a phone number in E.164 form, which a "
                    "voice call's entry point needs"
                )
    elif c.channel == "CHAT":
        for key, value in (
            ("customer-endpoint", c.customer_endpoint),
            ("system-endpoint", c.system_endpoint),
        ):
            if value is not None:
                out.append(f"`contact.{key}`: a chat's entry point has only the flow")
    if run.world.contacts or run.world.agent_actions:
        out.append("`world.contacts` / `world.agent-actions`: email only; a test case has neither")
    return out


def _content(
    b: _Builder, result: Result, queued: str | None, asserts: list[dict[str, Any]], stem: str
) -> dict[str, Any]:
    start: dict[str, Any] = {
        "Identifier": "test-start",
        "Event": tc.event("test-start-event", "TestInitiated"),
        "Actions": tc.chain(b.mocks),
    }
    observations = [start, *b.observations]
    if result.outcome.kind == "queued" and result.outcome.queue is not None:
        actions = [*asserts]
        if queued is not None:
            actions.insert(0, tc.assertion("assert-queue", "$.Queue.Name", "Equals", queued))
        actions.append(tc.end_test("end-test"))
        queue = b.arn("queues", result.outcome.queue)
        observations.append(
            {
                "Identifier": "queued",
                "Event": tc.event(
                    "queued-event",
                    "FlowActionStarted",
                    {
                        "ActionType": "TransferContactToQueue",
                        "ActionParameters": {"QueueId": queue},
                    },
                ),
                "Actions": tc.chain(actions),
            }
        )
    elif asserts:
        observations.append(
            {
                "Identifier": "completed",
                "Event": tc.event("completed-event", "TestCompleted"),
                "Actions": tc.chain(asserts),
            }
        )
    elif len(observations) > 1:
        last = observations[-1]
        last["Actions"] = tc.chain([*last["Actions"], tc.end_test("end-test")])
    for obs, following in zip(observations, observations[1:], strict=False):
        obs["Transitions"] = {"NextObservations": [following["Identifier"]]}
    observations[-1]["Transitions"] = {"NextObservations": []}
    meta: dict[str, Any] = {"scenario": b.run.scenario, "scenario-file": stem, "case": b.run.case}
    if b.hours_mocked and b.run.world.clock is not None:
        meta["clock"] = b.run.world.clock
    if b.lambda_errors:
        meta["lambda-errors"] = b.lambda_errors
    if b.input_only:
        meta["input-only"] = b.input_only
    return {"Version": tc.VERSION, "Metadata": {"flowrt": meta}, "Observations": observations}


def _request(
    b: _Builder, run: CaseRun, content: dict[str, Any], stem: str, instance_id: str | None
) -> dict[str, Any]:
    c = run.contact
    flow_id = b.arn("flows", run.flow or "")
    if c.channel == "CHAT":
        entry: dict[str, Any] = {"Type": "CHAT", "ChatEntryPointParameters": {"FlowId": flow_id}}
    else:
        params: dict[str, Any] = {"FlowId": flow_id}
        if c.customer_endpoint is not None:
            params["SourcePhoneNumber"] = c.customer_endpoint
        if c.system_endpoint is not None:
            params["DestinationPhoneNumber"] = c.system_endpoint
        entry = {"Type": "VOICE_CALL", "VoiceCallEntryPointParameters": params}
    request: dict[str, Any] = {}
    if instance_id is not None:
        request["InstanceId"] = instance_id
    request["Name"] = case_test_name(stem, run.case)
    request["Description"] = run.description or f"flowrt case {run.case} of {run.scenario}"
    request["Content"] = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    request["EntryPoint"] = entry
    attrs = {k: text_of(v) for k, v in c.attributes.items()}
    attrs.update((k, text_of(v)) for k, v in run.world.attributes.items())
    if attrs:
        request["InitializationData"] = json.dumps({"Attributes": attrs}, ensure_ascii=False)
    request["Status"] = "PUBLISHED"
    return request


def case_test_name(stem: str, case: str) -> str:
    """The test case's Name: `<scenario file stem>.<case>`, in safe characters."""
    return _NAME_CHARS.sub("-", f"{stem}.{case}")[:MAX_NAME]

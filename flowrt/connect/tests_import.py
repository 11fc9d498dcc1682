"""Amazon Connect test cases -> scenario cases (`flowrt import` of a test case file).

A test case becomes one case of a `.scenario.yaml` file written beside the flows: the entry
point's flow and channel (`--flow` when the file has no entry point), the initialization data's
attributes as the contact's, customer input from SendInstruction actions (keyed by the
get-customer-input block whose prompt the observation waits for), OverrideSystemBehavior mocks as
the world's answers (Lambda results and errors, hours answers as a clock that gives them, queues
at capacity, failures as `errors:`), and what the test observes as `expect:` (MessageReceived as
prompts, Asserts on `$.Attributes.<key>` as attributes, an Assert on `$.Queue.Name` at a queue
transfer as `outcome: {queued: Q}`).

A test case that states something with no scenario equivalent (observations that wait in
parallel, a substituted resource, a Lex bot, a Disconnect, an Assert on another namespace, ...)
is not written: it is named with the reason (FR453).  flowrt's own exports carry
`Metadata.flowrt` (scenario and case names, the clock, Lambda error names, which prompts only
carry input), so that exporting and importing gives the same cases back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowrt.connect import jsonread
from flowrt.connect import testcases as tc
from flowrt.connect.env import EMPTY, Environment, instance_environment, with_fallback
from flowrt.connect.files import path_exists, write_atomic, yaml_document
from flowrt.core.diagnostics import Diagnostic, Span
from flowrt.core.files import SCENARIO_SUFFIX

if TYPE_CHECKING:
    from flowrt.lang.compiler import Program
    from flowrt.project.driver import Project

_CHANNELS = {"VOICE_CALL": "VOICE", "CHAT": "CHAT"}
_OPERATORS = {
    "Equals": "equals",
    "TextContains": "text-contains",
    "TextStartsWith": "text-starts-with",
    "TextEndsWith": "text-ends-with",
    "NumberGreaterThan": "number-greater-than",
    "NumberLessThan": "number-less-than",
    "NumberGreaterOrEqualTo": "number-greater-or-equal",
    "NumberLessOrEqualTo": "number-less-or-equal",
    "Exists": "exists",
}
#: The clocks tried for hours answers without a clock of their own: every hour of one week.
_WEEK = datetime(2026, 11, 23, tzinfo=UTC)


class Refused(Exception):
    """A test case with no scenario equivalent; the message says why."""


@dataclass
class CaseImport:
    """One test case file: the scenario file and case it became, or why it did not."""

    source: str
    scenario_file: str | None = None
    scenario: str | None = None
    case: str | None = None
    data: dict[str, Any] | None = None
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "scenario-file": self.scenario_file,
            "case": self.case,
            "imported": self.data is not None,
            "reasons": self.reasons,
        }


class _Reader:
    """Reads one test case against the project it is imported into."""

    def __init__(
        self, src: tc.TestCaseSource, project: Project, program: Program, env: Environment
    ) -> None:
        self.src = src
        self.project = project
        self.program = program
        self.env = env
        meta = src.content.get("Metadata")
        own = meta.get("flowrt") if isinstance(meta, dict) else None
        self.meta: dict[str, Any] = own if isinstance(own, dict) else {}
        self.lambdas: dict[str, dict[str, dict[str, Any]]] = {}
        self.hours: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.queues: dict[str, dict[str, Any]] = {}
        self.inputs: dict[str, list[str]] = {}
        self.prompts: list[Any] = []
        self.attributes: dict[str, Any] = {}
        self.queued: str | None = None

    def name(self, kind: str, value: Any, known: Any) -> str:
        if not isinstance(value, str):
            raise Refused(f"a {kind} identifier is not text")
        found = self.env.to_name(kind, value)
        if found is not None:
            return found
        if value in known:
            return value
        raise Refused(f"{kind} `{value}` is not a {kind} of the project (map it with --env)")

    # -- the case ------------------------------------------------------------------------------

    def case(self, default_flow: str | None) -> dict[str, Any]:
        flow, contact = self.entry(default_flow)
        for obs in self.ordered():
            self.observation(obs, flow)
        world: dict[str, Any] = {}
        if self.queues:
            world["queues"] = self.queues
        if self.lambdas:
            world["lambdas"] = self.lambdas
        if self.inputs:
            world["input"] = {b: v if len(v) > 1 else v[0] for b, v in self.inputs.items()}
        if self.errors:
            world["errors"] = self.errors
        out: dict[str, Any] = {}
        description = self.src.request.get("Description")
        made = f"flowrt case {self.meta.get('case')} of {self.meta.get('scenario')}"
        if isinstance(description, str) and description and description != made:
            out["description"] = description
        out["flow"] = flow
        out["contact"] = contact
        expect: dict[str, Any] = {}
        if self.queued is not None:
            expect["outcome"] = {"queued": self.queued}
        if self.attributes:
            expect["attributes"] = self.attributes
        if self.prompts:
            expect["prompts"] = self.prompts
        if self.hours:
            clock = self.clock(flow, contact, world)
            world = {"clock": clock, **world}
        if world:
            out["world"] = world
        if expect:
            out["expect"] = expect
        return out

    def entry(self, default_flow: str | None) -> tuple[str, dict[str, Any]]:
        entry = self.src.request.get("EntryPoint")
        contact: dict[str, Any] = {"channel": "VOICE"}
        flow_id: Any = None
        if isinstance(entry, dict):
            kind = entry.get("Type")
            if kind not in _CHANNELS:
                raise Refused(f"entry point Type {kind!r} is not VOICE_CALL or CHAT")
            contact["channel"] = _CHANNELS[kind]
            params = entry.get("VoiceCallEntryPointParameters") or entry.get(
                "ChatEntryPointParameters"
            )
            if isinstance(params, dict):
                flow_id = params.get("FlowId")
                for key, name in (
                    ("SourcePhoneNumber", "customer-endpoint"),
                    ("DestinationPhoneNumber", "system-endpoint"),
                ):
                    if isinstance(params.get(key), str):
                        contact[name] = params[key]
        if flow_id is None:
            if default_flow is None:
                raise Refused("the test case has no entry point: name its flow with --flow")
            flow_id = default_flow
        flow = self.name("flows", flow_id, self.program.flows)
        init = self.src.request.get("InitializationData")
        if init is not None:
            data = _json(init, "InitializationData")
            if not isinstance(data, dict) or set(data) - {"Attributes"}:
                raise Refused("InitializationData holds more than `Attributes`")
            attrs = data.get("Attributes") or {}
            if not isinstance(attrs, dict) or not all(isinstance(v, str) for v in attrs.values()):
                raise Refused("InitializationData `Attributes` must map names to text")
            if attrs:
                contact["attributes"] = attrs
        return flow, contact

    def ordered(self) -> list[dict[str, Any]]:
        """The observations in the one order they can match; parallel ones are refused."""
        observations = self.src.content["Observations"]
        by_id = {o["Identifier"]: o for o in observations}
        pointed = {
            n
            for o in observations
            for n in (o.get("Transitions") or {}).get("NextObservations", [])
        }
        roots = [o for o in observations if o["Identifier"] not in pointed]
        out: list[dict[str, Any]] = []
        if len(roots) != 1:
            raise Refused(
                f"{len(roots)} observations wait from the start; a scenario case has one order"
            )
        here: dict[str, Any] | None = roots[0]
        while here is not None:
            out.append(here)
            nexts = (here.get("Transitions") or {}).get("NextObservations", [])
            if len(nexts) > 1:
                raise Refused(
                    f"observation `{here['Identifier']}` is followed by {len(nexts)} observations "
                    "waiting together; a scenario case has one order"
                )
            here = (
                by_id[nexts[0]]
                if nexts and nexts[0] not in {o["Identifier"] for o in out}
                else None
            )
        if len(out) != len(observations):
            raise Refused("some observations are never reached from the first one")
        return out

    def observation(self, obs: dict[str, Any], flow: str) -> None:
        usage = obs.get("Usage")
        if usage is not None and not (
            str(usage.get("Type", "")).lower() == "exactly" and usage.get("Times", 1) == 1
        ):
            raise Refused(
                f"observation `{obs['Identifier']}`: Usage {usage.get('Type')} "
                f"{usage.get('Times', '')}: a scenario case states each event once"
            )
        ev = obs["Event"]
        kind = ev["Type"]
        actions = _linked(obs.get("Actions") or [])
        if kind == "TestInitiated":
            for action in actions:
                self.initial(action)
            return
        if kind == "MessageReceived":
            self.message(obs, ev, actions, flow)
            return
        if (
            kind == "FlowActionStarted"
            and ev["Properties"].get("ActionType") == "TransferContactToQueue"
        ):
            for action in actions:
                self.check(action, queue=True)
            return
        if kind == "TestCompleted":
            for action in actions:
                self.check(action)
            return
        what = ev["Properties"].get("ActionType") or ""
        raise Refused(
            f"observation `{obs['Identifier']}`: a {kind} {what} event has no scenario equivalent"
        )

    def initial(self, action: dict[str, Any]) -> None:
        if action["Type"] != "OverrideSystemBehavior":
            self.check(action)
            return
        props = action["Parameters"]["Behavior"]["Properties"]
        atype = props["ActionType"]
        strategy = props["Strategy"]
        if strategy["Type"] != "MockResponse":
            raise Refused(f"a substituted {atype} resource has no scenario equivalent")
        response = strategy["Response"]
        params = props.get("ActionParameters") or {}
        error = response["Error"]["Value"] if response["Type"] == "Error" else None
        inst = self.project.instance
        if atype == "InvokeLambdaFunction":
            fns = inst.lambda_functions if inst is not None else {}
            fn = self.name("lambda-functions", params.get("LambdaFunctionARN"), fns)
            calls = self.lambdas.setdefault(fn, {})
            call = str(len(calls) + 1)
            if error is not None:
                named = (self.meta.get("lambda-errors") or {}).get(fn, {}).get(call)
                word = "Timeout" if error == "TimeLimitExceeded" else error
                calls[call] = {"error": named if isinstance(named, str) else word}
                return
            data = _json(response["ExecutionResult"].get("LoadedData", "{}"), "LoadedData")
            if not isinstance(data, dict) or any(isinstance(v, dict | list) for v in data.values()):
                raise Refused(
                    f"Lambda `{fn}` returns nested data; flowrt's Lambda answers are flat"
                )
            calls[call] = {"returns": data}
        elif atype == "CheckHoursOfOperation":
            hours_known = inst.hours_of_operation if inst is not None else {}
            hours = self.name("hours-of-operation", params.get("HoursOfOperationId"), hours_known)
            if error is not None:
                self.errors.append(self.block("check-hours-of-operation", "hours", hours))
            else:
                self.hours.append((hours, response["ExecutionResult"]["Value"]))
        elif atype == "TransferContactToQueue":
            queues = inst.queues if inst is not None else {}
            queue = self.name("queues", params.get("QueueId"), queues)
            if error == "QueueAtCapacity":
                spec = inst.queues.get(queue) if inst is not None else None
                limit = spec.max_contacts if spec is not None and spec.max_contacts else None
                if limit is None:
                    limit = inst.max_concurrent_contacts if inst is not None else 0
                self.queues[queue] = {"contacts-in-queue": limit}
            else:
                self.errors.append(self.block("transfer-to-queue", None, None))
        else:
            raise Refused(
                f"a {atype} override has no scenario equivalent (flowrt has no such block)"
            )

    def block(self, kind: str, key: str | None, value: str | None) -> str:
        """The one block of type `kind` (naming `value`) that a failure mock makes fail."""
        found = [
            n.name
            for f in self.program.flows.values()
            for n in f.nodes
            if n.type == kind and (key is None or getattr(n.block, key, None) == value)
        ]
        if len(set(found)) != 1:
            raise Refused(
                f"a failing {kind} mock: {len(set(found))} blocks could be the one that fails"
            )
        return found[0]

    def message(
        self, obs: dict[str, Any], ev: dict[str, Any], actions: list[dict[str, Any]], flow: str
    ) -> None:
        props = ev["Properties"]
        text = props.get("Text")
        if not isinstance(text, str):
            raise Refused(
                f"observation `{obs['Identifier']}`: a message matched by SSML, prompt or media "
                "has no scenario equivalent (prompts are matched by their text)"
            )
        matching = tc.read_matching(ev)
        if matching is None:
            raise Refused(f"observation `{obs['Identifier']}` gives no MatchingCriteria")
        if obs["Identifier"] not in (self.meta.get("input-only") or []):
            self.prompts.append(text if matching == "Similarity" else {"text-contains": text})
        for action in actions:
            if action["Type"] == "SendInstruction":
                self.send(action, text, matching)
            else:
                self.check(action)

    def send(self, action: dict[str, Any], text: str, matching: str) -> None:
        instruction = action["Parameters"]["Instruction"]
        itype = instruction["Type"]
        if itype == "Disconnect":
            raise Refused("the customer disconnecting has no scenario equivalent")
        value = instruction.get("Properties", {}).get("Value" if itype == "DtmfInput" else "Text")
        if not isinstance(value, str | int):
            raise Refused(f"a {itype} without a value")
        asks = set()
        for f in self.program.flows.values():
            for n in f.nodes:
                said = getattr(n.block, "text", None)
                if n.type != "get-customer-input" or not isinstance(said, str):
                    continue
                if said == text if matching == "Similarity" else text in said:
                    asks.add(n.name)
        if len(asks) != 1:
            raise Refused(
                f"input after {text!r}: {len(asks)} get-customer-input blocks play that prompt"
            )
        self.inputs.setdefault(asks.pop(), []).append(str(value))

    def check(self, action: dict[str, Any], queue: bool = False) -> None:
        kind = action["Type"]
        if kind == "TestControl" and action["Parameters"]["Command"]["Type"] == "EndTest":
            return
        if kind != "Assert":
            raise Refused(
                f"action `{action['Identifier']}` ({kind}) has no scenario equivalent here"
            )
        p = action["Parameters"]
        namespace, op = p["Namespace"], _OPERATORS[p["Operator"]]
        if queue and namespace == "$.Queue.Name" and op == "equals":
            self.queued = self.name(
                "queues",
                p["Operand"],
                self.project.instance.queues if self.project.instance else {},
            )
            return
        if not namespace.startswith("$.Attributes.") or namespace.count(".") != 2:
            raise Refused(
                f"an Assert on {namespace}: scenario cases assert attributes ($.Attributes.<key>)"
            )
        key = namespace.removeprefix("$.Attributes.")
        operand: Any = True if op == "exists" else p["Operand"]
        if op.startswith("number-"):
            try:
                operand = float(operand) if "." in operand else int(operand)
            except ValueError as exc:
                raise Refused(f"Assert {p['Operator']} on {namespace}: not a number") from exc
        old = self.attributes.get(key)
        if old is None:
            self.attributes[key] = operand if op == "equals" else {op: operand}
        else:
            merged = dict(old) if isinstance(old, dict) else {"equals": old}
            merged[op] = operand
            self.attributes[key] = merged

    def clock(self, flow: str, contact: dict[str, Any], world: dict[str, Any]) -> str:
        """A clock at which every hours check answers as the mocks say."""
        wanted = [("in-hours" if v == "InHours" else "out-of-hours") for _, v in self.hours]
        hint = self.meta.get("clock")
        candidates = [hint] if isinstance(hint, str) else []
        candidates += [
            (_WEEK + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ") for h in range(168)
        ]
        for clock in candidates:
            result = self.program.run(contact, {**world, "clock": clock}, flow=flow)
            got = [
                b
                for _, node, b, _, _ in result.trace.records
                if node.type == "check-hours-of-operation" and b != "error"
            ]
            if got == wanted:
                return clock
        raise Refused(
            "no time of the week gives the hours answers the test mocks "
            f"({', '.join(v for _, v in self.hours)})"
        )


def _linked(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Actions in the order their NextAction links run them (document order when unlinked)."""
    by_id = {a["Identifier"]: a for a in actions}
    targets = {(a.get("Transitions") or {}).get("NextAction") for a in actions}
    starts = [a for a in actions if a["Identifier"] not in targets]
    out: list[dict[str, Any]] = []
    for start in starts:
        here: dict[str, Any] | None = start
        while here is not None and here not in out:
            out.append(here)
            nxt = (here.get("Transitions") or {}).get("NextAction")
            here = by_id.get(nxt) if isinstance(nxt, str) else None
    return out + [a for a in actions if a not in out]


def _json(value: Any, what: str) -> Any:
    if not isinstance(value, str):
        raise Refused(f"`{what}` must be a JSON string")
    try:
        return jsonread.loads(value)
    except jsonread.JsonProblem as exc:
        raise Refused(f"`{what}` is not JSON: {exc.message}") from exc


# ---------------------------------------------------------------------------------------------
# files


def find_testcase_files(paths: Sequence[str]) -> list[Path]:
    """The test case files under `paths` (directories searched for *.json)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not path_exists(p):
            continue
        files = sorted(f for f in p.rglob("*.json") if f.is_file()) if p.is_dir() else [p]
        out.extend(f for f in files if tc.is_testcase_file(f))
    return out


def import_tests(
    files: Sequence[Path],
    out_dir: str,
    *,
    env: Environment = EMPTY,
    force: bool = False,
    flow: str | None = None,
) -> tuple[list[Diagnostic], list[Path], list[CaseImport]]:
    """Import test case files as scenario cases into the project at `out_dir`."""
    from flowrt.project.driver import load_project, project_root

    if not files:
        return [], [], []
    out = Path(out_dir)
    root = project_root(out) if out.is_dir() else None
    if root is None:
        why = Diagnostic.make(
            "FR453",
            f"{out_dir} is not in a flowrt project: test cases are imported beside the flows "
            "they run",
            None,
            "import the flows first, or pass the project directory with -o",
        )
        return [why], [], []
    project = load_project(root)
    program = project.compile(strict=False)
    flow_ids = {n: u.flow.id for n, u in project.flows.items() if u.flow.id}
    mapping = with_fallback(env, instance_environment(project.instance, flow_ids))
    diags: list[Diagnostic] = []
    imported: list[CaseImport] = []
    files_out: dict[str, dict[str, Any]] = {}
    for f in files:
        src, found = tc.read_testcase(f)
        diags.extend(found)
        item = CaseImport(str(f))
        imported.append(item)
        if src is None:
            item.reasons = [d.message for d in found]
            continue
        reader = _Reader(src, project, program, mapping)
        try:
            data = reader.case(flow)
        except Refused as exc:
            item.reasons = [str(exc)]
            diags.append(
                Diagnostic.make(
                    "FR453",
                    f"test case {src.stem} has no scenario equivalent: {exc}",
                    Span(src.file, 1, 1, 1, 2),
                    "see docs/connect.md, section Running the same cases in Amazon Connect",
                )
            )
            continue
        stem = str(reader.meta.get("scenario-file") or src.stem)
        name = str(reader.meta.get("case") or src.request.get("Name") or src.stem)
        scenario = str(reader.meta.get("scenario") or stem)
        doc = files_out.setdefault(stem, {"scenario": scenario, "cases": {}})
        base, n = name, 1
        while name in doc["cases"]:
            n += 1
            name = f"{base}-{n}"
        doc["cases"][name] = data
        item.data, item.case, item.scenario = data, name, scenario
        item.scenario_file = str(out / f"{stem}{SCENARIO_SUFFIX}")
    written: list[Path] = []
    for stem, doc in files_out.items():
        target = out / f"{stem}{SCENARIO_SUFFIX}"
        text = yaml_document(doc, "Imported from Amazon Connect test cases by `flowrt import`.")
        problem = write_atomic(target, text, force, None)
        if problem:
            diags.append(problem)
            for item in imported:
                if item.scenario_file == str(target):
                    item.scenario_file = None
        else:
            written.append(target)
    return diags, written, imported

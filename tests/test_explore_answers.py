"""flowrt explore on the world's block answers: call progress, Voice ID, the percentage draw,
waits (in a chat and in a customer queue) and a callback number are choice points, the written
cases take their paths under `flowrt test`, and no block type falls back to FR702."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from flowrt.cli import main
from flowrt.explore.explorer import Options, Report, explore
from flowrt.lang.blocks import BLOCKS
from flowrt.project.driver import load_project

ROOT = Path(__file__).parent.parent
INSTANCE = """\
instance: test
hours-of-operation:
  Office:
    time-zone: UTC
    days: {monday: "09:00-17:00"}
queues:
  Basic: {max-contacts: 10, hours: Office}
lambda-functions:
  lookup: {}
"""
PROGRESS = """\
flow: progress
type: contact
start: status
blocks:
  status:
    type: check-outbound-call-status
    next: {call-answered: talk, voicemail-beep: message, voicemail-no-beep: bye, not-detected: talk, error: bye}
  talk: {type: disconnect}
  message: {type: disconnect}
  bye: {type: disconnect}
"""
SPLIT = """\
flow: split
type: contact
start: draw
blocks:
  draw:
    type: distribute-by-percentage
    conditions:
      - number-less-than: 31
        next: a
      - number-less-than: 70.5
        next: b
    next: c
  a: {type: disconnect}
  b: {type: disconnect}
  c: {type: disconnect}
"""
VOICE = """\
flow: voice
type: contact
start: check
blocks:
  check:
    type: check-voice-id
    option: voiceAuthentication
    conditions:
      - equals: Authenticated
        next: known
      - equals: Not authenticated
        next: stranger
    next: bye
  known: {type: disconnect}
  stranger: {type: disconnect}
  bye: {type: disconnect}
"""
CHAT = """\
flow: chat
type: contact
start: pause
blocks:
  pause:
    type: wait
    timeout-seconds: 300
    events: [CustomerReturned]
    next: {completed: gone, customer-returned: back, error: voice}
  gone: {type: disconnect}
  back: {type: disconnect}
  voice: {type: disconnect}
"""
HOLD = """\
flow: hold
type: customer-queue
start: pause
blocks:
  pause:
    type: wait
    timeout-seconds: 60
    next: {completed: done, error: done}
  done: {type: end-flow}
"""
CALLBACK = """\
flow: callback
type: contact
start: number
blocks:
  number:
    type: set-callback-number
    callback-number: $.Attributes.callbackNumber
    next: {success: ok, invalid-number: invalid, not-dialable: failed}
  ok: {type: disconnect}
  invalid: {type: disconnect}
  failed: {type: disconnect}
"""


def project(tmp_path: Path, *, instance: str = INSTANCE, **flows: str) -> Path:
    (tmp_path / "instance.yaml").write_text(instance, encoding="utf-8")
    for name, text in flows.items():
        (tmp_path / f"{name}.flow.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def run(root: Path, **options: Any) -> Report:
    proj = load_project(root)
    program = proj.compile()
    return explore(program, sorted(program.flows), Options(**options), proj)


def answer(report: Report, branch: tuple[str, str, str], key: tuple[object, ...]) -> object:
    return dict(report.best[branch].answers)[key]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, dict[str, Any], str]:
    """The six flows explored, their cases written, pinned and run with --coverage."""
    flows = {
        "progress": PROGRESS,
        "split": SPLIT,
        "voice": VOICE,
        "chat": CHAT,
        "hold": HOLD,
        "callback": CALLBACK,
    }
    root = project(tmp_path_factory.mktemp("answers"), **flows)
    report = run(root)
    target = root / "explored.scenario.yaml"
    assert main(["explore", str(root), "--write-cases", str(target)]) == 0
    cases = YAML(typ="safe").load(target.read_text(encoding="utf-8"))["cases"]
    assert main(["test", str(root), "--update"]) == 0
    shutil.rmtree(root / "__pycache__", ignore_errors=True)
    return report, cases, str(root)


def test_every_branch_reached_and_nothing_unmodelled(
    written: tuple[Report, dict[str, Any], str],
) -> None:
    report, _, _ = written
    assert report.unmodelled == []
    assert report.unreachable == []
    assert [d.code for d in report.diagnostics] == []
    assert len(report.reachable) == 19


@pytest.mark.parametrize(
    ("branch", "status"),
    [
        ("call-answered", "CallAnswered"),
        ("voicemail-beep", "VoicemailBeep"),
        ("voicemail-no-beep", "VoicemailNoBeep"),
        ("not-detected", "NotDetected"),
    ],
)
def test_each_call_status(
    written: tuple[Report, dict[str, Any], str], branch: str, status: str
) -> None:
    report, cases, _ = written
    assert answer(report, ("progress", "status", branch), ("call-status",)) == status
    assert cases[f"progress-status-{branch}"]["world"] == {"outbound-call-status": status}


def test_call_progress_error_is_the_blocks_failure(
    written: tuple[Report, dict[str, Any], str],
) -> None:
    _, cases, _ = written
    assert cases["progress-status-error"] == {
        "description": "status fails (takes status error)",
        "flow": "progress",
        "world": {"errors": ["status"]},
    }


@pytest.mark.parametrize(
    ("branch", "draw"), [("condition-1", 1), ("condition-2", 31), ("no-match", 71)]
)
def test_one_draw_per_range_the_bounds_cut(
    written: tuple[Report, dict[str, Any], str], branch: str, draw: int
) -> None:
    report, cases, _ = written
    # 70.5: the draws below it are 1-70, so 71 is the first that falls to no-match.
    assert answer(report, ("split", "draw", branch), ("percentage-draw",)) == draw
    assert cases[f"split-draw-{branch}"] == {
        "description": f"draws {draw} of 100 (takes draw {branch})",
        "flow": "split",
        "world": {"percentage-draw": draw},
    }


def test_a_last_bound_of_101_leaves_no_match_unreachable(tmp_path: Path) -> None:
    report = run(project(tmp_path, split=SPLIT.replace("70.5", "101")))
    assert [(u.block, u.branch) for u in report.unreachable] == [("draw", "no-match")]
    (diag,) = report.diagnostics
    assert (diag.code, diag.message) == (
        "FR700",
        "branch `no-match` of block `draw` (split) -> c: no world reaches it",
    )
    assert (diag.span.line, diag.span.column) == (12, 11)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("branch", "result"),
    [
        ("condition-1", "Authenticated"),
        ("condition-2", "Not authenticated"),
        ("error", "Inconclusive"),  # the first documented result no condition tests
    ],
)
def test_each_voice_id_result_tested_and_one_not(
    written: tuple[Report, dict[str, Any], str], branch: str, result: str
) -> None:
    report, cases, _ = written
    assert answer(report, ("voice", "check", branch), ("voice-id", "voiceAuthentication")) == (
        result
    )
    assert cases[f"voice-check-{branch}"] == {
        "description": f"Voice ID authentication {result} (takes check {branch})",
        "flow": "voice",
        "world": {"voice-id": {"voice-authentication": result}},
    }


def test_waits_end_each_way_on_a_chat_contact(
    written: tuple[Report, dict[str, Any], str],
) -> None:
    _, cases, _ = written
    assert cases["chat-pause-completed"] == {
        "description": "CHAT contact, pause runs out (takes pause completed)",
        "flow": "chat",
        "contact": {"channel": "CHAT"},
        "world": {"wait-events": {"pause": "WaitCompleted"}},
    }
    assert cases["chat-pause-customer-returned"] == {
        "description": "CHAT contact, the customer returns during pause (takes pause "
        "customer-returned)",
        "flow": "chat",
        "contact": {"channel": "CHAT"},
        "world": {"wait-events": {"pause": "CustomerReturned"}},
    }
    # Wait is chat only: the default voice contact takes error.
    assert cases["chat-pause-error"] == {
        "description": "the default world (takes pause error)",
        "flow": "chat",
    }


def test_a_wait_in_queue_ends_when_an_agent_answers(tmp_path: Path) -> None:
    report = run(project(tmp_path, hold=HOLD), keep_paths=True)
    (fr,) = report.flows
    ends = sorted(
        (
            p.end,
            [s[1:] for s in p.steps],
            dict(p.answers).get(("queue", "queue", "Basic", "answer_after")),
        )
        for p in fr.paths
        if p.answers[0][1] == "CHAT"
    )
    assert ends == [
        ("ended", [("pause", "completed"), ("done", "")], None),
        ("queued", [("pause", "")], 0),  # an agent answers within the wait
        ("queued", [("pause", "completed"), ("done", "")], None),
    ]


def test_a_callback_number_valid_invalid_or_not_dialable(
    written: tuple[Report, dict[str, Any], str],
) -> None:
    _, cases, _ = written
    assert cases["callback-number-success"] == {
        "description": "callbackNumber +15555550123 (takes number success)",
        "flow": "callback",
        "contact": {"attributes": {"callbackNumber": "+15555550123"}},
    }
    assert cases["callback-number-invalid-number"] == {
        "description": "no callbackNumber (takes number invalid-number)",
        "flow": "callback",
    }
    assert cases["callback-number-not-dialable"] == {
        "description": "callbackNumber +15555550123, +15555550123 cannot be dialled (takes "
        "number not-dialable)",
        "flow": "callback",
        "contact": {"attributes": {"callbackNumber": "+15555550123"}},
        "world": {"external": {"+15555550123": ["call-failed"]}},
    }


def test_written_cases_take_every_branch_under_flowrt_test(
    written: tuple[Report, dict[str, Any], str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, cases, root = written
    capsys.readouterr()
    assert main(["test", root, "--coverage"]) == 0
    out = capsys.readouterr().out
    assert f"{len(cases)} passed, 0 failed" in out
    assert "total: blocks 22/22, branches 19/19 (100.0%)" in out


#: A small block of each type (its parameters; every branch goes to a disconnect) and the flow
#: type it is explored in.  A block type added to BLOCKS needs a sample here, and then explore
#: must answer what its step asks the world.
SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "transfer-to-queue": ("contact", {"queue": "Basic"}),
    "set-working-queue": ("contact", {"queue": "Basic"}),
    "transfer-to-phone-number": (
        "contact",
        {"phone-number": "+18005550100", "resume-after-disconnect": True},
    ),
    "transfer-to-flow": ("contact", {"flow": "target"}),
    "disconnect": ("contact", {}),
    "end-flow": ("contact", {}),
    "check-contact-attributes": (
        "contact",
        {"attribute": "$.Attributes.tier", "conditions": [{"equals": "gold", "next": "bye"}]},
    ),
    "check-hours-of-operation": ("contact", {"hours": "Office"}),
    "check-queue-status": (
        "contact",
        {
            "queue": "Basic",
            "metric": "contacts-in-queue",
            "conditions": [{"number-less-than": 5, "next": "bye"}],
        },
    ),
    "check-staffing": ("contact", {"queue": "Basic", "status": "available"}),
    "get-queue-metrics": ("contact", {"queue": "Basic"}),
    "set-contact-attributes": ("contact", {"attributes": {"tier": "gold"}}),
    "play-prompt": ("contact", {"text": "Hello."}),
    "send-message": ("contact", {"text": "Hello."}),
    "loop-prompts": ("customer-queue", {"prompts": [{"text": "Wait."}], "interrupt-seconds": 60}),
    "get-customer-input": (
        "contact",
        {"text": "Press 1.", "conditions": [{"equals": "1", "next": "bye"}]},
    ),
    "invoke-lambda": ("contact", {"function": "lookup"}),
    "outbound-email-policy": ("outbound-email", {"allowed-domains": ["example.com"]}),
    "set-logging-behavior": ("contact", {"flow-logging": "Enabled"}),
    "set-recording-behavior": ("contact", {"recorded-participants": ["Agent"]}),
    "set-voice": ("contact", {"voice": "Joanna"}),
    "set-media-streaming": (
        "contact",
        {
            "streaming": "Enabled",
            "participants": [{"ParticipantType": "Customer", "MediaDirections": ["From"]}],
            "media-type": "Audio",
        },
    ),
    "set-event-hook": ("contact", {"customer-queue": "target"}),
    "tag-contact": ("contact", {"tags": {"Department": "Billing"}}),
    "set-contact-data": ("contact", {"language-code": "en-US"}),
    "set-callback-number": ("contact", {"callback-number": "$.Attributes.callbackNumber"}),
    "set-routing-behavior": ("contact", {"queue-priority": 2}),
    "set-routing-criteria": (
        "contact",
        {
            "routing-criteria": {
                "Steps": [
                    {
                        "Expression": {
                            "AttributeCondition": {
                                "Name": "Language",
                                "Value": "English",
                                "ProficiencyLevel": "3",
                                "ComparisonOperator": "NumberGreaterOrEqualTo",
                            }
                        }
                    }
                ]
            }
        },
    ),
    "set-previous-participant-state": ("contact", {"state": "OffHold"}),
    "set-flow-attributes": ("contact", {"attributes": {"line": "callback"}}),
    "check-outbound-call-status": ("contact", {}),
    "distribute-by-percentage": (
        "contact",
        {"conditions": [{"number-less-than": 51, "next": "bye"}]},
    ),
    "check-voice-id": (
        "contact",
        {"option": "fraudDetection", "conditions": [{"equals": "High risk", "next": "bye"}]},
    ),
    "start-voice-id-stream": ("contact", {}),
    "wait": ("contact", {"timeout-seconds": 60, "events": ["CustomerReturned"]}),
    "complete-outbound-call": ("contact", {"caller-id-number": "+18005550100"}),
    "create-callback-contact": (
        "contact",
        {
            "queue": "Basic",
            "initial-delay-seconds": 60,
            "max-attempts": 2,
            "retry-delay-seconds": 60,
        },
    ),
    "transfer-to-agent": ("agent-transfer", {}),
    "lex-bot": (
        "contact",
        {
            "text": "How can I help?",
            "bot": "arn:aws:lex:us-east-1:123456789012:bot-alias/BOT/ALIAS",
            "conditions": [{"equals": "Billing", "next": "bye"}],
        },
    ),
    "show-view": (
        "contact",
        {"view": "form", "conditions": [{"equals": "Next", "next": "bye"}]},
    ),
    "loop": ("contact", {"count": 2}),
    "invoke-module": ("contact", {"module": "mod"}),
    "get-customer-profile": ("contact", {"phone-number": "$.CustomerEndpoint.Address"}),
    "create-customer-profile": ("contact", {"values": {"PhoneNumber": "+15555550100"}}),
    "update-customer-profile": ("contact", {"values": {"City": "Paris"}}),
    "connect-action": ("contact", {"action": "UpdateFlowLoggingBehavior"}),
}
EXTRA = {
    "target": "flow: target\ntype: contact\nstart: bye\nblocks:\n  bye: {type: disconnect}\n",
    "mod": "flow: mod\ntype: module\nstart: done\nblocks:\n  done: {type: end-flow}\n",
}
#: Set contact attributes on the related contact: the one variant of a block type whose world
#: answer (a related contact) only an email contact's request gives.
RELATED = """\
flow: related
type: contact
start: note
blocks:
  note:
    type: set-contact-attributes
    target-contact: related
    attributes: {followUp: "yes"}
    next: {success: done, error: failed}
  done: {type: disconnect}
  failed: {type: disconnect}
"""
#: The instance with an address an email contact can be sent to.
EMAIL_INSTANCE = INSTANCE + "email-addresses:\n  help@anycompany.example: {}\n"


def _sample_flow(kind: str, flow_type: str, params: dict[str, Any]) -> str:
    cls = BLOCKS[kind]
    block: dict[str, Any] = {"type": kind, **params}
    end = {"type": "disconnect"} if flow_type == "contact" else {"type": "end-flow"}
    if cls.BRANCHES:
        block["next"] = {b: "bye" for b in cls.BRANCHES}
    elif kind == "connect-action":
        block["next"] = {"success": "bye"}
    data = {
        "flow": f"s-{kind}",
        "type": flow_type,
        "start": "b",
        "blocks": {"b": block, "bye": end},
    }
    return json.dumps(data)


def test_no_block_type_falls_back_to_fr702(tmp_path: Path) -> None:
    assert set(SAMPLES) == set(BLOCKS)  # a new block type needs a sample (and explore answers)
    flows = {f"s-{k}": _sample_flow(k, t, p) for k, (t, p) in SAMPLES.items()}
    # And set-contact-attributes with `target-contact: related` (its world answer is a related
    # contact, which an email contact's request gives).
    flows["related"] = RELATED
    root = project(tmp_path, instance=EMAIL_INSTANCE, **flows, **EXTRA)
    proj = load_project(root)
    program = proj.compile()
    report = explore(program, sorted(flows), Options(max_runs=2000), proj)
    explored = {program.flows[f.flow].nodes[0].type for f in report.flows}
    assert explored == set(BLOCKS)
    assert report.unmodelled == []
    assert [d for d in report.diagnostics if d.code == "FR702"] == []
    related = {b: report.best[b] for b in report.reachable if b[0] == "related"}
    assert sorted(related) == [("related", "note", "error"), ("related", "note", "success")]
    assert all(p.forced == () for p in related.values())


# ---------------------------------------------------------------------------------------------
# a related contact (set-contact-attributes with target-contact: related)


def test_related_contact_is_an_email_request_and_the_cases_take_both_branches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, instance=EMAIL_INSTANCE, related=RELATED)
    report = run(root)
    assert report.unmodelled == []
    assert report.unreachable == []
    # A voice contact has no related contact: no question, and `error`.
    assert dict(report.best[("related", "note", "error")].answers) == {
        ("channel",): "VOICE",
        ("fault", "note"): False,
    }
    success = report.best[("related", "note", "success")]
    assert dict(success.answers)[("channel",)] == "EMAIL"
    assert dict(success.answers)[("related-contact",)] == (
        "explore-related-contact",
        "help@anycompany.example",
    )
    target = root / "explored.scenario.yaml"
    assert main(["explore", str(root), "--write-cases", str(target)]) == 0
    capsys.readouterr()
    cases = YAML(typ="safe").load(target.read_text(encoding="utf-8"))["cases"]
    assert cases == {
        "related-note-success": {
            "description": "EMAIL contact, related contact explore-related-contact "
            "(takes note success)",
            "contact": {
                "start-email-contact": {
                    "FromEmailAddress": {"EmailAddress": "customer@example.com"},
                    "DestinationEmailAddress": "help@anycompany.example",
                    "EmailMessage": {
                        "MessageSourceType": "RAW",
                        "RawMessage": {
                            "Subject": "Explored path",
                            "Body": "Written by flowrt explore.",
                            "ContentType": "text/plain",
                        },
                    },
                    "ContactFlowId": "related",
                    "RelatedContactId": "explore-related-contact",
                }
            },
            "world": {"contacts": {"explore-related-contact": {"attributes": {}}}},
        },
        "related-note-error": {
            "description": "the default world (takes note error)",
            "flow": "related",
        },
    }
    assert main(["test", str(root), "--update"]) == 0
    capsys.readouterr()
    assert main(["test", str(root), "--coverage"]) == 0
    out = capsys.readouterr().out
    assert "total: blocks 3/3, branches 2/2 (100.0%)" in out
    assert "2 passed, 0 failed" in out
    golden = (root / "__goldens__" / "explored" / "related-note-success.golden.yaml").read_text(
        encoding="utf-8"
    )
    assert "related contact explore-related-contact: attribute followUp = ''yes''" in golden


def test_related_contact_needs_an_address_of_the_instance(tmp_path: Path) -> None:
    # Without an email address, no StartEmailContact request can be sent: no contact has a
    # related contact, so Set contact attributes on it always takes `error`.
    report = run(project(tmp_path, related=RELATED))
    assert report.unmodelled == []
    assert [(u.block, u.branch, u.structural) for u in report.unreachable] == [
        ("note", "success", False)
    ]
    assert [(d.code, d.message) for d in report.diagnostics] == [
        ("FR700", "branch `success` of block `note` (related) -> done: no world reaches it")
    ]


def test_related_contact_only_for_a_contact_flow(tmp_path: Path) -> None:
    # StartEmailContact starts a contact flow: a transfer flow's contact has no related contact.
    flow = RELATED.replace("flow: related\ntype: contact", "flow: related\ntype: queue-transfer")
    report = run(project(tmp_path, instance=EMAIL_INSTANCE, related=flow))
    assert [(u.block, u.branch) for u in report.unreachable] == [("note", "success")]

"""The email channel in scenario files: decisions with stated values, positioned diagnostics.

Seeds: 000 (forwarding, transfers), 001 (aliases), 003 ("From" addresses), 004 (StartEmailContact).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli.run import run_project
from flowrt.core.diagnostics import render_text
from flowrt.email.result import EmailResult
from flowrt.project.driver import check_paths

FLOWS = Path(__file__).resolve().parent.parent / "flows"


@pytest.fixture(scope="module")
def runs() -> dict[str, EmailResult]:
    report = run_project(str(FLOWS))
    out = {}
    for r in report.results:
        if r.scenario == "email":
            assert isinstance(r.result, EmailResult), r.case
            out[r.case] = r.result
    return out


def actions(result: EmailResult) -> list[dict[str, Any]]:
    return list(result.email["actions"])


def test_alias_delivery(runs: dict[str, EmailResult]) -> None:
    contact = runs["to-alias"].email["contacts"][0]
    assert (contact["sent-to"], contact["delivered-to"]) == (
        "help@anycompany.example",
        "support@anycompany.example",
    )
    assert contact["flow"] == "inbound-email"


def test_client_token_retry_runs_the_flow_once(runs: dict[str, EmailResult]) -> None:
    result = runs["client-token-retry"]
    assert len(result.email["contacts"]) == 1
    assert [s["block"] for s in result.trace.steps()].count("brand") == 1
    texts = [f["text"] for s in result.trace.steps() for f in s["facts"]]
    assert any("retried with ClientToken order-42-first-mail" in t for t in texts)


def test_related_contact(runs: dict[str, EmailResult]) -> None:
    contact = runs["related-contact"].email["contacts"][0]
    assert contact["related-contact-id"] == "thread-order-42"
    assert contact["attributes"]["orderId"] == "42"
    assert contact["attributes"]["vip"] == "false"


@pytest.mark.parametrize(
    ("case", "decision", "rule"),
    [
        ("forward-to-partner", "allowed", "allowed"),
        ("forward-two-to", "denied", "one-to-address"),
        ("forward-blocked-cc", "denied", "blocked-domains"),
        ("forward-not-allowed", "denied", "allowed-domains"),
        ("forward-needs-approval", "needs-approval", "approval-above"),
        ("forward-approved", "needs-approval", "approval-above"),
        ("forward-too-many", "denied", "max-recipients"),
        ("forward-without-permission", "denied", "permission"),
        ("forward-mail-loop", "denied", "mail-loop"),
        ("outbound-from-routing-profile", "allowed", "allowed"),
        ("outbound-outside-set", "denied", "from-address"),
    ],
)
def test_forward_decisions(
    runs: dict[str, EmailResult], case: str, decision: str, rule: str
) -> None:
    (forward,) = runs[case].decisions()
    assert (forward["decision"], forward["rule"]) == (decision, rule)
    # every forward, allowed or not, is noted on the contact record with recipients and reason
    notes = runs[case].email["contacts"][0]["notes"]
    assert len(notes) == 1 and forward["to"][0] in notes[0] and forward["reason"] in notes[0]


def test_blocked_cc_names_the_rule(runs: dict[str, EmailResult]) -> None:
    (forward,) = runs["forward-blocked-cc"].decisions()
    assert forward["reason"] == (
        "blocked-domains: pat.private@gmail.com (Cc) is in the blocked domain gmail.com"
    )
    assert forward["sent"] is False


def test_forward_keeps_the_contact_with_the_agent(runs: dict[str, EmailResult]) -> None:
    result = runs["forward-to-partner"]
    (forward,) = result.decisions()
    assert forward["sent"] is True and forward["thread"] == "carried"
    assert forward["attachments"] == ["order-42.pdf"]
    assert forward["record"].endswith("the contact stays with msantos")
    assert result.outcome.describe() == "queued in BasicQueue"


def test_approval(runs: dict[str, EmailResult]) -> None:
    assert runs["forward-needs-approval"].decisions()[0]["sent"] is False
    approved = runs["forward-approved"].decisions()[0]
    assert (approved["sent"], approved["approval"]) == (True, "approved by rkim")


def test_reply_from_addresses(runs: dict[str, EmailResult]) -> None:
    first, second = actions(runs["reply-from-second-brand"])
    assert (first["allowed"], first["sender"]) == (True, "support@anybrand.example")
    assert second["allowed"] is False
    assert second["reason"] == (
        'help@anycompany.example is not a "From" address of queue BasicQueue '
        "(support@anycompany.example, support@anybrand.example)"
    )


def test_transfer_moves_the_contact(runs: dict[str, EmailResult]) -> None:
    result = runs["transfer-to-premium"]
    transfer = actions(result)[-1]
    assert transfer["moved"] is True
    assert (
        result.outcome.describe()
        == "transferred to flow transfer-to-premium, then queued in Premium"
    )
    refused = actions(runs["transfer-to-phone"])[0]
    assert refused["moved"] is False
    assert refused["reason"] == "Tier2Pager calls a phone number; an email contact cannot go there"


# -- diagnostics ------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("scenarios"))
    return root


HEAD = """\
scenario: bad
contact:
  start-email-contact:
    FromEmailAddress: {EmailAddress: pat@customer.example}
    DestinationEmailAddress: support@anycompany.example
cases:
"""


def validate(root: Path, text: str, name: str = "bad.scenario.yaml") -> str:
    (root / name).write_text(text, encoding="utf-8")
    diags, _ = check_paths([str(root)])
    return render_text(diags)


def test_missing_subject_is_positioned(project: Path) -> None:
    text = HEAD + (
        "  c:\n"
        "    contact:\n"
        "      start-email-contact:\n"
        "        EmailMessage:\n"
        "          MessageSourceType: RAW\n"
        "          RawMessage: {Body: hi, ContentType: text/plain}\n"
    )
    out = validate(project, text)
    assert (
        "bad.scenario.yaml:12:11: error[FR200]: InvalidRequestException: Missing required "
        'parameter in EmailMessage.RawMessage: "Subject"' in out
    )
    assert "Traceback" not in out


BODY = (
    "  c:\n"
    "    contact:\n"
    "      start-email-contact:\n"
    "        EmailMessage:\n"
    "          MessageSourceType: RAW\n"
    "          RawMessage: {Subject: s, Body: b, ContentType: text/plain}\n"
)


def test_email_reference_at_creation(project: Path) -> None:
    out = validate(project, HEAD + BODY + "        References: {orig: {Type: EMAIL, Value: x}}\n")
    assert (
        "bad.scenario.yaml:13:35: error[FR200]: InvalidRequestException: reference `orig` "
        "has type EMAIL" in out
    )


def test_attribute_key_with_a_space(project: Path) -> None:
    out = validate(project, HEAD + BODY + "        Attributes: {order id: '42'}\n")
    assert (
        "bad.scenario.yaml:13:22: error[FR200]: InvalidRequestException: attribute key "
        "`order id` may only hold letters, digits, `-` and `_`" in out
    )


def test_attributes_over_32768_bytes(project: Path) -> None:
    out = validate(project, HEAD + BODY + f"        Attributes: {{k: {'x' * 32_768}}}\n")
    assert (
        "bad.scenario.yaml:13:9: error[FR200]: InvalidRequestException: Attributes take "
        "32,769 UTF-8 bytes; at most 32,768 are allowed across all key-value pairs" in out
    )


def test_client_token_reused_with_another_request(project: Path) -> None:
    text = (
        "scenario: bad\ncases:\n  c:\n    contact:\n      start-email-contact:\n"
        "        - {ClientToken: t, FromEmailAddress: {EmailAddress: a@b.example}, "
        "DestinationEmailAddress: support@anycompany.example, EmailMessage: {MessageSourceType: "
        "RAW, RawMessage: {Subject: s, Body: b, ContentType: text/plain}}}\n"
        "        - {ClientToken: t, FromEmailAddress: {EmailAddress: a@b.example}, "
        "DestinationEmailAddress: support@anybrand.example, EmailMessage: {MessageSourceType: "
        "RAW, RawMessage: {Subject: s, Body: b, ContentType: text/plain}}}\n"
    )
    out = validate(project, text)
    assert (
        "error[FR202]: IdempotencyException: ClientToken `t` was already used with a "
        "different StartEmailContact request" in out
    )
    assert "bad.scenario.yaml:7:25:" in out


def test_conflicts_and_unknown_names(project: Path) -> None:
    text = (
        HEAD
        + BODY
        + (
            "        DestinationEmailAddress: nobody@anycompany.example\n"
            "    flow: inbound-support\n"
            "    world:\n"
            "      agent-actions:\n"
            "        - forward: {agent: msanto, to: [a@partner-logistics.example]}\n"
            "        - transfer: {agent: msantos, quick-connect: Premium}\n"
        )
    )
    out = validate(project, text)
    assert (
        "error[FR201]: ResourceNotFoundException: DestinationEmailAddress "
        "`nobody@anycompany.example` is not an email address of the instance" in out
    )
    assert "bad.scenario.yaml:14:11: error[FR203]: an email case runs the flow" in out
    assert "error[FR204]: unknown user `msanto` (did you mean `msantos`?)" in out
    assert "error[FR204]: unknown quick connect `Premium`" in out


def test_mail_loop_is_a_diagnostic(project: Path) -> None:
    (project / "sender.flow.yaml").write_text(
        "flow: notify\ntype: module\nstart: tell\nblocks:\n"
        "  tell: {type: send-message, text: forwarded, next: done}\n"
        "  done: {type: end-flow}\n",
        encoding="utf-8",
    )
    (project / "loop.flow.yaml").write_text(
        "flow: loop\ntype: outbound-email\nstart: send\nblocks:\n"
        "  send:\n    type: connect-action\n    action: StartOutboundEmailContact\n"
        "    next: module\n"
        "  module:\n    type: connect-action\n    action: InvokeFlowModule\n"
        "    parameters: {FlowModuleId: notify}\n    next: done\n"
        "  done: {type: end-flow}\n",
        encoding="utf-8",
    )
    out = validate(
        project, "scenario: ok\nflow: inbound-email\ncases: {c: {}}\n", "ok.scenario.yaml"
    )
    assert (
        "loop.flow.yaml:5:3: error[FR206]: mail loop: block `send` (connect-action) of "
        "outbound email flow `loop` runs the Amazon Connect action StartOutboundEmailContact, "
        "which sends email" in out
    )
    assert "runs flow notify, whose block `tell` sends a message" in out


def test_default_outbound_flow_must_be_outbound_email(project: Path) -> None:
    inst = project / "instance.yaml"
    inst.write_text(
        inst.read_text().replace(
            "default-outbound-flow: default-outbound", "default-outbound-flow: inbound-email"
        )
    )
    out = validate(
        project, "scenario: ok\nflow: inbound-email\ncases: {c: {}}\n", "ok.scenario.yaml"
    )
    assert "error[FR205]: default-outbound-flow: `inbound-email` is a contact flow" in out

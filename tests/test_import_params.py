"""Issue 15, points 2 and 3: Connect parameters of modelled types, simulated; no silent demotion.

The import/export tables of each parameter are in tests/test_connect_mapping.py (CASES:
`UpdateContactAttributes/Related`, `InvokeLambdaFunction/JSON`, `.../ASYNCHRONOUS`,
`GetParticipantInput/StoreInput`, `.../PhoneNumber`, `TransferToFlow/placeholder`); here each
parameter changes what a run does, and import says what it kept as a pass-through (FR430).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.connect.importer import import_paths
from flowrt.lang.input_rules import ENCRYPTED, InputRules, stored_input
from flowrt.project.driver import check_paths, load_project
from flowrt.run.world import PreparedContact

DTMF0 = (
    Path(__file__).resolve().parent
    / "data"
    / "connect-flows"
    / "amazon-connect-experience-builder"
    / "contact-flow-dtmf0.content.json"
)


def _project(root: Path, flow: str, instance: str = "instance: t\n") -> Path:
    (root / "instance.yaml").write_text(instance, encoding="utf-8")
    (root / "f.flow.yaml").write_text(flow, encoding="utf-8")
    return root


def _run(root: Path, contact: Any, world: dict[str, Any] | None = None) -> Any:
    return load_project(root).compile().run(contact, world or {}, flow="f")


def _path(result: Any) -> list[str]:
    return [f"{block}:{branch}" for block, branch in result.branches()]


def _set(result: Any, key: str) -> str | None:
    """The value the run last set for attribute `key` (its `set` facts)."""
    values = [
        f["new"]
        for step in result.trace.steps()
        for f in step["facts"]
        if f["kind"] == "set" and f["key"] == key
    ]
    return values[-1] if values else None


def _messages(result: Any, step: int) -> list[str]:
    return [f["message"] for f in result.trace.steps()[step]["facts"] if "message" in f]


# -- Store customer input (GetParticipantInput with StoreInput "True") -------------------------


@pytest.mark.parametrize(
    ("rules", "keys", "expected"),
    [
        (InputRules(max_length=4), "", ("Timeout", None)),  # nothing entered: Success, Timeout
        (InputRules(max_length=4), "123456", ("1234", None)),  # at most MaximumLength digits
        (InputRules(max_length=9), "12#34", ("12", None)),  # `#` ends the input by default
        (InputRules(max_length=9, termination="**"), "12**34", ("12", None)),
        (InputRules(max_length=9), "12*34", ("34", None)),  # `*` cancels what came before
        (InputRules(max_length=9, disable_cancel_key=True), "12*34", ("12*34", None)),
        (InputRules(max_length=9, encrypted=True), "4111", (ENCRYPTED, None)),  # opaque
        (InputRules(phone_format="local", country="US"), "2065550100", ("+12065550100", None)),
        (
            InputRules(phone_format="local", country="US"),
            "55501",
            ("55501", "'55501' is not a local US phone number (10 digits)"),
        ),
        (InputRules(phone_format="e164"), "442071234567", ("+442071234567", None)),
        (InputRules(phone_format="e164"), "0123", ("0123", "'0123' is not an E.164 phone number")),
    ],
)
def test_what_store_customer_input_keeps(
    rules: InputRules, keys: str, expected: tuple[str, str | None]
) -> None:
    assert stored_input(rules, keys) == expected


STORE = """flow: f
type: contact
start: ask
blocks:
  ask:
    type: get-customer-input
    text: Your number?
    store-input: true
    phone-number: {format: local, country-code: US}
    next: {success: keep, invalid-number: bad, error: bad}
  keep:
    type: set-contact-attributes
    attributes: {callback: $.StoredCustomerInput}
    next: done
  bad: {type: disconnect}
  done: {type: end-flow}
"""


def test_stored_input_is_read_as_stored_customer_input(tmp_path: Path) -> None:
    root = _project(tmp_path, STORE)
    assert [d.code for d in check_paths([str(root)])[0]] == []
    ok = _run(root, {}, {"input": {"ask": ["2065550100#"]}})
    assert _path(ok) == ["ask:success", "keep:success", "done:-"]
    assert _set(ok, "callback") == "+12065550100"
    bad = _run(root, {}, {"input": {"ask": ["555"]}})
    assert _path(bad) == ["ask:invalid-number", "bad:-"]
    assert _messages(bad, 0)[-1] == (
        "the input '555' is not a local US phone number (10 digits): nothing was stored"
    )
    chat = _run(root, {"channel": "CHAT"}, {"input": {"ask": ["2065550100"]}})
    assert _path(chat) == ["ask:error", "bad:-"]


def test_store_input_options_connect_refuses_are_fr431(tmp_path: Path) -> None:
    flow = STORE.replace(
        "    phone-number: {format: local, country-code: US}\n",
        "    phone-number: {format: local}\n    max-length: 4\n",
    )
    diags, _ = check_paths([str(_project(tmp_path, flow))])
    assert [(d.code, d.message, d.span.line if d.span else 0) for d in diags] == [
        (
            "FR431",
            "block `ask` (get-customer-input): `max-length` and `phone-number` cannot both be "
            "given",
            9,
        ),
        (
            "FR431",
            "block `ask` (get-customer-input): a `local` phone number needs `country-code`",
            9,
        ),
    ]


# -- invoke-lambda: ResponseValidation and InvocationType -------------------------------------

LAMBDA = """flow: f
type: contact
start: call
blocks:
  call:
    type: invoke-lambda
    function: fn
    timeout-seconds: 8
{extra}    next: {{success: keep, error: failed}}
  keep:
    type: set-contact-attributes
    attributes: {{tier: $.External.customer.tier}}
    next: done
  failed: {{type: disconnect}}
  done: {{type: end-flow}}
"""
NESTED = {"lambdas": {"fn": {"1": {"returns": {"customer": {"tier": "gold"}}}}}}


def test_a_json_response_is_read_with_nested_keys(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        LAMBDA.format(extra="    response-type: json\n"),
        "instance: t\nlambda-functions:\n  fn: {}\n",
    )
    r = _run(root, {}, NESTED)
    assert _path(r) == ["call:success", "keep:success", "done:-"]
    assert _set(r, "tier") == "gold"


def test_a_string_map_response_must_be_flat(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        LAMBDA.format(extra="    response-type: string-map\n"),
        "instance: t\nlambda-functions:\n  fn: {}\n",
    )
    r = _run(root, {}, NESTED)
    assert _path(r) == ["call:error", "failed:-"]
    assert _messages(r, 0)[-1] == (
        "`fn` returned nested JSON (customer.tier), but its response validation is STRING_MAP "
        "(a flat map of text): use `response-type: json`"
    )


def test_an_asynchronous_call_leaves_external_unchanged(tmp_path: Path) -> None:
    flow = LAMBDA.format(extra="    invocation: asynchronous\n").replace(
        "timeout-seconds: 8", "timeout-seconds: 60"
    )
    root = _project(tmp_path, flow, "instance: t\nlambda-functions:\n  fn: {}\n")
    assert [d.code for d in check_paths([str(root)])[0]] == []
    r = _run(root, {}, NESTED)
    assert _path(r) == ["call:success", "keep:success", "done:-"]
    assert _set(r, "tier") == ""  # no response was waited for
    assert "invoked asynchronously" in _messages(r, 0)[-1]


def test_a_synchronous_call_waits_at_most_8_seconds(tmp_path: Path) -> None:
    flow = LAMBDA.format(extra="").replace("timeout-seconds: 8", "timeout-seconds: 60")
    diags, _ = check_paths(
        [str(_project(tmp_path, flow, "instance: t\nlambda-functions:\n  fn: {}\n"))]
    )
    assert [(d.code, d.message) for d in diags] == [
        ("FR041", "block `call` (invoke-lambda): `timeout-seconds`: 60 is above the maximum 8")
    ]


# -- set-contact-attributes: TargetContact Related ---------------------------------------------

RELATED = """flow: f
type: contact
start: mark
blocks:
  mark:
    type: set-contact-attributes
    target-contact: related
    attributes: {disposition: resolved}
    next: {success: done, error: failed}
  failed: {type: disconnect}
  done: {type: end-flow}
"""


def test_related_target_sets_the_related_contact_not_this_one(tmp_path: Path) -> None:
    root = _project(tmp_path, RELATED)
    contact = PreparedContact(extra={("RelatedContactId",): "c-earlier"})
    r = _run(root, contact)
    assert _path(r) == ["mark:success", "done:-"]
    assert _set(r, "disposition") is None  # this contact's attributes are untouched
    assert _messages(r, 0) == ["related contact c-earlier: attribute disposition = 'resolved'"]
    alone = _run(root, {})
    assert _path(alone) == ["mark:error", "failed:-"]


# -- transfer-to-flow to a flow outside the project ---------------------------------------------


def test_transfer_to_a_flow_of_the_instance_ends_the_dry_run(tmp_path: Path) -> None:
    target = "${var.contact_flows_map['_0x_voicemail_flow']}"
    flow = (
        "flow: f\ntype: contact\nstart: go\nblocks:\n  go:\n    type: transfer-to-flow\n"
        f'    flow: "{target}"\n    next: done\n  done: {{type: end-flow}}\n'
    )
    root = _project(tmp_path, flow)
    assert [d.code for d in check_paths([str(root)])[0]] == []
    r = _run(root, {})
    assert r.outcome.kind == "ended"
    assert _messages(r, 0) == [
        "that flow is in the Amazon Connect instance, not in the project: the dry run ends here"
    ]


# -- no silent demotion: FR430 and the import report ----------------------------------------

#: What flowrt's transfer-to-phone-number refuses as a number (E.164, a reference, or a
#: deployment template's placeholder are accepted).
NUMBER_PATTERN = "'^(\\$\\..+|\\+[1-9][0-9]{1,14}|.*(\\$\\{.+\\}|\\{\\{.+\\}\\}).*)$'"


def _bad_number(tmp_path: Path) -> Path:
    """The real DTMF0 export with its number template (`+1{{phoneNumber}}`, which imports
    natively) made a number Amazon Connect refuses (`+1 phone`): one action stays a
    pass-through, at the same line and column as in the real file."""
    src = tmp_path / "src" / DTMF0.name
    src.parent.mkdir()
    text = DTMF0.read_text(encoding="utf-8")
    assert text.count("+1{{phoneNumber}}") == 1
    src.write_text(text.replace("+1{{phoneNumber}}", "+1 phone"), encoding="utf-8")
    return src


def test_a_pass_through_is_a_positioned_warning(tmp_path: Path) -> None:
    src = _bad_number(tmp_path)
    diags, _, imported = import_paths([str(src)], str(tmp_path / "out"))
    # FR442: a bare export does not say its flow type (a note); FR430: the pass-through.
    assert [x.code for x in diags] == ["FR442", "FR430"]
    d = diags[1]
    assert (d.code, d.severity.value) == ("FR430", "warning")
    assert d.message == (
        "TransferParticipantToThirdParty '667cd27c-af36-4ae8-9d32-2c3f0399247e': "
        "transfer-to-phone-number refuses `phone-number` (String should match pattern "
        f"{NUMBER_PATTERN}); kept as a connect-action, whose dry run only "
        "follows its first transition"
    )
    assert d.span is not None and (d.span.file, d.span.line, d.span.column) == (
        str(src),
        44,
        13,
    )
    assert (imported[0].native, imported[0].passthrough) == (7, 1)


def test_a_number_template_imports_natively(tmp_path: Path) -> None:
    diags, _, imported = import_paths([str(DTMF0)], str(tmp_path))
    assert [x.code for x in diags] == ["FR442"]
    assert (imported[0].native, imported[0].passthrough) == (8, 0)
    block = imported[0].flow["blocks"]["dial-1"]
    assert (block["type"], block["phone-number"]) == (
        "transfer-to-phone-number",
        "+1{{phoneNumber}}",
    )


def test_import_json_reports_native_counts_and_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _bad_number(tmp_path)
    assert main(["import", str(src), "-o", str(tmp_path / "out"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (flow,) = out["flows"]
    assert (flow["blocks"], flow["native"], flow["connect-action"]) == (8, 7, 1)
    assert flow["not-native"] == [
        {
            "block": "dial-1",
            "identifier": "667cd27c-af36-4ae8-9d32-2c3f0399247e",
            "reason": "transfer-to-phone-number refuses `phone-number` (String should match "
            f"pattern {NUMBER_PATTERN})",
            "type": "TransferParticipantToThirdParty",
        }
    ]
    assert [d["code"] for d in out["diagnostics"]] == ["FR442", "FR430"]


def test_import_text_prints_one_line_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _bad_number(tmp_path)
    assert main(["import", str(src), "-o", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{src}: 7 of 8 action(s) native, 1 kept as connect-action",
        f"1 flow(s) imported into {tmp_path / 'out'}: 8 block(s), 1 kept as connect-action; "
        "2 file(s) written",
    ]

"""Set contact attributes with a dynamic key: `$.External.field: $.External.value`.

Amazon Connect lets the key of an UpdateContactAttributes attribute be one JSONPath reference:
the attribute it names is set.  flowrt imports such an action natively, exports it back exactly,
and resolves the key in the run.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from flowrt.connect.env import Environment
from flowrt.connect.files import Source
from flowrt.connect.importer import import_source
from flowrt.project.driver import check_paths, load_project
from flowrt.run.world import PreparedContact

FLOW = """\
flow: f
start: name
blocks:
  name:
    type: set-contact-attributes
    attributes: {field: tier}
    next: dynamic
  dynamic:
    type: set-contact-attributes
    attributes: {$.Attributes.field: gold, plain: "1"}
    next: {success: done, error: failed}
  done:
    type: end-flow
  failed:
    type: disconnect
"""


def _program(tmp_path: Path, text: str = FLOW) -> Any:
    (tmp_path / "instance.yaml").write_text("instance: t\n", encoding="utf-8")
    (tmp_path / "f.flow.yaml").write_text(text, encoding="utf-8")
    diags, _ = check_paths([str(tmp_path)])
    assert [d.message for d in diags if d.is_error] == []
    return load_project(tmp_path).compile()


def test_the_attribute_the_key_names_is_set(tmp_path: Path) -> None:
    result = _program(tmp_path).run({}, {}, flow="f")
    steps = result.trace.steps()
    assert [(s["block"], s["branch"]) for s in steps] == [
        ("name", "success"),
        ("dynamic", "success"),
        ("done", None),
    ]
    # `$.Attributes.field` is `tier`, so the attribute `tier` is set (and `plain` as usual).
    assert [f["text"] for f in steps[1]["facts"]] == [
        '$.Attributes.tier = "gold" (was (unset))',
        '$.Attributes.plain = "1" (was (unset))',
    ]
    assert result.outcome.kind == "ended"


def test_an_empty_key_takes_error_and_sets_nothing(tmp_path: Path) -> None:
    result = _program(tmp_path, FLOW.replace("{field: tier}", "{other: x}")).run({}, {}, flow="f")
    steps = result.trace.steps()
    assert (steps[1]["block"], steps[1]["branch"]) == ("dynamic", "error")
    assert [f["text"] for f in steps[1]["facts"] if f["kind"] == "error"] == [
        "error: the attribute key $.Attributes.field is empty: nothing was set"
    ]
    assert result.outcome.kind == "disconnected"


ACTION: dict[str, Any] = {
    "Identifier": "set-dynamic",
    "Type": "UpdateContactAttributes",
    "Parameters": {"Attributes": {"$.External.field": "$.External.value"}},
    "Transitions": {
        "NextAction": "end",
        "Errors": [{"NextAction": "end", "ErrorType": "NoMatchingError"}],
    },
}
END: dict[str, Any] = {"Identifier": "end", "Type": "DisconnectParticipant", "Parameters": {}}


def test_a_dynamic_key_imports_natively_and_exports_back(tmp_path: Path) -> None:
    content = {
        "Version": "2019-10-30",
        "StartAction": "set-dynamic",
        "Actions": [copy.deepcopy(ACTION), {**END, "Transitions": {}}],
    }
    wrapper = {"Name": "t", "Type": "CONTACT_FLOW"}
    imported = import_source(Source("t.json", "t", content, wrapper), Environment())
    block = imported.flow["blocks"]["set-dynamic"]
    assert block == {
        "type": "set-contact-attributes",
        "attributes": {"$.External.field": "$.External.value"},
        "next": {"success": "end", "error": "end"},
    }
    assert imported.passthrough == 0
    # Export gives the very action back.
    from flowrt.connect.actions import same_action
    from flowrt.connect.export import export_flow
    from flowrt.lang.blocks import BLOCKS, Flow

    model = Flow.model_validate({**imported.flow, "blocks": {}})
    blocks = {n: BLOCKS[b["type"]].model_validate(b) for n, b in imported.flow["blocks"].items()}
    exported, diags = export_flow(model, blocks, env=Environment())
    assert exported is not None, [d.message for d in diags]
    (again,) = [a for a in exported["Actions"] if a["Identifier"] == "set-dynamic"]
    assert same_action(again, ACTION)


def test_a_number_template_is_not_dialled(tmp_path: Path) -> None:
    text = """\
flow: f
start: dial
blocks:
  dial:
    type: transfer-to-phone-number
    phone-number: "+1{{phoneNumber}}"
    next: failed
  failed:
    type: disconnect
"""
    result = _program(tmp_path, text).run({}, {}, flow="f")
    assert (result.outcome.kind, result.outcome.number) == (
        "transferred-to-number",
        "+1{{phoneNumber}}",
    )
    notes = [f["text"] for f in result.trace.steps()[0]["facts"] if f["kind"] == "note"]
    assert notes == [
        "+1{{phoneNumber}} holds a deployment template's placeholder: not dialled, taken as "
        "answered"
    ]


def test_a_module_may_get_customer_input(tmp_path: Path) -> None:
    # The flow language restricts GetParticipantInput to voice, not to flow types, and real
    # modules collect input: no FR033 ("not allowed in a module").
    text = """\
flow: f
type: module
start: ask
blocks:
  ask:
    type: get-customer-input
    text: Press 1 to leave a message.
    conditions:
      - {equals: "1", next: done}
    next: done
  done:
    type: end-flow
"""
    program = _program(tmp_path, text)
    result = program.run({}, {"input": {"ask": ["1"]}}, flow="f")
    assert [(s["block"], s["branch"]) for s in result.trace.steps()] == [
        ("ask", "condition-1"),
        ("done", None),
    ]


def test_a_key_naming_a_bad_attribute_takes_error_and_sets_nothing(tmp_path: Path) -> None:
    """The key rule of a static key holds for the name a dynamic key holds: `bad key` (a space)
    is refused in the run as `flowrt` refuses it in the file and in update_contact_attributes."""
    text = FLOW.replace("{field: tier}", "{field: bad key}")
    result = _program(tmp_path, text).run({}, {}, flow="f")
    steps = result.trace.steps()
    assert (steps[1]["block"], steps[1]["branch"]) == ("dynamic", "error")
    # Only the error: `plain`, after it in the block, is not set either.
    assert [f["text"] for f in steps[1]["facts"]] == [
        "error: the attribute key $.Attributes.field holds `bad key`, not only letters, digits, "
        "`-` and `_`: nothing was set"
    ]


def test_a_dynamic_key_on_the_related_contact_sets_the_attribute_it_names(
    tmp_path: Path,
) -> None:
    text = FLOW.replace(
        '    attributes: {$.Attributes.field: gold, plain: "1"}\n',
        "    attributes: {$.Attributes.field: gold}\n    target-contact: related\n",
    )
    contact = PreparedContact(extra={("RelatedContactId",): "c-0"})
    result = _program(tmp_path, text).run(contact, {}, flow="f")
    steps = result.trace.steps()
    assert (steps[1]["block"], steps[1]["branch"]) == ("dynamic", "success")
    assert [f["text"] for f in steps[1]["facts"]] == [
        "related contact c-0: attribute tier = 'gold'"
    ]

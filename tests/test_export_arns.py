"""Export builds ARNs from instance.yaml (its `arn:` and the resources' `id:`) when no
environment file maps a name; import keeps a flow's description and export writes it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.connect.env import load_environment
from flowrt.connect.export import export_paths
from flowrt.connect.importer import import_paths

INSTANCE_ARN = (
    "arn:aws:connect:us-west-2:111122223333:instance/aaaa1111-2222-4333-8444-555566667777"
)
QUEUE_ID = "0c8d9e10-1111-4222-8333-444455556666"
USER_ID = "6a8b1c2d-0000-4000-8000-000000000001"
HOURS_ID = "90d61ae9-79b5-4940-91e5-3e38f8383958"
FLOW_ID = "f1f1f1f1-2222-4333-8444-555566667777"
LAMBDA_ARN = "arn:aws:lambda:us-west-2:111122223333:function:crm-lookup"


def _instance(arn: bool = True, queue_id: bool = True) -> str:
    return (
        "instance: test\n" + (f"arn: {INSTANCE_ARN}\n" if arn else "") + "hours-of-operation:\n"
        f"  Office:\n    id: {HOURS_ID}\n    days: {{monday: '09:00-17:00'}}\n"
        "queues:\n  Billing:\n"
        + (f"    id: {QUEUE_ID}\n" if queue_id else "    description: no id\n")
        + f"users:\n  jdoe:\n    id: {USER_ID}\n    security-profile: Agent\n"
        "security-profiles:\n  Agent:\n    permissions: [ccp]\n"
        f"lambda-functions:\n  crm-lookup:\n    arn: {LAMBDA_ARN}\n"
    )


MAIN = """flow: main
type: contact
start: hours
blocks:
  hours:
    type: check-hours-of-operation
    hours: Office
    next: {in-hours: lookup, out-of-hours: bye, error: bye}
  lookup:
    type: invoke-lambda
    function: crm-lookup
    next: {success: queue, error: bye}
  queue:
    type: set-working-queue
    queue: Billing
    next: {success: agent, error: bye}
  agent:
    type: set-working-queue
    agent: jdoe
    next: {success: later, error: bye}
  later:
    type: transfer-to-flow
    flow: after-hours
    next: {error: bye}
  bye:
    type: disconnect
"""

AFTER = f"""flow: after-hours
type: contact
id: {FLOW_ID}
start: bye
blocks:
  bye:
    type: disconnect
"""


def _project(tmp_path: Path, instance: str) -> Path:
    (tmp_path / "instance.yaml").write_text(instance, encoding="utf-8")
    (tmp_path / "main.flow.yaml").write_text(MAIN, encoding="utf-8")
    (tmp_path / "after-hours.flow.yaml").write_text(AFTER, encoding="utf-8")
    return tmp_path


def _params(out: Path) -> dict[str, dict[str, Any]]:
    content = json.loads((out / "main.json").read_text(encoding="utf-8"))
    return {a["Identifier"]: a["Parameters"] for a in content["Actions"]}


def test_export_builds_arns_from_instance_arn_and_ids(tmp_path: Path) -> None:
    root = _project(_mk(tmp_path / "p"), _instance())
    diags, _ = export_paths([str(root / "main.flow.yaml")], str(tmp_path / "out"))
    assert [d.code for d in diags] == []
    params = _params(tmp_path / "out")
    assert params["hours"] == {"HoursOfOperationId": INSTANCE_ARN + "/operating-hours/" + HOURS_ID}
    assert params["lookup"]["LambdaFunctionARN"] == LAMBDA_ARN
    assert params["queue"] == {"QueueId": INSTANCE_ARN + "/queue/" + QUEUE_ID}
    assert params["agent"] == {"AgentId": INSTANCE_ARN + "/agent/" + USER_ID}
    assert params["later"] == {"ContactFlowId": INSTANCE_ARN + "/contact-flow/" + FLOW_ID}
    assert params["queue"] == {
        "QueueId": "arn:aws:connect:us-west-2:111122223333:instance/"
        "aaaa1111-2222-4333-8444-555566667777/queue/0c8d9e10-1111-4222-8333-444455556666"
    }


def _mk(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def test_env_file_wins_over_the_instance(tmp_path: Path) -> None:
    root = _project(_mk(tmp_path / "p"), _instance())
    envfile = tmp_path / "prod.env.yaml"
    envfile.write_text(
        "environment: prod\nqueues:\n  Billing: arn:aws:connect:eu-west-1:9:instance/i/queue/q9\n",
        encoding="utf-8",
    )
    env, problems = load_environment(envfile)
    assert env is not None and problems == []
    diags, _ = export_paths([str(root / "main.flow.yaml")], str(tmp_path / "out"), env=env)
    assert [d.code for d in diags] == []
    params = _params(tmp_path / "out")
    assert params["queue"] == {"QueueId": "arn:aws:connect:eu-west-1:9:instance/i/queue/q9"}
    assert params["agent"] == {"AgentId": INSTANCE_ARN + "/agent/" + USER_ID}


def test_without_instance_arn_names_are_exported_as_written(tmp_path: Path) -> None:
    root = _project(_mk(tmp_path / "p"), _instance(arn=False))
    diags, _ = export_paths([str(root / "main.flow.yaml")], str(tmp_path / "out"))
    params = _params(tmp_path / "out")
    assert params["queue"] == {"QueueId": "Billing"}
    assert params["hours"] == {"HoursOfOperationId": "Office"}
    assert params["agent"] == {"AgentId": "jdoe"}
    assert params["lookup"]["LambdaFunctionARN"] == LAMBDA_ARN  # an ARN given whole
    assert params["later"] == {"ContactFlowId": FLOW_ID}  # the flow's id:, as before
    shown = [(d.code, d.message, d.span.line if d.span else None) for d in diags]
    assert shown == [
        (
            "FR414",
            "block `hours`: hours of operation `Office` is not mapped to an ARN or ID; it is "
            "exported as written",
            7,
        ),
        (
            "FR414",
            "block `queue`: queue `Billing` is not mapped to an ARN or ID; it is exported as "
            "written",
            15,
        ),
        (
            "FR414",
            "block `agent`: user `jdoe` is not mapped to an ARN or ID; it is exported as written",
            19,
        ),
    ]
    assert diags[1].hint == (
        "map it under `queues:` in an environment file (--env), or give instance.yaml an "
        "`arn:` and an `id:` under `queues:`"
    )


def test_a_name_without_id_is_exported_as_written(tmp_path: Path) -> None:
    root = _project(_mk(tmp_path / "p"), _instance(queue_id=False))
    diags, _ = export_paths([str(root / "main.flow.yaml")], str(tmp_path / "out"))
    assert [(d.code, d.message) for d in diags] == [
        (
            "FR414",
            "block `queue`: queue `Billing` is not mapped to an ARN or ID; it is exported as "
            "written",
        )
    ]
    params = _params(tmp_path / "out")
    assert params["queue"] == {"QueueId": "Billing"}
    assert params["agent"] == {"AgentId": INSTANCE_ARN + "/agent/" + USER_ID}


def test_cli_export_stdout_uses_instance_arns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(_mk(tmp_path / "p"), _instance())
    assert main(["export", str(root / "main.flow.yaml"), "--stdout"]) == 0
    content = json.loads(capsys.readouterr().out)
    queue = next(a for a in content["Actions"] if a["Identifier"] == "queue")
    assert queue["Parameters"] == {"QueueId": INSTANCE_ARN + "/queue/" + QUEUE_ID}


# ---------------------------------------------------------------------------------------------
# description


_CONTENT: dict[str, Any] = {
    "Version": "2019-10-30",
    "StartAction": "bye",
    "Metadata": {
        "entryPointPosition": {"x": 20, "y": 20},
        "ActionMetadata": {"bye": {"position": {"x": 300, "y": 20}}},
    },
    "Actions": [
        {"Identifier": "bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
    ],
}


def test_wrapped_description_round_trips(tmp_path: Path) -> None:
    wrapped = {
        "Name": "Main entry",
        "Type": "CONTACT_FLOW",
        "Description": "Main entry point for support",
        "Content": json.dumps(_CONTENT),
    }
    src = tmp_path / "main-entry.json"
    src.write_text(json.dumps(wrapped), encoding="utf-8")
    proj = _mk(tmp_path / "p")
    (proj / "instance.yaml").write_text("instance: test\n", encoding="utf-8")
    diags, _, imported = import_paths([str(src)], str(proj))
    assert diags == []
    assert imported[0].flow["description"] == "Main entry point for support"
    text = (proj / "main-entry.flow.yaml").read_text(encoding="utf-8")
    assert "description: Main entry point for support\n" in text
    out = tmp_path / "out"
    diags, files = export_paths([str(proj)], str(out), how="cloudformation")
    assert [d.code for d in diags] == []
    template = json.loads(files[0].read_text(encoding="utf-8"))
    props = template["Resources"]["MainEntry"]["Properties"]
    assert props["Description"] == "Main entry point for support"
    assert props["Name"] == "Main entry"
    assert json.loads(props["Content"])["Metadata"] == _CONTENT["Metadata"]


def test_metadata_description_round_trips_and_follows_the_yaml(tmp_path: Path) -> None:
    content = json.loads(json.dumps(_CONTENT))
    content["Metadata"].update(name="Survey", description="Asks two questions", status="saved")
    src = tmp_path / "survey.json"
    src.write_text(json.dumps(content), encoding="utf-8")
    proj = _mk(tmp_path / "p")
    (proj / "instance.yaml").write_text("instance: test\n", encoding="utf-8")
    diags, _, imported = import_paths([str(src)], str(proj))
    assert [d.code for d in diags] == ["FR442"]  # a bare flow: its type is inferred
    assert imported[0].flow["description"] == "Asks two questions"
    diags, files = export_paths([str(proj)], str(tmp_path / "out"))
    assert [d.code for d in diags] == []
    assert json.loads(files[0].read_text(encoding="utf-8")) == content
    flow = proj / "survey.flow.yaml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("Asks two questions", "Asks three"),
        encoding="utf-8",
    )
    diags, files = export_paths([str(proj)], str(tmp_path / "out2"))
    assert [d.code for d in diags] == []
    meta = json.loads(files[0].read_text(encoding="utf-8"))["Metadata"]
    assert meta == {**content["Metadata"], "description": "Asks three"}


def test_import_into_the_project_gives_the_names_back(tmp_path: Path) -> None:
    root = _project(_mk(tmp_path / "p"), _instance())
    out = tmp_path / "out"
    diags, _ = export_paths([str(root / "main.flow.yaml")], str(out))
    assert [d.code for d in diags] == []
    (root / "main.flow.yaml").unlink()
    (root / "main.flow.layout.json").unlink(missing_ok=True)
    diags, _, imported = import_paths([str(out / "main.json")], str(root))
    assert [d.code for d in diags] == ["FR442"]  # a bare flow: its type is inferred
    blocks = imported[0].flow["blocks"]
    assert blocks["hours"]["hours"] == "Office"
    assert blocks["lookup"]["function"] == "crm-lookup"
    assert blocks["queue"]["queue"] == "Billing"
    assert blocks["agent"]["agent"] == "jdoe"
    assert blocks["later"]["flow"] == "after-hours"
    again, _ = export_paths([str(root / "main.flow.yaml")], str(tmp_path / "out2"))
    assert [d.code for d in again] == []
    assert (tmp_path / "out2" / "main.json").read_text(encoding="utf-8") == (
        out / "main.json"
    ).read_text(encoding="utf-8")

"""A case's contact and world are deep-merged over the scenario's shared ones: a key the case
does not write keeps the shared value, even where the schema has a default for it (validation
must not fill defaults into the file's data before the merge)."""

from __future__ import annotations

import shutil
from pathlib import Path

from flowrt.project.driver import load_project
from flowrt.project.lean import check_lean, open_scenario
from flowrt.scenario.model import cases_of

FLOWS = Path(__file__).resolve().parent.parent / "flows"

SCENARIO = """\
scenario: merge
flow: inbound-support
world:
  outbound-call-status: VoicemailBeep
  queues:
    BasicQueue: {contacts-in-queue: 3, oldest-contact-age: 700, agents: {online: 2}}
cases:
  shared-only: {}
  partial:
    world:
      queues:
        BasicQueue: {contacts-in-queue: 4}
  other-key:
    world:
      outbound-call-status: NotDetected
      queues:
        BasicQueue: {oldest-contact-age: 5}
  own-queue:
    world:
      queues:
        Premium: {contacts-in-queue: 1}
"""


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "flows"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("__goldens__"))
    (root / "scenarios" / "merge.scenario.yaml").write_text(SCENARIO, encoding="utf-8")
    return root


def _queues(root: Path) -> dict[str, tuple[object, ...]]:
    project = load_project(root)
    [sf] = [sf for _, sf in project.scenarios if sf.scenario == "merge"]
    out = {}
    for case in cases_of(sf):
        q = case.world.queues
        basic = q["BasicQueue"]
        out[case.case] = (
            basic.contacts_in_queue,
            basic.oldest_contact_age,
            basic.agents.online,
            case.world.outbound_call_status,
            sorted(q),
        )
    return out


def test_a_case_keeps_the_shared_values_it_does_not_write(tmp_path: Path) -> None:
    assert _queues(_project(tmp_path)) == {
        "shared-only": (3, 700, 2, "VoicemailBeep", ["BasicQueue"]),
        # contacts-in-queue changed; the age and the agents are the scenario's, not 0
        "partial": (4, 700, 2, "VoicemailBeep", ["BasicQueue"]),
        # the age changed; contacts-in-queue is the scenario's 3, not the schema's default 0
        "other-key": (3, 5, 2, "NotDetected", ["BasicQueue"]),
        "own-queue": (3, 700, 2, "VoicemailBeep", ["BasicQueue", "Premium"]),
    }


def test_a_file_read_again_to_run_merges_the_same_way(tmp_path: Path) -> None:
    root = _project(tmp_path)
    [ref] = [r for r in check_lean(root).refs if r.scenario == "merge"]
    _, _, cases = open_scenario(ref)
    partial = {c.case: c for c in cases}["partial"].world.queues["BasicQueue"]
    assert (partial.contacts_in_queue, partial.oldest_contact_age) == (4, 700)

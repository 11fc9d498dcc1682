"""One mistake, one error (issue 14, point 3).

Each row applies ONE mistake to a copy of the example project `flows/` and checks that
`flowrt validate` reports exactly one diagnostic for it (code and position): a block, flow or
file that failed to load is still known by name to everything that refers to it, so nothing
else reports it as unknown.  A second, independent mistake elsewhere is then added: it is still
reported, alongside the first (checks that can still run, run).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from flowrt.core.diagnostics import Diagnostic
from flowrt.project.driver import check_paths

EXAMPLES = Path(__file__).resolve().parent.parent / "flows"

Edit = tuple[str, str, str]  # file, text as written, text it becomes


class Mistake(NamedTuple):
    edits: list[Edit]
    code: str
    where: str  # file:line:column
    #: A second, independent mistake, and the diagnostic it must still give.
    second: Edit
    second_code: str
    second_where: str


#: `queue: Generall` in inbound-email: an unknown queue, independent of most mistakes.
GENERALL: Edit = ("inbound-email.flow.yaml", "    queue: BasicQueue\n", "    queue: Generall\n")
GENERALL_AT = "inbound-email.flow.yaml:43:12"

MISTAKES: dict[str, Mistake] = {
    "a bad value in one block (referred to by 25 scenario inputs)": Mistake(
        [("inbound-support.flow.yaml", "timeout-seconds: 8\n", "timeout-seconds: 6s\n")],
        "FR011",
        "inbound-support.flow.yaml:111:22",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "an unknown block type": Mistake(
        [("inbound-support.flow.yaml", "type: get-customer-input", "type: get-customer-inpt")],
        "FR014",
        "inbound-support.flow.yaml:107:11",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "an unknown key in a block named by an assertion": Mistake(
        [
            (
                "after-hours.flow.yaml",
                "  closed:\n    type: play-prompt\n",
                "  closed:\n    type: play-prompt\n    colour: blue\n",
            )
        ],
        "FR010",
        "after-hours.flow.yaml:9:5",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a bad value in a transfer-to-flow block": Mistake(
        [("inbound-support.flow.yaml", "    flow: after-hours\n", "    flow: [after-hours]\n")],
        "FR011",
        "inbound-support.flow.yaml:79:11",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a YAML syntax error in a flow that scenarios run": Mistake(
        [("customer-queue.flow.yaml", "    queue: Overflow\n", "    queue: [Overflow\n")],
        "FR002",
        "customer-queue.flow.yaml:28:12",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a YAML syntax error in a flow the instance and other flows name": Mistake(
        [("after-hours.flow.yaml", "start: closed\n", "start: closed\n  bad: : x\n")],
        "FR002",
        "after-hours.flow.yaml:6:3",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a flow type that does not exist": Mistake(
        [("customer-queue.flow.yaml", "type: customer-queue\n", "type: customer-queues\n")],
        "FR013",
        "customer-queue.flow.yaml:3:7",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "an unknown top-level key in a flow": Mistake(
        [
            (
                "customer-queue.flow.yaml",
                "type: customer-queue\n",
                "type: customer-queue\ncolour: 1\n",
            )
        ],
        "FR010",
        "customer-queue.flow.yaml:4:1",
        # the flow still compiles: a mistake in its own blocks is still found
        ("customer-queue.flow.yaml", "    queue: BasicQueue\n", "    queue: Generall\n"),
        "FR021",
        "customer-queue.flow.yaml:20:12",
    ),
    "a schema error in a queue of instance.yaml": Mistake(
        [("instance.yaml", "    max-contacts: 10\n", "    max-contacts: ten\n")],
        "FR011",
        "instance.yaml:42:19",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "an unknown top-level key in instance.yaml": Mistake(
        [
            (
                "instance.yaml",
                "max-concurrent-contacts: 200\n",
                "max-concurrent-contacts: 200\nfoo: 1\n",
            )
        ],
        "FR010",
        "instance.yaml:6:1",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a user without a security profile (flows, scenarios and agent actions name it)": Mistake(
        [
            (
                "instance.yaml",
                "    routing-profile: Premium\n    security-profile: Agent\n",
                "    routing-profile: Premium\n",
            )
        ],
        "FR012",
        "instance.yaml:70:3",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a bad value in an email address (every email case sends to it)": Mistake(
        [
            (
                "instance.yaml",
                "    display-name: AnyCompany Support\n",
                "    display-name: [AnyCompany]\n",
            )
        ],
        "FR011",
        "instance.yaml:127:19",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a bad value in a Lambda function the flows call": Mistake(
        [
            (
                "instance.yaml",
                "    description: Finds the caller",
                "    descriptio: Finds the caller",
            )
        ],
        "FR010",
        "instance.yaml:142:5",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a YAML syntax error in the flow of the instance's email addresses": Mistake(
        [("inbound-email.flow.yaml", "start: brand\n", "start: brand\n  x: : y\n")],
        "FR002",
        "inbound-email.flow.yaml:8:1",
        ("customer-queue.flow.yaml", "    queue: BasicQueue\n", "    queue: Generall\n"),
        "FR021",
        "customer-queue.flow.yaml:19:12",
    ),
    "a YAML syntax error in the outbound email flow (forwards run it)": Mistake(
        [("default-outbound.flow.yaml", "start: policy\n", "start: policy\n  x: : y\n")],
        "FR002",
        "default-outbound.flow.yaml:7:1",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a quick connect without its description (queues and agent actions name it)": Mistake(
        [("instance.yaml", "    description: On-call tier-2 engineer's pager line\n", "")],
        "FR012",
        "instance.yaml:101:3",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a routing profile without its outbound queue (users name it)": Mistake(
        [("instance.yaml", "    default-outbound-queue: Premium\n", "")],
        "FR012",
        "instance.yaml:65:3",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a security profile whose permissions are not a list (users and flows need it)": Mistake(
        [
            (
                "instance.yaml",
                "    permissions: [ccp, initiate-email-conversation]\n",
                "    permissions: ccp\n",
            )
        ],
        "FR011",
        "instance.yaml:52:18",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a prompt of the library that is not a name": Mistake(
        [("instance.yaml", "  - hold-music\n", "  - [hold-music]\n")],
        "FR011",
        "instance.yaml:145:5",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "a YAML syntax error in instance.yaml": Mistake(
        [("instance.yaml", "max-concurrent-contacts: 200\n", "max-concurrent-contacts: [200\n")],
        "FR002",
        "instance.yaml:5:26",
        # no name of the instance is known: a mistake that needs none is still found
        ("inbound-email.flow.yaml", "next: {success: to-queue", "next: {success: to-queu"),
        "FR020",
        "inbound-email.flow.yaml:44:21",
    ),
    "an unknown key in a scenario case": Mistake(
        [
            (
                "scenarios/other-flows.scenario.yaml",
                "    flow: customer-queue\n",
                "    flw: customer-queue\n",
            )
        ],
        "FR010",
        "scenarios/other-flows.scenario.yaml:13:5",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
    "an unknown key in an email case": Mistake(
        [
            (
                "scenarios/email.scenario.yaml",
                "    description: Mail to support@ runs",
                "    descriptin: Mail to support@ runs",
            )
        ],
        "FR010",
        "scenarios/email.scenario.yaml:20:5",
        GENERALL,
        "FR021",
        GENERALL_AT,
    ),
}


def _project(tmp_path: Path, edits: list[Edit]) -> Path:
    root = tmp_path / "flows"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("__goldens__"))
    for file, old, new in edits:
        path = root / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= 1, (file, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def _validate(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[Diagnostic]:
    monkeypatch.chdir(root)
    diags, _ = check_paths(["."])
    return diags


def _shown(diags: list[Diagnostic]) -> list[tuple[str, str]]:
    return [
        (d.code, f"{d.span.file}:{d.span.line}:{d.span.column}" if d.span else "") for d in diags
    ]


def test_the_example_project_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _validate(_project(tmp_path, []), monkeypatch) == []


@pytest.mark.parametrize("mistake", list(MISTAKES), ids=list(MISTAKES))
def test_one_mistake_gives_one_error(
    mistake: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = MISTAKES[mistake]
    diags = _validate(_project(tmp_path, m.edits), monkeypatch)
    assert _shown(diags) == [(m.code, m.where)], [d.message for d in diags]


@pytest.mark.parametrize("mistake", list(MISTAKES), ids=list(MISTAKES))
def test_an_independent_second_mistake_is_still_reported(
    mistake: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = MISTAKES[mistake]
    diags = _validate(_project(tmp_path, [*m.edits, m.second]), monkeypatch)
    assert sorted(_shown(diags)) == sorted([(m.code, m.where), (m.second_code, m.second_where)]), [
        d.message for d in diags
    ]

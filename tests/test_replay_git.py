"""`flowrt replay --base REV --against git:REV` (issue 16, point 3): the project at two git
revisions of a real repository, read without touching the working tree or the index.

The repository holds the example project in a subdirectory (`cc/flows`): a first commit with only
a README (the project did not exist yet), a second with the project, a third that routes gold
customers through the open-cases check instead of straight to the Premium queue.  The logs are
those of the second commit's flows, so the contacts whose route moves are exactly the gold
callers, which the test reads from the log itself.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from tests.replay_repo import ROUTE_GROUP, git, reroute_gold

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
#: The example project's gold callers (ContactIds made from the scenario and case names).
GOLD_CALLERS = [
    "643ff718-81fd-5de1-93e6-04ead975f39a",  # inbound-support::gold-caller
    "a6bad384-5bb1-5a38-945b-868e9fb08650",
    "ffff0891-54fe-5932-8945-02a7e51b229a",
]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("repo")
    git(top, "init", "-q", "-b", "main")
    (top / "README.md").write_text("contact center\n")
    git(top, "add", "README.md")
    git(top, "commit", "-qm", "readme")
    project = top / "cc" / "flows"
    shutil.copytree(FLOWS, project, ignore=shutil.ignore_patterns("__goldens__"))
    git(top, "add", "cc")
    git(top, "commit", "-qm", "the example project")
    reroute_gold(project)
    git(top, "commit", "-qam", "gold callers through the open-cases check")
    return top


@pytest.fixture(scope="module")
def logs(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flow logs of the example project as committed first (HEAD~1)."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("logs") / "week.jsonl"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["run", str(FLOWS), "--format", "connect-logs"]) == 0
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


def _gold_in_log(path: Path) -> list[str]:
    """The contacts whose log shows check-tier matching gold: computed from the log alone."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r.get("Identifier") == "check-tier" and r.get("Results") == "equals gold":
            found.add(r["ContactId"])
    return sorted(found)


def _replay_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["replay", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_two_revisions_name_exactly_the_contacts_whose_route_moved(
    repo: Path,
    logs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _gold_in_log(logs) == sorted(GOLD_CALLERS)
    project = str(repo / "cc" / "flows")
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    code, doc = _replay_json(
        capsys, str(logs), "--project", project, "--base", "HEAD~1", "--against", "git:HEAD"
    )
    assert code == 0
    assert list(temp.iterdir()) == []  # the revisions' files are gone with the command
    # The base revision produced the logs: every contact follows its recorded path.
    assert doc["fidelity"]["identical"] == doc["fidelity"]["contacts"] == 32
    impact = doc["impact"]
    assert (impact["contacts"], impact["changed"], impact["changed-percent"]) == (32, 3, 9.38)
    routes = [c for c in impact["changes"] if c["aspect"] == "route"]
    assert [(c["change"], c["count"], c["percent"]) for c in routes] == [(ROUTE_GROUP, 3, 9.38)]
    assert sorted(routes[0]["examples"]) == sorted(GOLD_CALLERS)
    # Every other change is of one of those three contacts.
    assert {e for c in impact["changes"] for e in c["examples"]} == set(GOLD_CALLERS)
    queue = [(c["before"], c["after"], c["count"], c["examples"]) for c in impact["changes"]
             if c["aspect"] == "queue"]  # fmt: skip
    assert queue == [("Premium", None, 1, [GOLD_CALLERS[0]])]
    edges = {(e["flow"], e["from"], e["branch"], e["to"]): (e["before"], e["after"])
             for e in impact["routes"]}  # fmt: skip
    assert edges[("inbound-support", "check-tier", "condition-1", "premium-queue")] == (3, 0)
    assert edges[("inbound-support", "check-tier", "condition-1", "check-cases")] == (0, 3)
    assert edges[("inbound-support", "hours", "in-hours", "check-tier")] == (3, 3)


def test_text_report_of_two_revisions(
    repo: Path, logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = str(repo / "cc" / "flows")
    code = main(["replay", str(logs), "--project", project, "--base", "git:HEAD~1",
                 "--against", "git:main", "--fail-over", "9"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1  # 9.38% of the contacts change: over 9
    assert "impact: 3 of 32 contact(s) change (9.38%), 3 reach a block with no recorded" in out
    ids = ", ".join(GOLD_CALLERS[1:] + GOLD_CALLERS[:1])  # the order the log holds them
    assert (
        f"  3 (9.38%) {ROUTE_GROUP}\n"
        "      no recorded answer: menu: no input given for visit 1 of `menu`: timeout\n"
        "      no recorded answer: staffing: no state for BasicQueue in the world: 0 contacts in "
        "queue, oldest 0 s, 0 agents\n"
        "      no recorded answer: overflow: no outcome for +18005550123 in the world: answered\n"
        f"      e.g. {ids}\n"
    ) in out


def test_a_revision_against_the_working_tree_leaves_it_untouched(
    repo: Path, logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--against git:REV` alone compares the working tree (--project) with a revision; the
    working tree, its uncommitted change and the index are as they were."""
    project = repo / "cc" / "flows"
    flow = project / "inbound-support.flow.yaml"
    committed = flow.read_text(encoding="utf-8")
    # An uncommitted change in the working tree: the first commit's routing back.
    flow.write_text(committed.replace("      - equals: gold\n        next: check-cases",
                                      "      - equals: gold\n        next: premium-queue"))  # fmt: skip
    try:
        status = git(repo, "status", "--porcelain")
        index = (repo / ".git" / "index").read_bytes()
        head = git(repo, "rev-parse", "HEAD")
        code, doc = _replay_json(capsys, str(logs), "--project", str(project), "--against",
                                 "git:HEAD")  # fmt: skip
        assert code == 0 and doc["fidelity"]["identical"] == 32
        assert doc["impact"]["changed"] == 3
        assert [c["change"] for c in doc["impact"]["changes"] if c["aspect"] == "route"] == [
            ROUTE_GROUP
        ]
        # The working tree as the base, then as the changed side: nothing moves.
        code, doc = _replay_json(capsys, str(logs), "--project", str(project), "--base",
                                 "HEAD~1", "--against", str(project))  # fmt: skip
        assert code == 0 and doc["impact"]["changed"] == 0 and doc["impact"]["routes"] == []
        assert (
            git(repo, "status", "--porcelain")
            == status
            == " M cc/flows/inbound-support.flow.yaml\n"
        )
        assert (repo / ".git" / "index").read_bytes() == index
        assert git(repo, "rev-parse", "HEAD") == head
        assert sorted(p.name for p in repo.iterdir()) == [".git", "README.md", "cc"]
    finally:
        flow.write_text(committed, encoding="utf-8")


def test_errors_of_a_revision_name_the_file_at_that_revision(
    repo: Path, logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A revision whose flows have errors: the diagnostics name `REV:path`, never the
    temporary directory, and the replay stops with exit 1."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    flow = clone / "cc" / "flows" / "inbound-support.flow.yaml"
    flow.write_text(flow.read_text().replace("next: check-cases", "next: no-such-block", 1))
    git(clone, "commit", "-qam", "broken")
    code = main(["replay", str(logs), "--project", str(clone / "cc" / "flows"),
                 "--base", "HEAD~1", "--against", "git:HEAD"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "HEAD:cc/flows/inbound-support.flow.yaml:" in out
    assert "no-such-block" in out
    assert "flowrt-rev-" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--against", "git:no-such-branch"],
            "flowrt replay: unknown revision `no-such-branch` in the git repository at {top}: "
            "give a commit, a branch or a tag (`git log --oneline` lists the commits)\n",
        ),
        (
            ["--base", "v9", "--against", "git:HEAD"],
            "flowrt replay: unknown revision `v9` in the git repository at {top}: "
            "give a commit, a branch or a tag (`git log --oneline` lists the commits)\n",
        ),
        (
            ["--against", "git:--output=x"],
            "flowrt replay: `--output=x` is not a git revision: give a commit, a branch or a tag "
            "(e.g. git:main, git:HEAD~1)\n",
        ),
        (
            ["--base", "HEAD~2", "--against", "git:HEAD"],
            "flowrt replay: the directory `cc/flows` holds no file at revision HEAD~2: the "
            "project did not exist there; give a revision that has it\n",
        ),
        (
            ["--against", "no-such-dir"],
            "flowrt replay: no-such-dir: no such project directory (a git revision is written "
            "git:REV)\n",
        ),
    ],
)
def test_bad_revisions_are_usage_errors(
    repo: Path,
    logs: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code = main(["replay", str(logs), "--project", str(repo / "cc" / "flows"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err == message.format(top=repo.resolve())


def test_not_a_git_repository(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "plain"
    shutil.copytree(FLOWS, project, ignore=shutil.ignore_patterns("__goldens__", "scenarios"))
    # git must not find a repository above the temporary directory either.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code = main(["replay", str(logs), "--project", str(project), "--against", "git:HEAD"])
    assert code == 2
    assert capsys.readouterr().err == (
        f"flowrt replay: {project} is not in a git repository: a revision can be replayed only "
        "from a git checkout; give a directory of the changed project to --against instead\n"
    )


def test_git_missing(
    repo: Path,
    logs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a directory with no git in it
    code = main(["replay", str(logs), "--project", str(repo / "cc" / "flows"),
                 "--base", "HEAD~1", "--against", "git:HEAD"])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err == (
        "flowrt replay: git is not installed (or not on PATH): install git to replay a "
        "revision, or give a directory of the changed project to --against\n"
    )

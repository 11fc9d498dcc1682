"""The replay's bucket reports merge exactly as one process would tally them (issue 16, points 3
and 6 together): the route impact (`impact.routes`, the route groups with their example ids,
the blocks reached with no recorded answer) and the HTML page are byte-identical with `-j 1`,
`-j 2` and the Dask engine, with `--against DIR` and with `--base REV --against git:REV` (the
revisions read from git once, by the command; their temporary directories removed after).

The corpus is the example project's 32 logged cases ten times under new ContactIds (320
contacts, spread over the 64 buckets); the change routes gold customers through the open-cases
check instead of straight to the Premium queue, so exactly the 30 gold callers' routes move.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from flowrt.cli import main
from flowrt.project.driver import load_project
from flowrt.replay.engine import run_replay
from flowrt.replay.fidelity import Replayed
from flowrt.replay.grouping import MIN_BUCKETS, bucket_of
from flowrt.replay.reader import ReadStats
from flowrt.replay.report import ReplayReport, as_json, render_text, tally
from tests.replay_repo import ROUTE_GROUP, git, reroute_gold

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """320 contacts of current-era records, one file."""
    code, base, _ = _run("run", str(FLOWS), "--format", "connect-logs")
    assert code == 0
    lines = []
    for k in range(10):
        for line in base.splitlines():
            r = json.loads(line)
            r["ContactId"] = f"{r['ContactId'][:-4]}{k:04d}"
            lines.append(json.dumps(r, separators=(",", ":")))
    out = tmp_path_factory.mktemp("merge-corpus") / "week.jsonl"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("merge-changed") / "changed"
    shutil.copytree(FLOWS, copy, ignore=shutil.ignore_patterns("__goldens__"))
    reroute_gold(copy)
    return copy


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with the example project in `cc/flows`: HEAD~1 as it is, HEAD rerouted."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    top = tmp_path_factory.mktemp("merge-repo")

    git(top, "init", "-q", "-b", "main")
    project = top / "cc" / "flows"
    shutil.copytree(FLOWS, project, ignore=shutil.ignore_patterns("__goldens__"))
    git(top, "add", "cc")
    git(top, "commit", "-qm", "the example project")
    reroute_gold(project)
    git(top, "commit", "-qam", "gold callers through the open-cases check")
    return top


def _gold(corpus: Path) -> list[str]:
    """The contacts whose log shows check-tier matching gold, from the log alone."""
    found = set()
    for line in corpus.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r.get("Identifier") == "check-tier" and r.get("Results") == "equals gold":
            found.add(r["ContactId"])
    return sorted(found)


def _three_ways(tmp: Path, *args: str) -> dict[str, tuple[int, str, str, bytes]]:
    """(exit code, JSON, text, HTML page) of the same replay with -j 1 and -j 2."""
    out = {}
    for jobs in ("1", "2"):
        page = tmp / f"j{jobs}.html"
        code, doc, err = _run("replay", *args, "-j", jobs, "--format", "json", "--html", str(page))
        assert err == ""
        code_text, text, _ = _run("replay", *args, "-j", jobs)
        assert code_text == code
        out[jobs] = (code, doc, text, page.read_bytes())
    return out


def _check_moved_gold(doc: dict[str, object], gold: list[str]) -> None:
    """The exact impact of routing gold callers elsewhere, over the 320 contacts."""
    impact = doc["impact"]
    assert isinstance(impact, dict)
    assert (impact["contacts"], impact["changed"], impact["changed-percent"]) == (320, 30, 9.38)
    assert impact["missing-answers"] == 30
    routes = [c for c in impact["changes"] if c["aspect"] == "route"]
    assert [(c["change"], c["count"], c["percent"]) for c in routes] == [(ROUTE_GROUP, 30, 9.38)]
    # The examples are the first three moved contacts in the report's order: bucket, then id.
    by_order = sorted(gold, key=lambda c: (bucket_of(c, MIN_BUCKETS), c))
    assert routes[0]["examples"] == by_order[:3]
    assert routes[0]["missing-answers"] == [
        "menu: no input given for visit 1 of `menu`: timeout",
        "staffing: no state for BasicQueue in the world: 0 contacts in queue, oldest 0 s, 0 agents",
        "overflow: no outcome for +18005550123 in the world: answered",
    ]
    edges = {(e["flow"], e["from"], e["branch"], e["to"]): (e["before"], e["after"])
             for e in impact["routes"]}  # fmt: skip
    assert edges[("inbound-support", "check-tier", "condition-1", "premium-queue")] == (30, 0)
    assert edges[("inbound-support", "check-tier", "condition-1", "check-cases")] == (0, 30)
    assert edges[("inbound-support", "hours", "in-hours", "check-tier")] == (30, 30)
    assert edges[("inbound-support", ":start", None, "enable-logging")] == (30, 30)


def test_merged_bucket_reports_equal_one_tally_of_every_contact(
    corpus: Path, changed: Path
) -> None:
    """`merge` (routes, groups, examples, missing answers) against one report that tallied
    every contact itself, in the same order: equal JSON and text."""
    program = load_project(FLOWS).compile(strict=False)
    against = load_project(changed).compile(strict=False)
    seen: list[Replayed] = []
    merged = run_replay([str(corpus)], program, against, on_contact=seen.append)
    one = ReplayReport(ReadStats(), impact={})
    for r in seen:
        tally(one, r, against)
    # What planning and reading found is the merged report's alone; the tallies are compared.
    one.stats = merged.stats
    assert as_json(one) == as_json(merged)
    assert render_text(one) == render_text(merged)
    gold = _gold(corpus)
    assert len(gold) == 30
    # The moved contacts are in many buckets: the route counts really were merged.
    assert len({bucket_of(c, MIN_BUCKETS) for c in gold}) > 10
    _check_moved_gold(as_json(merged), gold)


def test_against_a_directory_jobs_give_the_same_json_text_and_html(
    corpus: Path, changed: Path, tmp_path: Path
) -> None:
    runs = _three_ways(tmp_path, str(corpus), "--project", str(FLOWS), "--against", str(changed))
    assert runs["1"] == runs["2"]
    code, doc, text, page = runs["1"]
    assert code == 0
    _check_moved_gold(json.loads(doc), _gold(corpus))
    assert f"  30 (9.38%) {ROUTE_GROUP}\n" in text
    assert "impact: 30 of 320 contact(s) change (9.38%), 30 reach a block with no recorded" in text
    assert b'<section id="routes"><h2>Changed routes</h2>' in page


def test_dask_engine_gives_the_same_json_text_and_html_against_a_directory(
    corpus: Path, changed: Path, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    args = [str(corpus), "--project", str(FLOWS), "--against", str(changed)]
    local = _three_ways(tmp_path, *args)["2"]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        dask = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
        page = tmp_path / "dask.html"
        code, doc, err = _run("replay", *args, *dask, "--format", "json", "--html", str(page))
        code_text, text, _ = _run("replay", *args, *dask)
    assert (code, code_text, err) == (0, 0, "")
    assert (doc, text, page.read_bytes()) == local[1:]
    _check_moved_gold(json.loads(doc), _gold(corpus))


def _left_revisions(temp: Path) -> list[str]:
    return sorted(p.name for p in temp.iterdir() if p.name.startswith("flowrt-rev-"))


def test_git_revisions_on_two_jobs_give_the_same_report_and_are_removed(
    repo: Path, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    project = str(repo / "cc" / "flows")
    args = [str(corpus), "--project", project, "--base", "HEAD~1", "--against", "git:HEAD"]
    runs = _three_ways(tmp_path, *args)
    assert _left_revisions(temp) == []  # every run's revisions are gone with it
    assert runs["1"] == runs["2"]
    code, doc, text, page = runs["1"]
    assert code == 0
    _check_moved_gold(json.loads(doc), _gold(corpus))
    # The same report as the two directories give: the revisions are those directories.
    directories = _three_ways(tmp_path, str(corpus), "--project", str(FLOWS), "--against",
                              str(repo / "cc" / "flows"))  # fmt: skip
    assert directories["2"][1:3] == (doc, text)


def test_dask_engine_replays_git_revisions_read_once_by_the_command(
    repo: Path, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    from flowrt.replay import revisions

    project = str(repo / "cc" / "flows")
    args = [str(corpus), "--project", project, "--base", "HEAD~1", "--against", "git:HEAD"]
    local = _three_ways(tmp_path, *args)["2"]
    reads: list[str] = []
    real = revisions.checkout

    def counted(project: Path, revision: str, into: Path) -> revisions.Checkout:
        reads.append(revision)
        return real(project, revision, into)

    monkeypatch.setattr(revisions, "checkout", counted)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        temp = tmp_path / "temp"
        temp.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(temp))
        page = tmp_path / "dask.html"
        code, doc, err = _run("replay", *args, "--engine", "dask", "--scheduler",
                              cluster.scheduler_address, "--format", "json", "--html",
                              str(page))  # fmt: skip
        assert _left_revisions(temp) == []
    assert (code, err) == (0, "")
    assert reads == ["HEAD~1", "git:HEAD"]  # once each, in the command, not in the workers
    assert (doc, page.read_bytes()) == (local[1], local[3])

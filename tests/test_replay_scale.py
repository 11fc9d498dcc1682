"""flowrt replay at scale (issue 16, point 6): one run per contact, `-j N` giving the same bytes
for any N, the grouping cut into parts and spilled to disk, and the Dask engine's report equal
to the local engine's (on a dask.distributed LocalCluster); without Dask, a usage error that
names the extra to install."""

from __future__ import annotations

import builtins
import contextlib
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from flowrt.cli import main
from flowrt.project.driver import load_project
from flowrt.replay.engine import run_replay
from flowrt.replay.fidelity import replay_contact
from flowrt.replay.grouping import contacts, plan
from flowrt.replay.reader import ReadStats
from flowrt.replay.report import as_json

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """320 contacts: the example project's 32 logged cases ten times under new ContactIds
    (2019 records for two of the copies), with each copy's records split over two files in
    reverse order and a few delivered twice."""
    code, base, _ = _run("run", str(FLOWS), "--format", "connect-logs")
    assert code == 0
    code, old, _ = _run("run", str(FLOWS), "--format", "connect-logs", "--log-era", "2019")
    out = tmp_path_factory.mktemp("corpus")
    a, b = [], []
    for k in range(10):
        lines = (old if k in (3, 7) else base).splitlines()
        for i, line in enumerate(lines):
            r = json.loads(line)
            r["ContactId"] = f"{r['ContactId'][:-4]}{k:04d}"
            text = json.dumps(r, separators=(",", ":"))
            (a if i % 2 else b).append(text)
            if i % 97 == 0:
                a.append(text)  # delivered again
    (out / "stream-a.jsonl").write_text("\n".join(reversed(a)) + "\n", encoding="utf-8")
    (out / "stream-b.jsonl").write_text("\n".join(b) + "\n", encoding="utf-8")
    return out


def test_one_run_per_contact_when_records_name_their_blocks(corpus: Path) -> None:
    program = load_project(FLOWS).compile(strict=False)
    runs: Counter[tuple[bool, int]] = Counter()
    for c in contacts([str(corpus)], ReadStats()):
        era_2019 = "Identifier" not in c.records[0]
        runs[(era_2019, replay_contact(program, c).runs)] += 1
    # every current-era contact: the recorded world is complete before the run, one run
    assert runs[(False, 1)] == 256 and sum(n for (old, _), n in runs.items() if not old) == 256
    # 2019 records name no block: customer input is placed by the run, which may run again
    assert sum(n for (old, _), n in runs.items() if old) == 64
    assert max(r for (old, r) in runs if old) > 1


def test_jobs_give_byte_identical_reports(corpus: Path) -> None:
    args = ["replay", str(corpus), "--project", str(FLOWS), "--format", "json"]
    one = _run(*args, "-j", "1")
    two = _run(*args, "-j", "2")
    assert one[0] == two[0] == 0
    assert one[1] == two[1]
    doc = json.loads(one[1])
    assert doc["read"] == {
        "files": 2,
        "lines": 6250,
        "records": 5930,
        "duplicates": 70,
        "malformed": 0,
        "contact-records": 320,
        "unknown-module-types": {},
        "spilled-to-disk": False,
    }
    assert (doc["fidelity"]["contacts"], doc["fidelity"]["identical"]) == (320, 320)
    text_one = _run("replay", str(corpus), "--project", str(FLOWS), "-j", "1")
    text_two = _run("replay", str(corpus), "--project", str(FLOWS), "-j", "2")
    assert text_one == text_two
    assert text_one[1].splitlines()[-1] == (
        "fidelity: 320 of 320 contact(s) identical (100.0%), 0 diverged, 0 not replayable"
    )


def test_parts_and_spilling_give_the_same_report_on_any_jobs(corpus: Path) -> None:
    program = load_project(FLOWS).compile(strict=False)
    whole = as_json(run_replay([str(corpus)], program, jobs=1))
    p = plan([str(corpus)], part_bytes=16_384, spill_bytes=1_000)
    assert len(p.parts) > 4 and p.spill and p.buckets == 64
    assert [(q.file, q.first_line) for q in p.parts[:2]] == [
        (str(corpus / "stream-a.jsonl"), 1),
        (str(corpus / "stream-a.jsonl"), p.parts[1].first_line),
    ]
    assert p.parts[1].first_line > 1
    for jobs in (1, 2):
        cut = as_json(run_replay([str(corpus)], program, jobs=jobs, part_bytes=16_384,
                                 spill_bytes=1_000))  # fmt: skip
        assert cut["read"].pop("spilled-to-disk") is True
        assert {**whole["read"], "spilled-to-disk": True} == {
            **cut["read"],
            "spilled-to-disk": True,
        }
        assert cut["fidelity"] == whole["fidelity"]


def test_more_buckets_for_a_larger_input(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    with big.open("wb") as handle:
        handle.truncate(1_000 << 20)  # 1,000 MB (sparse): sizes the buckets, never read here
    assert plan([str(big)], part_bytes=1 << 40).buckets == 125  # 8 MB of logs a bucket


def test_a_malformed_line_keeps_its_line_number_in_a_later_part(tmp_path: Path) -> None:
    src = tmp_path / "logs.jsonl"
    code, base, _ = _run("run", str(FLOWS), "--format", "connect-logs")
    lines = base.splitlines()
    lines.insert(500, "{not json")
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    program = load_project(FLOWS).compile(strict=False)
    report = run_replay([str(src)], program, jobs=2, part_bytes=8_192)
    assert [(p.code, p.line, p.message) for p in report.stats.problems] == [
        ("FR600", 501, "not a JSON record")
    ]
    assert report.identical == report.contacts == 32


def test_dask_engine_report_equals_the_local_one(corpus: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    changed = tmp_path / "changed"
    import shutil

    shutil.copytree(FLOWS, changed, ignore=shutil.ignore_patterns("__goldens__"))
    flow = changed / "inbound-support.flow.yaml"
    text = flow.read_text(encoding="utf-8")
    flow.write_text(text.replace("      - equals: gold\n        next: premium-queue",
                                 "      - equals: gold\n        next: check-cases"),
                    encoding="utf-8")  # fmt: skip
    args = ["replay", str(corpus), "--project", str(FLOWS), "--against", str(changed),
            "--format", "json"]  # fmt: skip
    local = _run(*args, "-j", "2")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        remote = _run(*args, "--engine", "dask", "--scheduler", cluster.scheduler_address)
        text_local = _run(*args[:-2], "-j", "1")
        text_remote = _run(*args[:-2], "--engine", "dask", "--scheduler",
                           cluster.scheduler_address)  # fmt: skip
    assert remote == local
    assert local[0] == 0
    doc = json.loads(local[1])
    assert (doc["impact"]["changed"], doc["fidelity"]["identical"]) == (30, 320)
    assert text_remote == text_local


def test_dask_engine_reads_fsspec_urls(corpus: Path) -> None:
    distributed = pytest.importorskip("distributed")
    url = "file://" + str(corpus) + "/*.jsonl"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        code, out, _ = _run("replay", url, "--project", str(FLOWS), "--engine", "dask",
                            "--scheduler", cluster.scheduler_address)  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == (
        "read 5930 record(s) from 2 file(s): 320 contact(s), 70 duplicate(s) dropped, "
        "0 malformed line(s), 320 contact record(s)"
    )


def test_without_dask_the_engine_names_the_extra(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = builtins.__import__

    def no_dask(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    code, out, err = _run("replay", str(corpus), "--project", str(FLOWS), "--engine", "dask",
                          "--scheduler", "tcp://127.0.0.1:8786")  # fmt: skip
    assert (code, out) == (2, "")
    assert err == (
        "flowrt replay: the Dask engine needs dask and distributed: pip install 'flowrt[dask]'\n"
    )


def test_engine_options_are_checked(corpus: Path) -> None:
    code, _, err = _run("replay", str(corpus), "--project", str(FLOWS), "--engine", "dask")
    assert (code, err) == (2, "flowrt replay: --engine dask needs --scheduler ADDRESS\n")
    code, _, err = _run("replay", str(corpus), "--project", str(FLOWS), "--scheduler", "x:1")
    assert (code, err) == (2, "flowrt replay: --scheduler needs --engine dask\n")
    code, _, err = _run("replay", str(corpus), "--project", str(FLOWS), "-j", "0")
    assert code == 2
    assert err == "flowrt replay: -j/--jobs: 0 is not a number of processes from 1 to 1024\n"


def test_a_line_over_the_limit_is_never_cut_into_parts(tmp_path: Path) -> None:
    code, base, _ = _run("run", str(FLOWS), "--format", "connect-logs")
    lines = base.splitlines()
    lines.insert(40, "{" * (3 << 20))  # 3 MB of `{`: every piece of it looks like a record's start
    src = tmp_path / "logs.jsonl"
    src.write_bytes(("\n".join(lines) + "\n").encode())
    p = plan([str(src)], part_bytes=65_536)
    data = src.read_bytes()
    assert len(p.parts) > 3
    assert all(q.start == 0 or data[q.start - 1 : q.start] == b"\n" for q in p.parts)
    program = load_project(FLOWS).compile(strict=False)
    report = run_replay([str(src)], program, jobs=2, part_bytes=65_536)
    assert [(q.code, q.line, q.message) for q in report.stats.problems] == [
        ("FR600", 41, "line over 1,048,576 bytes")
    ]
    assert report.identical == report.contacts == 32


def test_no_scheduler_answering_is_a_usage_error(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    from flowrt.replay import dask_engine

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", "1s")
    code, out, err = _run("replay", str(corpus), "--project", str(FLOWS), "--engine", "dask",
                          "--scheduler", "tcp://127.0.0.1:9")  # fmt: skip
    assert (code, out) == (2, "")
    assert err.startswith("flowrt replay: no Dask scheduler answers at tcp://127.0.0.1:9: ")


def test_dask_is_imported_only_when_its_engine_runs() -> None:
    import subprocess
    import sys

    code = (
        "import sys, flowrt.cli, flowrt.replay.engine, flowrt.replay.dask_engine\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"

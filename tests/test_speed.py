"""Speed at scale without changing results (issue 17): the collector tuned and restored, the
pre-generated validators equal to fresh ones, an oversize flow refused before it is built, and
`flowrt run DIR` streamed on several processes with the same bytes in the same order."""

from __future__ import annotations

import gc
import re
import shutil
from pathlib import Path

import pytest

from flowrt.cli import main, stream
from flowrt.core.gc import THRESHOLDS, paused_gc, quiet_gc
from flowrt.lang.loader import entries_over
from flowrt.project import driver
from flowrt.project.schemas import validator_sources

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
VALIDATORS = ROOT / "flowrt" / "lang" / "schemas" / "validators"


@pytest.fixture
def collector() -> object:
    """The collector's settings as a test found them, put back afterwards."""
    saved = (gc.get_threshold(), gc.isenabled())
    yield saved
    gc.set_threshold(*saved[0])
    (gc.enable if saved[1] else gc.disable)()


def test_quiet_gc_tunes_the_collector_and_restores_it_exactly(collector: object) -> None:
    gc.set_threshold(123, 4, 5)
    gc.disable()
    assert gc.get_freeze_count() == 0
    with quiet_gc():
        assert gc.get_threshold() == THRESHOLDS
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # what existed before is not walked again
        with quiet_gc():  # nested: nothing changes, nothing is restored early
            assert gc.get_threshold() == THRESHOLDS
        assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold() == (123, 4, 5)
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_quiet_gc_never_undoes_a_callers_freeze(collector: object) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with quiet_gc():
            pass
        # Still frozen (a frozen object that died since is no longer counted).
        assert gc.get_freeze_count() > frozen - 100
    finally:
        gc.unfreeze()


def test_quiet_gc_restores_after_an_exception(collector: object) -> None:
    before = gc.get_threshold()
    with pytest.raises(KeyError), quiet_gc():
        raise KeyError("x")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_paused_gc_turns_the_collector_off_for_the_body_only(collector: object) -> None:
    gc.set_threshold(123, 4, 5)
    gc.enable()
    with paused_gc():
        assert not gc.isenabled()
        assert gc.get_threshold() == THRESHOLDS
        with quiet_gc():  # nested in it: still off
            assert not gc.isenabled()
        made = [[i] for i in range(200_000)]  # young objects the collector has not seen
        assert gc.get_count()[0] > 150_000
    # They were frozen and then unfrozen with the rest: none waits for a young collection (which
    # would walk every one of them at the next allocation).
    assert gc.get_count()[0] < 1_000
    assert len(made) == 200_000
    assert gc.isenabled()
    assert gc.get_threshold() == (123, 4, 5)
    assert gc.get_freeze_count() == 0
    with pytest.raises(KeyError), paused_gc():
        raise KeyError("x")
    assert gc.isenabled()
    gc.disable()  # a caller who turned it off keeps it off
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_loading_and_compiling_run_with_the_collector_paused(
    collector: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = driver.compile_flow

    def watched(*args: object) -> object:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(driver, "compile_flow", watched)
    gc.enable()
    diags, files = driver.check_paths([str(FLOWS)])
    assert files > 10 and seen and not any(seen)
    assert gc.isenabled()


def test_the_collector_is_restored_after_a_run(
    collector: object, capsys: pytest.CaptureFixture[str]
) -> None:
    gc.set_threshold(701, 11, 12)
    assert main(["run", str(FLOWS), "-j", "1"]) == 0
    assert gc.get_threshold() == (701, 11, 12)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert "99 case(s) run: 99 completed, 0 failed" in capsys.readouterr().out


def test_pregenerated_validators_equal_fresh_generation() -> None:
    fresh = validator_sources()
    shipped = {p.name: p.read_text(encoding="utf-8") for p in VALIDATORS.glob("*.pysrc")}
    hint = "regenerate with: python -m flowrt.project.schemas"
    assert sorted(shipped) == sorted(fresh), hint
    for name, text in fresh.items():
        assert shipped[name] == text, f"{name} drifted; {hint}"


def test_a_pregenerated_validator_is_the_one_used() -> None:
    from flowrt.lang import schema

    schema._fast_validator.cache_clear()
    validate = schema._fast_validator("flow", "play-prompt")
    assert validate.__module__ == "flowrt.lang.schemas.validators.flow.play-prompt"
    assert validate({"type": "play-prompt", "text": "hi"}) == {"type": "play-prompt", "text": "hi"}


def test_entries_over_counts_only_the_mapping_under_the_key() -> None:
    text = "flow: x\nother: {a: 1, b: 2, c: 3}\nblocks:\n  a: {type: x}\n  b: 1\n  c: [1]\n"
    assert entries_over(text, "blocks", 2) == (3, 1, 3, 7)
    assert entries_over(text, "blocks", 3) is None
    assert entries_over("- blocks\n- {a: 1, b: 2, c: 3}\n", "blocks", 2) is None
    assert entries_over("flow: x\nblocks: {a: 1, b: 2, c: {d: 1}}\n", "blocks", 2) == (2, 1, 2, 7)
    assert entries_over("flow: [unclosed\n", "blocks", 2) is None


def _big_flow(blocks: int) -> str:
    body = "".join(
        f"  b{i}: {{type: play-prompt, text: '{'x' * 80}', next: b{i + 1}}}\n"
        for i in range(blocks)
    )
    return (
        f"flow: big\ntype: contact\nstart: b0\nblocks:\n{body}  b{blocks}: {{type: disconnect}}\n"
    )


def test_an_oversize_flow_is_refused_before_it_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "instance.yaml").write_text("instance: t\n", encoding="utf-8")
    big = tmp_path / "big.flow.yaml"
    big.write_text(_big_flow(25_000), encoding="utf-8")
    assert big.stat().st_size > driver.EARLY_COUNT_BYTES
    built: list[str] = []
    real = driver.load_text
    monkeypatch.setattr(
        driver, "load_text", lambda text, file, *a: built.append(file) or real(text, file, *a)
    )
    diags, files = driver.check_paths([str(big)])
    assert [(d.code, d.message, d.span and (d.span.line, d.span.column)) for d in diags] == [
        ("FR045", "more than 20,000 blocks; flowrt reads at most 20,000 per flow", (4, 1))
    ]
    assert diags[0].hint == "split the flow with transfer-to-flow"
    assert not any(f.endswith("big.flow.yaml") for f in built)  # never built
    assert files == 1


def _many_cases(tmp_path: Path, copies: int) -> Path:
    """The example project with each scenario file copied `copies` times (new names)."""
    root = tmp_path / "p"
    shutil.copytree(FLOWS, root, ignore=shutil.ignore_patterns("__goldens__"))
    for sc in sorted((root / "scenarios").glob("*.scenario.yaml")):
        text = sc.read_text(encoding="utf-8")
        for k in range(copies):
            renamed = re.sub(r"^scenario: (\S+)", rf"scenario: \1-{k}", text, flags=re.M)
            (sc.parent / f"{sc.name.removesuffix('.scenario.yaml')}-{k}.scenario.yaml").write_text(
                renamed, encoding="utf-8"
            )
    return root


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_run_output_is_the_same_bytes_for_any_jobs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "CHUNK", 7)  # many chunks, so workers interleave
    monkeypatch.setattr(stream, "MIN_PARALLEL", 10)
    root = _many_cases(tmp_path, 2)
    outputs = []
    for jobs in ("1", "2", "3"):
        assert main(["run", str(root), "-j", jobs, "--format", fmt]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    if fmt == "text":
        lines = outputs[0].splitlines()
        assert lines[-1] == "297 case(s) run: 297 completed, 0 failed"
        # In case order: scenario files sorted by path, cases in file order.
        files = [line.split()[1].split("::")[0] for line in lines[:-1]]
        assert files == sorted(files)
        assert lines[0] == "ok   scenarios/email-0.scenario.yaml::to-primary  queued in BasicQueue"


def test_streamed_json_equals_the_whole_document(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from flowrt.cli.common import json_document

    assert main(["run", str(FLOWS), "--format", "json", "-j", "1"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert (
        out
        == json_document("run", {k: v for k, v in data.items() if k not in ("format", "command")})
        + "\n"
    )
    assert data["summary"]["cases"] == len(data["runs"]) == 99


def test_run_streams_lines_before_the_last_case_finishes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    seen: list[int] = []
    sizes: list[int] = []
    real = stream._run_chunk

    def watched(chunk: list[tuple[int, int, int]]) -> tuple[list[stream.CaseLine], str | None]:
        seen.append(sys.stdout.getvalue().count("\n") if hasattr(sys.stdout, "getvalue") else -1)
        sizes.append(sum(end - start for _, start, end in chunk))
        return real(chunk)

    monkeypatch.setattr(stream, "CHUNK", 10)
    monkeypatch.setattr(stream, "_run_chunk", watched)
    assert main(["run", str(FLOWS), "-j", "1"]) == 0
    capsys.readouterr()
    # Each chunk starts after the lines of the chunks before it were written.
    assert len(seen) == 13 and sum(sizes) == 99
    assert seen == [sum(sizes[:i]) for i in range(len(seen))]


@pytest.mark.parametrize("value", ["0", "x", "257"])
def test_jobs_must_be_a_sensible_number(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(FLOWS), "-j", value]) == 2
    assert "-j" in capsys.readouterr().err

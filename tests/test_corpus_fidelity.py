"""Real flows, dry-run on every channel their flow type serves.

Every real export (the vendored ones always; the shared corpus, CloudFormation and Terraform
templates included, when present) is imported, compiled and run once per channel that a flow of
its type serves in Amazon Connect.  Each run must end in an outcome Connect could reach: never the
step limit (a pass-through block following one transition forever was how real flows got there),
never "this block cannot be run".  The native ratio of each file is printed by
`python bench/bench_corpus.py` (see docs/connect.md, "Proof on real data").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowrt.connect.importer import import_paths
from flowrt.project.driver import load_project

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "connect-flows"
VENDORED = Path(__file__).resolve().parent / "data" / "connect-flows"

#: The channels a flow of each type runs for in Amazon Connect: inbound, queue, transfer flows
#: and modules serve every channel; hold flows and the outbound whisper only calls; whispers
#: calls and chats; the outbound email flow only email.
FLOW_CHANNELS: dict[str, tuple[str, ...]] = {
    "contact": ("VOICE", "CHAT", "TASK", "EMAIL"),
    "customer-queue": ("VOICE", "CHAT", "TASK", "EMAIL"),
    "agent-transfer": ("VOICE", "CHAT", "TASK", "EMAIL"),
    "queue-transfer": ("VOICE", "CHAT", "TASK", "EMAIL"),
    "module": ("VOICE", "CHAT", "TASK", "EMAIL"),
    "customer-hold": ("VOICE",),
    "agent-hold": ("VOICE",),
    "outbound-whisper": ("VOICE",),
    "customer-whisper": ("VOICE", "CHAT"),
    "agent-whisper": ("VOICE", "CHAT"),
    "outbound-email": ("EMAIL",),
}


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        f
        for f in root.rglob("*")
        if f.is_file() and f.suffix != ".md" and not f.name.startswith(".")
    )


def _params() -> list[Any]:
    params = [
        pytest.param(f, id=f"vendored/{f.relative_to(VENDORED).as_posix()}")
        for f in _files(VENDORED)
    ]
    if CORPUS.is_dir():
        params += [
            pytest.param(f, id=f"shared/{f.relative_to(CORPUS).as_posix()}") for f in _files(CORPUS)
        ]
    else:
        params.append(
            pytest.param(
                None,
                id="shared",
                marks=pytest.mark.skip(
                    reason=f"shared corpus of real exports not found at {CORPUS}"
                ),
            )
        )
    return params


def test_every_flow_type_has_its_channels() -> None:
    from flowrt.lang.blocks import FLOW_TYPES

    assert set(FLOW_CHANNELS) == set(FLOW_TYPES)


@pytest.mark.parametrize("path", _params())
def test_real_flow_runs_to_an_outcome_on_every_channel(path: Path, tmp_path: Path) -> None:
    found, _written, imported = import_paths([str(path)], str(tmp_path))
    assert [d.message for d in found if d.is_error] == []
    assert imported, "no flow imported"
    program = load_project(tmp_path).compile(strict=False)
    ends: dict[tuple[str, str], str] = {}
    for flow in imported:
        name, kind = flow.flow["flow"], flow.flow["type"]
        for channel in FLOW_CHANNELS[kind]:
            result = program.run({"channel": channel}, {}, flow=name)
            ends[(name, channel)] = result.outcome.kind
            assert result.outcome.kind != "step-limit", (name, channel, result.outcome)
            assert "cannot be run" not in (result.outcome.reason or ""), (name, channel)
    # One run per flow and channel its type serves, each with an outcome.
    assert len(ends) == sum(len(FLOW_CHANNELS[f.flow["type"]]) for f in imported)
    assert all(ends.values())

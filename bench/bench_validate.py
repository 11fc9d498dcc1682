"""Benchmark `flowrt validate` (issue 2's targets), as ratios against baselines of the same run.

Targets:
- validating a generated 10,000-block flow takes at most 2x composing it with ruamel's C parser;
- a project of 100 flows x 30 blocks validates in under 1.5 s wall, interpreter start-up included;
- `flowrt --help` takes under 0.3 s wall.

Run: python bench/bench_validate.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen import flow_text, write_project  # noqa: E402


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def wall(cmd: list[str], cwd: Path, repeat: int = 3) -> float:
    return best(lambda: subprocess.run(cmd, cwd=cwd, capture_output=True, check=False), repeat)


def main() -> int:
    from ruamel.yaml import YAML

    from flowrt.project.driver import check_paths

    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp) / "big", 0, 0)
        big = root / "big.flow.yaml"
        text = flow_text("big", 10_000)
        big.write_text(text, encoding="utf-8")
        print(f"10,000-block flow: {len(text) / 1e6:.2f} MB")

        compose = best(lambda: YAML(typ="safe", pure=False).compose(text))
        validate = best(lambda: check_paths([str(big)]))
        diags, _ = check_paths([str(big)])
        errors = [d for d in diags if d.is_error]
        assert not errors, errors[:3]
        ratio = validate / compose
        print(f"compose (C parser)        {compose:7.3f} s   (baseline)")
        print(f"validate (in process)     {validate:7.3f} s   ratio {ratio:.2f}x   target <= 2.00x")

        proj = write_project(Path(tmp) / "proj", 100, 30)
        exe = [sys.executable, "-m", "flowrt"]
        start = wall([sys.executable, "-c", "pass"], proj)
        t_proj = wall([*exe, "validate", "."], proj)
        out = subprocess.run([*exe, "validate", "."], cwd=proj, capture_output=True, text=True)
        assert out.returncode == 0, out.stdout[-2000:]
        print(f"python start-up           {start:7.3f} s   (baseline)")
        print(
            f"validate 100 x 30 blocks  {t_proj:7.3f} s   ratio {t_proj / start:.1f}x start-up"
            "   target < 1.5 s"
        )
        t_help = wall([*exe, "--help"], proj)
        print(
            f"flowrt --help             {t_help:7.3f} s   ratio {t_help / start:.1f}x start-up"
            "   target < 0.3 s"
        )
        ok = ratio <= 2.0 and t_proj < 1.5 and t_help < 0.3
        print("all targets met" if ok else "TARGET MISSED")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

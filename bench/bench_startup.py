"""Start-up of the small commands, cold, and what it is made of (the floor under it).

Every figure is the median of ROUNDS interleaved rounds, each command a fresh process: its wall
time and its CPU time (user + system, `wait4`'s usage of the child), which a busy machine barely
changes.  Besides flowrt's commands it times what they cannot avoid: python's own start-up and
importing the libraries they use, each alone in a fresh process.

    python bench/bench_startup.py [ROUNDS] [--other LABEL=CHECKOUT]...

With `--other`, the flowrt commands are also run from another checkout of flowrt (its package
directory put first on `sys.path`, the same interpreter and libraries), in the same rounds, and
each of this checkout's figures is printed as a ratio of the other's.  Compile the bytecode of
both the same way first (`python -m compileall -q flowrt` in each), or neither.

flowrt's validator bytecode cache is pointed at a fresh temporary directory, which the first
round fills: the rounds after it measure a warm cache, as a user's second command sees it; the
"cold cache" rows run with the cache turned off (`FLOWRT_CACHE_DIR=`), as a first command does.

Targets (exit 1 when one is missed): `flowrt validate` of one small flow (the example project's
inbound-support) <= 0.10 s; `flowrt --help` <= 0.05 s; the 8 MB, 50,000-block flow refused
(FR045) in < 0.5 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen import flow_text, write_project  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = 0  # reaped here
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    args = sys.argv[1:]
    others: dict[str, Path] = {}
    while "--other" in args:
        i = args.index("--other")
        label, _, where = args[i + 1].partition("=")
        others[label] = Path(where).resolve()
        del args[i : i + 2]
    n = int(args[0]) if args else 9
    load_before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        big = write_project(t / "big8", 0, 0)
        (big / "big.flow.yaml").write_text(flow_text("big", 50_000), encoding="utf-8")
        small = ROOT / "flows"
        base_env = {**os.environ, "FLOWRT_CACHE_DIR": str(t / "cache")}
        base_env.pop("PYTHONPATH", None)
        cold_env = {**base_env, "FLOWRT_CACHE_DIR": ""}
        flowrt_cmds: dict[str, tuple[list[str], Path]] = {
            "flowrt --help": ([PY, "-m", "flowrt", "--help"], t),
            "validate one small flow": (
                [PY, "-m", "flowrt", "validate", "inbound-support.flow.yaml"],
                small,
            ),
            "refuse the 8 MB flow (FR045)": (
                [PY, "-m", "flowrt", "validate", "big.flow.yaml"],
                big,
            ),
        }
        floors: dict[str, list[str]] = {
            "python -c pass": [PY, "-c", "pass"],
            "python -S -c pass (no site)": [PY, "-S", "-c", "pass"],
            "import pydantic (BaseModel)": [PY, "-c", "from pydantic import BaseModel"],
            "import ruamel.yaml (C)": [PY, "-c", "import ruamel.yaml, _ruamel_yaml"],
            "import lark": [PY, "-c", "import lark"],
            "import fastjsonschema": [PY, "-c", "import fastjsonschema"],
            "import flowrt.lang.blocks": [PY, "-c", "import flowrt.lang.blocks"],
        }
        commands: dict[str, tuple[list[str], Path, dict[str, str]]] = {}
        for name, cmd in floors.items():
            commands[name] = (cmd, t, base_env)
        for name, (cmd, cwd) in flowrt_cmds.items():
            commands[name] = (cmd, cwd, base_env)
        commands["validate one small flow, cold cache"] = (
            flowrt_cmds["validate one small flow"][0],
            small,
            cold_env,
        )
        for label, where in others.items():
            env = {**base_env, "PYTHONPATH": str(where)}
            for name, (cmd, cwd) in flowrt_cmds.items():
                commands[f"{name} [{label}]"] = (cmd, cwd, env)
        walls: dict[str, list[float]] = {k: [] for k in commands}
        cpus: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(n):
            for name, (cmd, cwd, env) in commands.items():
                w, c = timed(cmd, cwd, env)
                walls[name].append(w)
                cpus[name].append(c)
    wall = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    print(f"{n} interleaved rounds, medians; each command a fresh process")
    print(f"load average (1, 5, 15 min) before: {load_before}, after: {_load()}\n")
    print(f"  {'command':44s} {'wall':>8s} {'CPU':>8s}")
    for name in commands:
        line = f"  {name:44s} {wall[name]:6.3f} s {cpu[name]:6.3f} s"
        base_name = name.split(" [")[0]
        if name != base_name:
            line += (
                f"   this checkout: {wall[base_name] / wall[name]:.2f}x wall, "
                f"{cpu[base_name] / cpu[name]:.2f}x CPU"
            )
        print(line)
    checks = [
        ("validate one small flow", 0.10, "<="),
        ("flowrt --help", 0.05, "<="),
        ("refuse the 8 MB flow (FR045)", 0.5, "<"),
    ]
    ok = True
    print("\ntarget                                        wall     CPU      target")
    for name, limit, op in checks:
        met = wall[name] <= limit if op == "<=" else wall[name] < limit
        ok &= met
        print(
            f"  {name:42s} {wall[name]:6.3f} s {cpu[name]:6.3f} s  {op} {limit} s"
            + ("" if met else "   MISSED")
        )
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def _load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "unknown"


if __name__ == "__main__":
    raise SystemExit(main())

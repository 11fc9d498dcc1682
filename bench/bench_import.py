"""Benchmark `flowrt import` on the shared corpus of real exports (issue 6's target).

Target: importing the whole corpus (../shared/connect-flows/: read, convert, validate in memory,
render the YAML and the layout side files) takes under 2 s.  The baseline of the same run is
`json.loads` of the same files, so the ratio says what the conversion costs beyond parsing.
A second figure includes writing the files (`import_paths` into a temporary directory).

Run: python bench/bench_import.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "connect-flows"
TARGET = 2.0


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    from flowrt.connect.files import read_source, to_yaml
    from flowrt.connect.importer import import_paths, import_source

    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; nothing to measure")
        return 0
    # Flow exports only: CloudFormation and Terraform templates embed flows as strings, which
    # `flowrt import` does not unpack (the same selection as tests/test_connect.py).
    files = sorted(
        f
        for f in CORPUS.rglob("*")
        if f.is_file()
        and f.suffix not in (".md", ".yml", ".yaml", ".tf")
        and not f.name.endswith(".template.json")
    )
    texts = [f.read_text(encoding="utf-8") for f in files]

    def baseline() -> None:
        for t in texts:
            data = json.loads(t)
            for key in ("Content",):
                if isinstance(data.get(key), str):
                    json.loads(data[key])

    def convert() -> None:
        for f in files:
            src, _ = read_source(f)
            if src is not None:
                imp = import_source(src)
                to_yaml(imp.flow, src.file)
                json.dumps(imp.layout, indent=2)

    def write_all() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            import_paths([str(f) for f in files], tmp)

    start = time.perf_counter()
    convert()  # first run, cold: imports of pydantic models, lark, ruamel
    cold = time.perf_counter() - start
    base = best(baseline)
    warm = best(convert)
    full = best(write_all)
    size = sum(len(t) for t in texts)
    print(f"corpus: {len(files)} files, {size / 1e6:.2f} MB")
    print(f"json.loads baseline       {base * 1000:8.1f} ms")
    print(f"import (first run, cold)  {cold * 1000:8.1f} ms")
    print(f"import (warm)             {warm * 1000:8.1f} ms  ({warm / base:.0f}x json.loads)")
    print(f"import + write files      {full * 1000:8.1f} ms")
    ok = max(cold, full) < TARGET
    print(f"target: whole corpus under {TARGET:.0f} s -> {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

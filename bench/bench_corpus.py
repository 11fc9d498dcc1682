"""How much of real Amazon Connect flows flowrt simulates natively: a table per file.

    python bench/bench_corpus.py [DIR ...]      # default: tests/data/connect-flows and
                                                #          ../shared/connect-flows when present

For every file (flow language, legacy console export, CloudFormation or Terraform template,
several flows per file where it holds them) it imports each flow as `flowrt import` does and
counts its actions: native blocks, and `connect-action` pass-throughs (whose dry run only follows
a transition), with the pass-through action types.  It prints one line per file, the total and
the pass-through types by count, and exits 1 when a file cannot be imported.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

from flowrt.connect.importer import import_source
from flowrt.connect.templates import read_sources

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [ROOT / "tests" / "data" / "connect-flows", ROOT.parent / "shared" / "connect-flows"]


def files(root: Path) -> list[Path]:
    """The flow files under `root` (documentation and hidden files left out)."""
    if root.is_file():
        return [root]
    return sorted(
        f
        for f in root.rglob("*")
        if f.is_file() and f.suffix != ".md" and not f.name.startswith(".")
    )


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [d for d in DEFAULT if d.is_dir()]
    total = native = 0
    kinds: collections.Counter[str] = collections.Counter()
    failed = 0
    print(f"{'native':>7} {'actions':>7}  file")
    for root in roots:
        for f in files(root):
            sources, diags = read_sources(f)
            if not sources:
                failed += 1
                codes = ", ".join(sorted({d.code for d in diags})) or "nothing read"
                print(f"{'-':>7} {'-':>7}  {f.relative_to(root.parent)}  (not imported: {codes})")
                continue
            n = d = 0
            for src in sources:
                blocks = list(import_source(src).flow["blocks"].values())
                n += len(blocks)
                passed = [b["action"] for b in blocks if b["type"] == "connect-action"]
                d += len(passed)
                kinds.update(passed)
            total += n
            native += n - d
            ratio = f"{(n - d) / n:.0%}" if n else "-"
            print(f"{ratio:>7} {n:>7}  {f.relative_to(root.parent)}")
    share = native / total if total else 0.0
    print(f"\n{native} of {total} actions native ({share:.1%}); {failed} file(s) not imported")
    for kind, count in kinds.most_common():
        print(f"  {count:5}  {kind}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

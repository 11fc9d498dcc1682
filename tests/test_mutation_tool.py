"""tools/mutation_sample.py and tools/mutation.sh (docs/fuzzing.md, "Mutation testing"): the
seeded, stratified sample of mutants, the Wilson interval of the kill rate, the counts of the
report, the list of equivalent mutants, and the command's arguments.  The tool's mutmut part
(generating and running mutants) is what the documented run exercises; these are its pure parts,
tested without mutmut.
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mutation_sample", ROOT / "tools" / "mutation_sample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_sample"] = module
    spec.loader.exec_module(module)
    return module


tool = _tool()

# 30 mutants of a, 60 of b, 10 of c (a method: mutmut's xǁCLASSǁNAME)
NAMES = (
    [f"flowrt.run.a.x_f__mutmut_{i}" for i in range(1, 31)]
    + [f"flowrt.run.b.x_g__mutmut_{i}" for i in range(1, 61)]
    + [f"flowrt.lang.c.xǁBlockǁcheck__mutmut_{i}" for i in range(1, 11)]
)


def test_module_of_a_function_and_of_a_method() -> None:
    assert tool.module_of("flowrt.run.world.x_attribute_bytes__mutmut_3") == "flowrt.run.world"
    assert (
        tool.module_of("flowrt.lang.blocks.base.xǁBlockǁexits__mutmut_12")
        == "flowrt.lang.blocks.base"
    )
    # a module named x_... is not taken for the function
    assert tool.module_of("flowrt.x_mod.x_f__mutmut_1") == "flowrt.x_mod"


def test_sample_is_proportional_to_each_module() -> None:
    picked = tool.stratified_sample(NAMES, 10, "1")
    assert len(picked) == len(set(picked)) == 10
    assert Counter(tool.module_of(n) for n in picked) == {
        "flowrt.run.a": 3,
        "flowrt.run.b": 6,
        "flowrt.lang.c": 1,
    }
    assert picked == sorted(picked)
    assert set(picked) <= set(NAMES)


def test_seats_left_by_rounding_go_to_the_largest_remainders() -> None:
    # 7 of 100: exact shares 2.1 (a), 4.2 (b), 0.7 (c): floors 2 + 4 + 0, the seat left goes to c
    picked = tool.stratified_sample(NAMES, 7, "1")
    assert Counter(tool.module_of(n) for n in picked) == {
        "flowrt.run.a": 2,
        "flowrt.run.b": 4,
        "flowrt.lang.c": 1,
    }


def test_same_seed_same_sample_whatever_the_order_of_the_names() -> None:
    first = tool.stratified_sample(NAMES, 20, "7")
    assert tool.stratified_sample(list(reversed(NAMES)), 20, "7") == first
    assert tool.stratified_sample(NAMES, 20, "8") != first


def test_a_sample_larger_than_the_mutants_takes_them_all() -> None:
    assert tool.stratified_sample(NAMES, 1000, "1") == sorted(NAMES)


@pytest.mark.parametrize(
    ("killed", "total", "low", "high"),
    [
        (95, 100, 0.88825, 0.97846),
        (100, 100, 0.96301, 1.0),
        (0, 10, 0.0, 0.27754),
        (540, 600, 0.87339, 0.92152),
    ],
)
def test_wilson_interval(killed: int, total: int, low: float, high: float) -> None:
    assert tool.wilson(killed, total) == (
        pytest.approx(low, abs=1e-5),
        pytest.approx(high, abs=1e-5),
    )
    # the same bounds by another path: the roots in p of (p - k/n)^2 = z^2 p (1 - p) / n
    z, share = 1.96, killed / total
    a, b, c = 1 + z * z / total, -(2 * share + z * z / total), share * share
    root = math.sqrt(b * b - 4 * a * c)
    assert tool.wilson(killed, total) == (
        pytest.approx((-b - root) / (2 * a), abs=1e-9),
        pytest.approx((-b + root) / (2 * a), abs=1e-9),
    )


def test_wilson_of_nothing_is_everything() -> None:
    assert tool.wilson(0, 0) == (0.0, 1.0)


def test_tally_counts_timeouts_as_killed_and_listed_survivors_as_equivalent() -> None:
    lines = tool.tally(
        {
            "m.x_f__mutmut_1": "killed",
            "m.x_f__mutmut_2": "killed",
            "m.x_f__mutmut_3": "timeout",
            "m.x_f__mutmut_4": "survived",
            "m.x_f__mutmut_5": "survived",
            "m.x_f__mutmut_6": "no tests",
        },
        {"m.x_f__mutmut_5": "3 is the default"},
    )
    assert lines == [
        "  equivalent: 1",
        "  killed: 2",
        "  no tests: 1",
        "  survived: 1",
        "  timeout: 1",
        "killed 3 of 5 non-equivalent mutants: 60.0% (95% Wilson interval 23.1% to 88.2%)",
        "  survived: m.x_f__mutmut_4",
        "  equivalent: m.x_f__mutmut_5  (3 is the default)",
        "  no tests: m.x_f__mutmut_6",
    ]


def test_every_equivalent_mutant_has_a_name_and_a_reason() -> None:
    same = tool.equivalent()
    for name, reason in same.items():
        assert name.startswith("flowrt.") and "__mutmut_" in name, name
        assert len(reason) > 20, (name, reason)


@pytest.mark.parametrize(
    "args",
    [
        ["--sample", "5"],
        ["--sample", "x", "--seed", "1"],
        ["--sample", "0", "--seed", "1"],
        ["--report", "5", "--seed"],
    ],
)
def test_mutation_sh_refuses_a_sample_without_a_size_and_a_seed(args: list[str]) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "mutation.sh"), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.endswith(
        "--sample N --seed S   (or --report N --seed S; N a whole number of mutants)\n"
    )

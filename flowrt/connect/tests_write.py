"""Writing the test cases of scenario files (`flowrt export-tests`): one JSON file per case.

`export_test_paths` finds the scenario files under the paths given, exports each case with
`flowrt.connect.tests_export.export_case` and writes the CreateTestCase request through the safe
writer (never overwriting without `force`); a refused case is one FR450 per reason at the case's
name, a name written as it is (no ARN or ID) is FR451.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flowrt.connect import testcases as tc
from flowrt.connect.env import EMPTY, Environment, instance_environment, with_fallback
from flowrt.connect.files import path_exists, write_atomic
from flowrt.connect.tests_export import CaseExport, case_test_name, export_case
from flowrt.core.diagnostics import Diagnostic
from flowrt.lang.instance import DEFAULT_INSTANCE_ARN


def export_test_paths(
    paths: Sequence[str],
    out_dir: str | None,
    *,
    env: Environment = EMPTY,
    force: bool = False,
    instance_id: str | None = None,
) -> tuple[list[Diagnostic], list[Path], list[CaseExport]]:
    """Export every case of the scenario files under `paths`; one JSON file per case."""
    from flowrt.core.files import SCENARIO_SUFFIX
    from flowrt.project.driver import discover, display_path, find_root, load_project, scope
    from flowrt.scenario.model import cases_of

    diags: list[Diagnostic] = []
    written: list[Path] = []
    cases: list[CaseExport] = []
    for raw in paths:
        p = Path(raw)
        if not path_exists(p):
            diags.append(Diagnostic.make("FR001", f"no such file or directory: {raw}"))
            continue
        wanted = {display_path(f) for f in discover([scope(p)]) if f.name.endswith(SCENARIO_SUFFIX)}
        project = load_project(find_root(p))
        program = project.compile(strict=False)
        errors = [d for d in program.diagnostics if d.is_error]
        if errors:
            diags.extend(errors)
            continue
        flow_ids = {n: u.flow.id for n, u in project.flows.items() if u.flow.id}
        mapping = with_fallback(env, instance_environment(project.instance, flow_ids))
        inst = instance_id
        if (
            inst is None
            and project.instance is not None
            and project.instance.arn != DEFAULT_INSTANCE_ARN
        ):
            inst = project.instance.arn
        for doc, sf in project.scenarios:
            if doc.file not in wanted:
                continue
            stem = Path(doc.file).name.removesuffix(SCENARIO_SUFFIX)
            for run in cases_of(sf):
                expect = sf.cases[run.case].expect
                item = CaseExport(doc.file, run.scenario, run.case)
                cases.append(item)
                request, reasons, unmapped = export_case(
                    program, run, expect, env=mapping, stem=stem, instance_id=inst
                )
                span = doc.key_span(("cases", run.case))
                if request is None:
                    item.reasons = reasons
                    diags.extend(_refused(run.case, r, span) for r in reasons)
                    continue
                diags.extend(_unmapped(run.case, kind, name, span) for kind, name in unmapped)
                if inst is None:
                    diags.append(
                        Diagnostic.make(
                            "FR451",
                            f"case `{run.case}`: no instance: `InstanceId` is left out",
                            span,
                            "give instance.yaml the instance's `arn:`, or pass --instance-id",
                        )
                    )
                item.request = request
                if out_dir is None:
                    continue
                target = Path(out_dir) / f"{case_test_name(stem, run.case)}.json"
                problem = write_atomic(target, tc.dumps(request), force, span)
                if problem:
                    diags.append(problem)
                else:
                    written.append(target)
                    item.file = str(target)
    return diags, written, cases


def _refused(case: str, reason: str, span: Any) -> Diagnostic:
    return Diagnostic.make(
        "FR450",
        f"case `{case}` cannot be an Amazon Connect test case: {reason}",
        span,
        "see docs/connect.md, section Running the same cases in Amazon Connect",
    )


_KIND = {
    "flows": "flow",
    "queues": "queue",
    "lambda-functions": "Lambda function",
    "hours-of-operation": "hours of operation",
}


def _unmapped(case: str, kind: str, name: str, span: Any) -> Diagnostic:
    return Diagnostic.make(
        "FR451",
        f"case `{case}`: {_KIND.get(kind, kind)} `{name}` is not mapped to an ARN or ID; it is "
        "written as it is",
        span,
        f"map it under `{kind}:` in an environment file (--env), or give it an `id:`/`arn:`",
    )

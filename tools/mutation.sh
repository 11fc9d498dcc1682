#!/usr/bin/env bash
# Mutation testing of flowrt's semantic core with mutmut (docs/fuzzing.md, "Mutation testing").
#
#   tools/mutation.sh                      # every mutant of the core (scope: [tool.mutmut] in pyproject.toml)
#   tools/mutation.sh 'flowrt.email.*'     # only the mutants whose names match (mutmut's own globs)
#   tools/mutation.sh --sample 600 --seed 1   # N mutants drawn at random over the whole core,
#                                          # stratified by module (tools/mutation_sample.py)
#   tools/mutation.sh --report 600 --seed 1   # that sample's counts and kill rate, again
#
# Not part of the test suite or of .ci/run: it takes hours on two cores.  Needs the `mutation` extra
# (pip install -e '.[test,mutation]').  Results stay in mutants/ (ignored by git): a second run
# retests only what changed; `mutmut results` lists the survivors, `mutmut show NAME` shows one.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
if [ "${1:-}" = "--sample" ] || [ "${1:-}" = "--report" ]; then
    mode="$1"
    if [ $# -ne 4 ] || [ "$3" != "--seed" ] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]] || [ -z "$4" ]; then
        echo "usage: $0 --sample N --seed S   (or --report N --seed S; N a whole number of mutants)" >&2
        exit 2
    fi
    size="$2"
    seed="$4"
fi
if [ "$mode" = "--report" ]; then
    exec python tools/mutation_sample.py report --sample "$size" --seed "$seed"
fi

# Tests that run `python -m flowrt` (or the `flowrt` script, or `python -m pytest`) in a
# subprocess must import the mutated copy, not the editable install: mutmut puts mutants/ first on
# the test process's sys.path only, so put it first on every subprocess's path too.  The active
# mutant reaches them through MUTANT_UNDER_TEST, which they inherit.
# The directory must exist before Python starts: a path entry that is missing at the first import
# is cached as "nothing here" and never looked at again, even once mutmut has filled it.
mkdir -p mutants
# mutmut copies tests/ following symbolic links, and a test case that is a link out of its project
# (tests/cases/invalid/FR009-outside-root) must stay a link: copy tests/ first, links kept (mutmut
# then writes through the link the same bytes the link's target already has).
mkdir -p mutants/tests
cp -a tests/. mutants/tests/
# mutmut copies the files of flowrt/ that are not Python (help texts, schemas) only when mutants/
# has none yet: copy them again, so a run after a change of one of them does not test the old one.
mkdir -p mutants/flowrt
(cd flowrt && find . -type f ! -name '*.py' ! -name '*.pyc' -exec cp --parents {} ../mutants/flowrt/ \;)
export PYTHONPATH="$PWD/mutants${PYTHONPATH:+:$PYTHONPATH}"
# While mutmut records which tests reach which function (MUTANT_UNDER_TEST=stats), a subprocess
# would record into its own memory and, run from a project directory, look for mutmut's
# configuration there and fail.  It runs the unmutated functions instead: Python imports
# `sitecustomize` from the path at start-up, before any of flowrt.
cat > mutants/sitecustomize.py <<'PY'
"""Written by tools/mutation.sh: a subprocess of a test does not record mutmut's statistics."""

import os

if os.environ.get("MUTANT_UNDER_TEST") == "stats":
    os.environ["MUTANT_UNDER_TEST"] = ""
PY
# Two workers by default: the machine is shared.  MUTATION_JOBS=N to change it.
jobs="${MUTATION_JOBS:-2}"

start=$(date +%s)
if [ "$mode" = "--sample" ]; then
    python tools/mutation_sample.py run --sample "$size" --seed "$seed" --jobs "$jobs"
    echo "== took $(($(date +%s) - start)) s"
    exec python tools/mutation_sample.py report --sample "$size" --seed "$seed"
fi
mutmut run --max-children "$jobs" "$@"
echo "== took $(($(date +%s) - start)) s"
# the counts, as JSON (mutants/mutmut-cicd-stats.json) and the survivors, one a line
mutmut export-cicd-stats
cat mutants/mutmut-cicd-stats.json
echo
mutmut results

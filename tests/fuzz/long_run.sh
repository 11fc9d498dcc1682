#!/bin/sh
# The long fuzz run (docs/fuzzing.md): two pytest processes in parallel, one per core.
#   fast entry points (load, decode, import, validate): FAST examples per test
#   slow entry points (run, test, export round trip, graph): SLOW examples per test
# Usage: tests/fuzz/long_run.sh [SEED] [FAST] [SLOW]   (logs in fuzz-long-*.log)
set -u
SEED=${1:-8}
FAST=${2:-18000}
SLOW=${3:-3000}
PY=${PYTHON:-python}
common="-p no:cacheprovider --hypothesis-profile=long --hypothesis-seed=$SEED --hypothesis-show-statistics -q tests/fuzz"
FLOWRT_FUZZ_EXAMPLES=$FAST $PY -m pytest $common \
  -k "load or decode or tags or import_mutated or validate" > fuzz-long-fast.log 2>&1 &
fast=$!
FLOWRT_FUZZ_EXAMPLES=$SLOW $PY -m pytest $common \
  -k "not (load or decode or tags or import_mutated or validate)" > fuzz-long-slow.log 2>&1 &
slow=$!
wait $fast; rf=$?
wait $slow; rs=$?
grep -h "passing" fuzz-long-fast.log fuzz-long-slow.log \
  | awk '{n += $2} END {print n " passing examples in total"}'
tail -n 1 fuzz-long-fast.log fuzz-long-slow.log
exit $((rf | rs))

#!/usr/bin/env bash
# The two storage designs for summaries at Llama-2-7B shape, side by side on one in-JVM node:
#   bench/storage/run.sh [docs] [reps]        (defaults 6 documents of 22 x 1,536 tokens, 21 repetitions)
# Prints a markdown table (grep "STORAGE BENCH" in the output); docs/storage.md quotes it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
./mvnw -B test -Dspotless.check.skip=true -Dtest=StorageBench -DfailIfNoTests=false \
  -Dtests.heap=2g -Dbench.docs="${1:-6}" -Dbench.reps="${2:-21}" -Dtests.worker="${TESTS_WORKER:-1}" \
  | grep -A6 "STORAGE BENCH" | sed 's/^.*STORAGE BENCH/STORAGE BENCH/'

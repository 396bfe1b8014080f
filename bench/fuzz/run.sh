#!/usr/bin/env bash
# Bounded mutation fuzz of the model-directory readers (safetensors, torch.save zip-pickles, shard indexes,
# config.json, tokenizer.json), the long run: ReaderFuzzTests with many cases (CI runs 400 of the same cases).
#   bench/fuzz/run.sh [cases] [seed]          (defaults 10000 0x5EC0F022; the same seed gives the same cases)
#   FUZZ_TARGETS=SAFETENSORS,TORCH_BIN bench/fuzz/run.sh 5000     only some readers
# Writes the summary (cases, outcomes and rejection kinds per reader, findings, time) to $REPORT
# (default target/fuzz-report.txt) and prints it; a finding fails the run and is saved for replay under the
# test's temp directory (findings/, findings.txt; progress.txt names the last case started, should the JVM die).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
CASES=${1:-10000}
SEED=${2:-0x5EC0F022}
REPORT=${REPORT:-$ROOT/target/fuzz-report.txt}
mkdir -p "$(dirname "$REPORT")"
rm -f "$REPORT"
status=0
./mvnw -B test -Dtest='ReaderFuzzTests#testMutatedFilesAreAcceptedOrRefusedWithinBounds' -Dspotless.check.skip=true \
  -Dtests.worker="${TESTS_WORKER:-1}" -Dtests.timeoutSuite='14400000!' -Dlloco.fuzz.cases="$CASES" -Dlloco.fuzz.seed="$SEED" \
  -Dlloco.fuzz.targets="${FUZZ_TARGETS:-}" -Dlloco.fuzz.report="$REPORT" > "$REPORT.log" 2>&1 || status=$?
if [ -f "$REPORT" ]; then cat "$REPORT"; else tail -40 "$REPORT.log"; fi
exit $status

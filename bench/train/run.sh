#!/usr/bin/env bash
# Trainer throughput, measured side by side in one run on this machine: the one-document-per-step pretrainer
# (io.lloco.train.Pretrainer, documents of one 128-token segment, as in models/lloco-tiny/DIAGNOSIS.md) against the
# batched retrieval trainer (io.lloco.train.RecallTrainer, B documents of 128 tokens per step, raw-text context and
# summaries of 64-token segments), same lloco-tiny shape from the same random init, same thread count.
#   bench/train/run.sh [minutes-per-trainer] [batch]      (defaults 2 16)
# Prints one JSON line per trainer and the ratios. Needs nothing else running for the figures to mean much.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
MIN=${1:-2}; B=${2:-16}; THREADS=${THREADS:-1}
BUILD=${BUILD_DIR:-$ROOT/target-bench}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/lloco-bench-train.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
./mvnw -B -q -o -Dbuild.dir="$BUILD" -DskipTests -Dspotless.check.skip=true package
. "$ROOT/bench/jdk.sh"
export OMP_WAIT_POLICY=PASSIVE
train() { "$JAVA" -Xmx4g -cp "$BUILD/classes:$(cat "$BUILD/cli.classpath")" -Djna.noclasspath=true --enable-native-access=ALL-UNNAMED \
  -DDJL_CACHE_DIR="$BUILD/djl-cache" io.lloco.cli.TrainCommand "$@" --threads "$THREADS" --max-minutes "$MIN" --log-every 5 2>&1 | grep '^\[' ; }
# documents per second from the last progress line's step and elapsed time (every document has 128 tokens)
dps() { local l; l=$(grep 'elapsed' "$1" | tail -1)
  echo "$l" | awk -v per="$2" '{ for (i=1;i<=NF;i++) { if ($i=="step") { split($(i+1), a, "/"); st=a[1] } if ($i=="elapsed") { split($(i+1), t, ":"); s=t[1]*3600+t[2]*60+t[3] } }
    printf "%.2f", st*per/s }'; }
train pretrain --out "$OUT/one" --shape tiny --steps 100000 --max-segments 1 --segment-start 128 --segment-doubling 100000000 \
  --needle-rate 0 --context-cloze 1 --cloze-weight 0 > "$OUT/one.log"
train recall --out "$OUT/text" --shape tiny --steps 100000 --batch "$B" --doc-tokens 128 --probe-every 0 --probe-docs 8 > "$OUT/text.log"
train recall --out "$OUT/summ" --shape tiny --steps 100000 --batch "$B" --doc-tokens 128 --segment 64 --summary-rate 1 \
  --probe-every 0 --probe-docs 8 > "$OUT/summ.log"
one=$(dps "$OUT/one.log" 1); text=$(dps "$OUT/text.log" "$B"); summ=$(dps "$OUT/summ.log" "$B")
printf '{"trainer":"pretrain (1 document/step, LM + 4 context-cloze rows)","documents_per_s":%s,"minutes":%s,"threads":%s}\n' "$one" "$MIN" "$THREADS"
printf '{"trainer":"recall text (batch %s, question chain)","documents_per_s":%s,"minutes":%s,"threads":%s}\n' "$B" "$text" "$MIN" "$THREADS"
printf '{"trainer":"recall summary (batch %s, 2 segments of 64)","documents_per_s":%s,"minutes":%s,"threads":%s}\n' "$B" "$summ" "$MIN" "$THREADS"
awk -v a="$one" -v b="$text" -v c="$summ" 'BEGIN{ if (a>0) printf "{\"ratio_recall_text_vs_pretrain\":%.2f,\"ratio_recall_summary_vs_pretrain\":%.2f}\n", b/a, c/a }'

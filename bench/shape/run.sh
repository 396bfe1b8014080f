#!/usr/bin/env bash
# LLoCO's saving at Llama-2-7B shape, side by side (io.lloco.runtime.bench.ShapeBench; docs/BENCHMARKS.md): a random
# 7B-shaped checkpoint with LAYERS layers (default 2; written by io.lloco.train.large.LargeCheckpoint into the same cache
# as bench/large/run.sh), then for each of SHAPE_LENGTHS (default 1536,3072) one answer with the whole context as prompt tokens
# and one over its summaries (50 per 1,536 tokens), through the real Generator; FLOP ratios, and A100/H100 estimates
# for 32 layers labelled as estimates. Appends JSON lines to $OUT/results.jsonl (stage shape).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); cd "$ROOT"
BUILD=${LLOCO_BENCH_BUILD_DIR:-$ROOT/target-bench}
DATA=${LLOCO_LARGE_DIR:-$BUILD/large}
LAYERS=${LAYERS:-2}
OUT=${OUT:-$ROOT/docs/images/bench}
[ -f "$BUILD/bench.classpath" ] || ./mvnw -B -q -o -Dbuild.dir="$BUILD" -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$BUILD/bench.classpath" >/dev/null
. bench/jdk.sh
CP="$BUILD/test-classes:$BUILD/classes:$(cat "$BUILD/bench.classpath")"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} THP_MEM_ALLOC_ENABLE=${THP_MEM_ALLOC_ENABLE:-1}
JVM=(nice -n 5 "$JAVA" -Xmx2g --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -DOPT_OUT_TRACKING=true
  -Dai.djl.default_engine=PyTorch -DDJL_CACHE_DIR="${LLOCO_DJL_CACHE:-$BUILD/djl-cache}"
  -Dai.djl.pytorch.num_threads="${LLOCO_THREADS:-1}" -Dai.djl.pytorch.num_interop_threads=1 -cp "$CP")
d=$DATA/l$LAYERS
if [ ! -f "$d/COMPLETE" ]; then
  rm -rf "$d"; mkdir -p "$d"
  "${JVM[@]}" io.lloco.train.large.LargeCheckpoint --out "$d/model" --layers "$LAYERS" --adapter "$d/adapter" --text "$d/text.txt" --tokens 6000
  touch "$d/COMPLETE"
fi
mkdir -p "$OUT"
"${JVM[@]}" io.lloco.runtime.bench.ShapeBench "$d/model" --out "$OUT/results.jsonl" --lengths "${SHAPE_LENGTHS:-1536,3072}" \
  --new-tokens "${NEW_TOKENS:-4}" --reps "${REPS:-2}"

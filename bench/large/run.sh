#!/usr/bin/env bash
# Llama-2-7B-shaped benchmark (bench/large/README.md): writes random AutoCompressor checkpoints of the 7B shape (1 layer
# for the side-by-side layer comparison, LAYERS layers for the model run; cached under $LLOCO_LARGE_DIR), then runs
# io.lloco.runtime.bench.LargeModelBench on them under /usr/bin/time -v.
#   bench/large/run.sh                     # 32 layers, float32 compute with float16-resident weights
#   LAYERS=2 bench/large/run.sh            # a quick run
#   SKIP_LAYER=1 / SKIP_MODEL=1            # one half only
# Environment: LLOCO_LARGE_DIR (default <repo>/target-bench/large; 13.5 GB for 32 layers), LLOCO_THREADS (default nproc),
# DTYPE (float32), WEIGHTS_DTYPE (float16), SEGMENT (1536), NEW_TOKENS (8), PREFILL (64), CONTEXT (64).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${LLOCO_BENCH_BUILD_DIR:-$ROOT/target-bench}
DATA=${LLOCO_LARGE_DIR:-$BUILD/large}
LAYERS=${LAYERS:-32}
cd "$ROOT"
./mvnw -B -q -o -Dbuild.dir="$BUILD" -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$BUILD/bench.classpath" >/dev/null
. bench/jdk.sh
CP="$BUILD/test-classes:$BUILD/classes:$(cat "$BUILD/bench.classpath")"
LOG_CFG=$BUILD/bench-log4j2.properties
printf 'status = error\nappender.e.type = Console\nappender.e.name = e\nappender.e.target = SYSTEM_ERR\nappender.e.layout.type = PatternLayout\nappender.e.layout.pattern = [%%p][%%c{1}] %%m%%n\nrootLogger.level = warn\nrootLogger.appenderRef.e.ref = e\n' > "$LOG_CFG"
THREADS=${LLOCO_THREADS:-$(nproc)}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
# libtorch backs CPU allocations of >= 2 MB with transparent huge pages (madvise) when this is set: on this VM a fresh
# 180 MB tensor then costs 0.05-0.2 s of page faults instead of 1-1.5 s (bench/large/README.md)
export THP_MEM_ALLOC_ENABLE=${THP_MEM_ALLOC_ENABLE:-1}
JVM=("$JAVA" -Xmx2g --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Dai.djl.default_engine=PyTorch
  -DDJL_CACHE_DIR="${LLOCO_DJL_CACHE:-$BUILD/djl-cache}" -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1
  -Dlog4j2.configurationFile="$LOG_CFG" -cp "$CP")

checkpoint() { # layers dir
  if [ ! -f "$2/COMPLETE" ]; then
    rm -rf "$2"; mkdir -p "$2"
    /usr/bin/time -f "checkpoint: %e s wall, max RSS %M KB" "${JVM[@]}" io.lloco.train.large.LargeCheckpoint --out "$2/model" --layers "$1" \
      --adapter "$2/adapter" --text "$2/text.txt" --tokens 6000
    touch "$2/COMPLETE"
  fi
}

echo "== $(date -u +%FT%TZ) $(uname -m), $(nproc) cpus, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${SKIP_LAYER:-0}" != 1 ]; then
  checkpoint 1 "$DATA/l1"
  echo "== one layer, three precisions side by side"
  /usr/bin/time -f "layer bench: %e s wall, max RSS %M KB" "${JVM[@]}" io.lloco.runtime.bench.LargeModelBench layer "$DATA/l1/model" \
    --prefill "${PREFILL:-64}" --context "${CONTEXT:-64}" --reps 3
fi
if [ "${SKIP_MODEL:-0}" != 1 ]; then
  checkpoint "$LAYERS" "$DATA/l$LAYERS"
  echo "== $LAYERS layers: load, memory, compression, decoding (dtype ${DTYPE:-float32}, weights ${WEIGHTS_DTYPE:-float16})"
  /usr/bin/time -f "model bench: %e s wall, max RSS %M KB" "${JVM[@]}" io.lloco.runtime.bench.LargeModelBench model "$DATA/l$LAYERS/model" \
    --dtype "${DTYPE:-float32}" --weights-dtype "${WEIGHTS_DTYPE:-float16}" --segment "${SEGMENT:-1536}" --new-tokens "${NEW_TOKENS:-8}" \
    --adapter "$DATA/l$LAYERS/adapter" --text "$DATA/l$LAYERS/text.txt"
fi
echo "== done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# The LLoCO benchmark in one command (docs/BENCHMARKS.md): builds the plugin, starts a real OpenSearch node with it
# (plus `lloco-tiny-long`: lloco-tiny's weights with the window raised, bench/qa/setup-hook.sh), and runs
# io.lloco.bench.QaBench against it: memory per model, ingest beside the FLOP bound, the context sweep (lloco vs
# RAG-style raw segments vs full_context), the needle grid, the load test; then io.lloco.bench.BenchReport writes
# summary.json, summary.md and the PNG plots. Every point is appended to results.jsonl as it is measured; a rerun with
# RESUME=1 on a node left running (KEEP=1) measures only the points not there yet.
#
#   bench/run.sh                 # full: 1k..32k tokens, 5 depths, load 1/4/16 clients x batching on/off -> docs/images/bench/
#   bench/run.sh --quick         # a few minutes (bin/test runs it; SKIP_BENCH=1 skips it there) -> target/bench-quick/;
#                                # fails when a stage is missing, a question errs, or lloco reads no fewer positions
#
# Environment: HTTP_PORT / TRANSPORT_PORT / OS_BASE (the node; defaults 9200 / 9300 / /tmp/lloco-bench), BUILD_DIR
# (default target-bench; SKIP_BUILD=1 uses what is there), OUT (results directory), LENGTHS, DEPTHS, LOOKUPS, CLIENTS,
# LOAD_SECONDS (override the mode's), BENCH_DEADLINE (epoch seconds: points not started by then are skipped),
# LLOCO_THREADS (libtorch threads of the node, default 1), KEEP=1 (leave the node running), RESUME=1 (reuse a running
# node and the results already in OUT), SHAPE=0 (skip the Llama-2-7B-shape stage of the full run).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
QUICK=0; [ "${1:-}" = --quick ] && QUICK=1
BUILD=${BUILD_DIR:-$ROOT/target-bench}
if [ "$QUICK" = 1 ]; then
  OUT=${OUT:-$ROOT/target/bench-quick}
  LENGTHS=${LENGTHS:-1024,2048}; DEPTHS=${DEPTHS:-0,0.5,1}; LOOKUPS=${LOOKUPS:-1}; CLIENTS=${CLIENTS:-1,4}; LOAD_SECONDS=${LOAD_SECONDS:-5}
else
  OUT=${OUT:-$ROOT/docs/images/bench}
  LENGTHS=${LENGTHS:-1024,2048,4096,8192,16384,32768}; DEPTHS=${DEPTHS:-0,0.25,0.5,0.75,1}; LOOKUPS=${LOOKUPS:-2}
  CLIENTS=${CLIENTS:-1,4,16}; LOAD_SECONDS=${LOAD_SECONDS:-30}
fi
export OS_BASE=${OS_BASE:-/tmp/lloco-bench} HTTP_PORT=${HTTP_PORT:-9200} TRANSPORT_PORT=${TRANSPORT_PORT:-9300}
export LLOCO_THREADS=${LLOCO_THREADS:-1} HEAP=${HEAP:-1g} WITH_KNN=${WITH_KNN:-0}
export NODES="node-0:cluster_manager,data,ingest,lloco" SETUP_HOOK=$ROOT/bench/qa/setup-hook.sh
URL=http://127.0.0.1:$HTTP_PORT
t0=$(date +%s)
say() { echo "== bench ($(( $(date +%s) - t0 )) s): $*"; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "building the plugin zip and the bench classes into $BUILD"
  ./mvnw -B -q -o -Dbuild.dir="$BUILD" -DskipTests -Dspotless.check.skip=true -Dlloco.ui.skip=true package
fi
./mvnw -B -q -o -Dbuild.dir="$BUILD" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$BUILD/bench.classpath" >/dev/null
. bench/jdk.sh
CP="$BUILD/test-classes:$BUILD/classes:$(cat "$BUILD/bench.classpath")"
mkdir -p "$OUT" "$BUILD/tmp"

if [ "${RESUME:-0}" = 1 ] && curl -sf "$URL/_plugins/lloco" >/dev/null; then
  say "reusing the node on $URL"
else
  [ "${RESUME:-0}" = 1 ] || rm -f "$OUT/results.jsonl"
  say "starting a node on $URL (OS_BASE $OS_BASE)"
  PLUGIN_ZIP=$(ls "$BUILD"/lloco-*.zip | head -1) integTest/cluster.sh setup
  integTest/cluster.sh start
fi
[ "${KEEP:-0}" = 1 ] || trap 'integTest/cluster.sh stop >/dev/null 2>&1 || true' EXIT

say "QaBench: lengths $LENGTHS, depths $DEPTHS, $LOOKUPS lookups per document, clients $CLIENTS x ${LOAD_SECONDS}s"
nice -n 5 "$JAVA" -Xmx1g -cp "$CP" -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Dai.djl.default_engine=PyTorch \
  -DDJL_CACHE_DIR="${LLOCO_DJL_CACHE:-$BUILD/djl-cache}" -Dai.djl.pytorch.num_threads="$LLOCO_THREADS" \
  -Dai.djl.pytorch.num_interop_threads=1 -Djna.noclasspath=true -Djava.io.tmpdir="$BUILD/tmp" \
  io.lloco.bench.QaBench --url "$URL" --out "$OUT/results.jsonl" --lengths "$LENGTHS" --depths "$DEPTHS" \
  --lookups "$LOOKUPS" --clients "$CLIENTS" --load-seconds "$LOAD_SECONDS" --deadline "${BENCH_DEADLINE:-0}" \
  --pid-file "$OS_BASE/nodes/node-0/os.pid"
[ "${KEEP:-0}" = 1 ] || { integTest/cluster.sh stop >/dev/null 2>&1 || true; }

if [ "$QUICK" = 0 ] && [ "${SHAPE:-1}" = 1 ]; then
  say "Llama-2-7B shape (2 layers): bench/shape/run.sh"
  OUT="$OUT" LLOCO_BENCH_BUILD_DIR="$BUILD" bench/shape/run.sh || echo "bench: the 7B-shape stage failed (see above)"
fi

say "report: $OUT/summary.md, summary.json and the plots"
"$JAVA" -Djava.awt.headless=true -cp "$CP" io.lloco.bench.BenchReport "$OUT/results.jsonl" "$OUT" $([ "$QUICK" = 1 ] && echo --check)
say "done"

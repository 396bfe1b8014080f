#!/usr/bin/env bash
# Ingest throughput of lloco_compress (batch sizes 1 and 8) beside the encoder's FLOP bound, on this machine.
#   bench/ingest/run.sh [docs] [tokens-per-doc]      (defaults 16 1536)
# Builds into $BUILD_DIR (default target-bench) and runs io.lloco.bench.IngestBench with the test classpath.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
BUILD=${BUILD_DIR:-$ROOT/target-bench}
./mvnw -B -q -o -Dbuild.dir="$BUILD" -DskipTests -Dspotless.check.skip=true package
. "$ROOT/bench/jdk.sh"
mkdir -p "$BUILD/tmp"
CP="$BUILD/test-classes:$BUILD/classes:$(cat "$BUILD/cli.classpath")"
exec "$JAVA" -Xmx4g -cp "$CP" \
  -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Dai.djl.default_engine=PyTorch -DDJL_CACHE_DIR="$BUILD/djl-cache" \
  -Dai.djl.pytorch.num_threads="${THREADS:-2}" -Dai.djl.pytorch.num_interop_threads=1 -Djna.noclasspath=true \
  -Djava.io.tmpdir="$BUILD/tmp" \
  io.lloco.bench.IngestBench "$@"

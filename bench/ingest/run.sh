#!/usr/bin/env bash
# Ingest throughput of lloco_compress (batch sizes 1 and 8) beside the encoder's FLOP bound, on this machine.
#   bench/ingest/run.sh [docs] [tokens-per-doc]      (defaults 16 1536)
# Builds into $BUILD_DIR (default target-bench) and runs io.lloco.bench.IngestBench with the test classpath.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
BUILD=${BUILD_DIR:-$ROOT/target-bench}
./mvnw -B -q -o -Dbuild.dir="$BUILD" -DskipTests -Dspotless.check.skip=true package
JAVA=""; best=0
for d in ${JAVA_HOME:-} /usr/lib/jvm/*; do
  [ -x "$d/bin/java" ] || continue
  v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}' | cut -d. -f1)
  if [ "${v:-0}" -gt "$best" ]; then JAVA=$d/bin/java; best=$v; fi
done
[ "$best" -ge 21 ] || { echo "run.sh: no JDK >= 21" >&2; exit 1; }
mkdir -p "$BUILD/tmp"
CP="$BUILD/test-classes:$BUILD/classes:$(cat "$BUILD/cli.classpath")"
exec "$JAVA" -Xmx4g -cp "$CP" \
  -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Dai.djl.default_engine=PyTorch -DDJL_CACHE_DIR="$BUILD/djl-cache" \
  -Dai.djl.pytorch.num_threads="${THREADS:-2}" -Dai.djl.pytorch.num_interop_threads=1 -Djna.noclasspath=true \
  -Djava.io.tmpdir="$BUILD/tmp" \
  io.lloco.bench.IngestBench "$@"

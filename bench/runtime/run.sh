#!/usr/bin/env bash
# Runtime benchmark (see bench/runtime/README.md). Builds main + test classes into target-bench/ (offline
# when the Maven repository is warm) and runs io.lloco.runtime.bench.RuntimeBench with the given arguments,
# e.g.  bench/runtime/run.sh --sizes tiny,100m --prefill 512 --decode 64 --threads 1
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${LLOCO_BENCH_BUILD_DIR:-$ROOT/target-bench}
cd "$ROOT"
./mvnw -B -q -o -Dbuild.dir="$BUILD" -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$BUILD/bench.classpath" >/dev/null

jdk_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}' | cut -d. -f1; }
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(jdk_major "$JAVA_HOME")" -lt 21 ]; then
  best=""; bestv=0
  for d in /usr/lib/jvm/*/; do d=${d%/}; [ -x "$d/bin/java" ] || continue
    v=$(jdk_major "$d" || echo 0); if [ "${v:-0}" -gt "$bestv" ]; then best=$d; bestv=$v; fi; done
  JAVA_HOME=$best
fi
LOG_CFG=$BUILD/bench-log4j2.properties
printf 'status = error\nappender.e.type = Console\nappender.e.name = e\nappender.e.target = SYSTEM_ERR\nappender.e.layout.type = PatternLayout\nappender.e.layout.pattern = [%%p][%%c{1}] %%m%%n\nrootLogger.level = warn\nrootLogger.appenderRef.e.ref = e\n' > "$LOG_CFG"
THREADS=${LLOCO_THREADS:-$(nproc)}
exec "$JAVA_HOME/bin/java" -Xmx3g --enable-native-access=ALL-UNNAMED \
  -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Dai.djl.default_engine=PyTorch \
  -DDJL_CACHE_DIR="${LLOCO_DJL_CACHE:-$BUILD/djl-cache}" \
  -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
  -Dlog4j2.configurationFile="$LOG_CFG" \
  -cp "$BUILD/test-classes:$BUILD/classes:$(cat "$BUILD/bench.classpath")" \
  io.lloco.runtime.bench.RuntimeBench "$@"

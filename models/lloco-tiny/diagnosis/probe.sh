#!/usr/bin/env bash
# usage: probe.sh CHECKPOINT N SEG THREADS   (compile LookupProbe first, see DIAGNOSIS.md)
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec "$JAVA" -Xmx2g -Djna.noclasspath=true --enable-native-access=ALL-UNNAMED -DDJL_CACHE_DIR="$RUN/djl-cache" \
  -cp "$DIAG/classes:$RUN/classes:$(cat "$RUN/classpath.txt")" io.lloco.train.diag.LookupProbe "$@"

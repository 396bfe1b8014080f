#!/usr/bin/env bash
export OMP_WAIT_POLICY=PASSIVE
RUN=/work/lloco-train
exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -Xmx2g -Djna.noclasspath=true --enable-native-access=ALL-UNNAMED -DDJL_CACHE_DIR=$RUN/djl-cache \
  -cp "/tmp/diagD/classes:$RUN/classes:$(cat $RUN/classpath.txt)" io.lloco.train.diag.LookupProbe "$@"

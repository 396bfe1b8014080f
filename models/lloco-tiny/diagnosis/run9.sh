#!/usr/bin/env bash
# usage: run.sh NAME extra-options...
name=$1; shift
RUN=/work/lloco-train
export OMP_WAIT_POLICY=PASSIVE
exec /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -Xmx3g -Djna.noclasspath=true --enable-native-access=ALL-UNNAMED -DDJL_CACHE_DIR=$RUN/djl-cache \
  -cp "$RUN/classes:$(cat $RUN/classpath.txt)" io.lloco.cli.TrainCommand pretrain --out /tmp/diagD/$name --steps 3000 --seed 1 --world-seed 1 \
  --shape tiny --lr 1e-3 --min-lr 1e-4 --warmup 100 --max-segments 1 --segment-start 256 --segment-doubling 100000000 \
  --needle-rate 0 --cloze 8 --log-every 20 --checkpoint-every 100000 --checkpoint-minutes 4 --max-minutes 9 "$@" > /tmp/diagD/$name.log 2>&1

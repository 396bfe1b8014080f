#!/usr/bin/env bash
# usage: [MINUTES=13] [SEGMENT=256] run.sh NAME extra-options...   (one pretraining run on one-segment documents)
set -euo pipefail
source "$(dirname "$0")/env.sh"
name=$1; shift
exec "$JAVA" -Xmx3g -Djna.noclasspath=true --enable-native-access=ALL-UNNAMED -DDJL_CACHE_DIR="$RUN/djl-cache" \
  -cp "$RUN/classes:$(cat "$RUN/classpath.txt")" io.lloco.cli.TrainCommand pretrain --out "$DIAG/$name" --steps 3000 --seed 1 --world-seed 1 \
  --shape tiny --lr 1e-3 --min-lr 1e-4 --warmup 100 --max-segments 1 --segment-start "${SEGMENT:-256}" --segment-doubling 100000000 \
  --needle-rate 0 --cloze 8 --log-every 20 --checkpoint-every 100000 --checkpoint-minutes 4 --max-minutes "${MINUTES:-13}" "$@" > "$DIAG/$name.log" 2>&1

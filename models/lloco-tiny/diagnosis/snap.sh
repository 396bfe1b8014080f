#!/usr/bin/env bash
# usage: snap.sh NAME   (while run NAME is alive, copy each new checkpoint to $DIAG/snaps/NAME-<step>)
set -uo pipefail
source "$(dirname "$0")/env.sh"
mkdir -p "$DIAG/snaps"
while kill -0 "$(cat "$DIAG/$1.pid")" 2>/dev/null; do
  f=$DIAG/$1/checkpoint/trainer_state.json
  if [ -f "$f" ]; then
    s=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["step"])' "$f")
    if [ ! -d "$DIAG/snaps/$1-$s" ]; then cp -r "$DIAG/$1/checkpoint" "$DIAG/snaps/$1-$s.tmp" && mv "$DIAG/snaps/$1-$s.tmp" "$DIAG/snaps/$1-$s"; fi
  fi
  sleep 10
done

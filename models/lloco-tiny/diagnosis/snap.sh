#!/usr/bin/env bash
# copy each new checkpoint of run $1 to /tmp/diagD/snaps/$1-<step>
mkdir -p /tmp/diagD/snaps
while kill -0 $(cat /tmp/diagD/$1.pid) 2>/dev/null; do
  f=/tmp/diagD/$1/checkpoint/trainer_state.json
  if [ -f $f ]; then s=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))[\"step\"])" $f); [ -d /tmp/diagD/snaps/$1-$s ] || cp -r /tmp/diagD/$1/checkpoint /tmp/diagD/snaps/$1-$s.tmp && mv /tmp/diagD/snaps/$1-$s.tmp /tmp/diagD/snaps/$1-$s 2>/dev/null; fi
  sleep 10
done

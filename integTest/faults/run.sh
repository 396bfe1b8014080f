#!/usr/bin/env bash
# The fault suite: installs target/lloco-*.zip into its own real 3.6.0 cluster of a data node and two lloco-only
# nodes. FaultRestIT kills (SIGKILL) a lloco node while questions decode, restarts it, kills the other while bulks
# are compressed, restarts it (the index bound to a registry adapter throughout); FileFaultRestIT loads a corrupt
# model copy, fills the disk where registry adapters are written (a 4 MB tmpfs mounted here on each lloco node's
# <path.data>/lloco/adapters: as root only, else skipped) and sends ingest failures through pipelines with and
# without on_failure. Always stops the nodes and unmounts. Figures are in the tests' log lines "fault 1..3" and
# "file fault 1..3" (target/surefire-reports/io.lloco.integ.{File,}FaultRestIT-output.txt).
#
#   integTest/faults/run.sh                                     # the short run of bin/test (24 questions, 6 bulks of 10)
#   integTest/faults/run.sh -Dtests.lloco.faults.questions=200 -Dtests.lloco.faults.bulks=40   # a longer run
#
# Ports and directory: HTTP_PORT (default 9280), TRANSPORT_PORT (9380), OS_BASE (/tmp/lloco-faults); TESTS_WORKER as
# integTest/run.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
export NODES="data-0:cluster_manager,data,ingest lloco-0:lloco lloco-1:lloco"
export OS_BASE=${OS_BASE:-/tmp/lloco-faults}
export HTTP_PORT=${HTTP_PORT:-9280} TRANSPORT_PORT=${TRANSPORT_PORT:-9380}
hosts="127.0.0.1:${HTTP_PORT}"   # the data node only: the test kills the lloco nodes
# a small disk (tmpfs) where each lloco node writes registry adapters' files, for FileFaultRestIT to fill: only as
# root (mount); elsewhere that part of the test is skipped
disks="$OS_BASE/nodes/lloco-0/data/lloco/adapters $OS_BASE/nodes/lloco-1/data/lloco/adapters"
unmount() { for d in $disks; do if mountpoint -q "$d" 2>/dev/null; then umount "$d"; fi; done; }
trap 'integTest/cluster.sh stop; unmount' EXIT
unmount   # a run stopped before its trap
integTest/cluster.sh setup
small_disk=false
if [ "$(id -u)" = 0 ] && command -v mountpoint >/dev/null; then
  small_disk=true
  for d in $disks; do
    mkdir -p "$d"
    mount -t tmpfs -o "size=4m,mode=0755,uid=${RUN_UID:-65534},gid=${RUN_UID:-65534}" lloco-faults-disk "$d" || small_disk=false
  done
  chown -R "${RUN_UID:-65534}:${RUN_UID:-65534}" "$OS_BASE/nodes"
fi
integTest/cluster.sh start
./mvnw -B -Preal-node test -Dtests.worker="${TESTS_WORKER:-1}" -Dtests.rest.cluster="$hosts" -Dtests.expected.nodes=3 \
  -Dtests.lloco.nodes_dir="$OS_BASE/nodes" -Dtests.lloco.faults=true -Dtests.lloco.faults.small_disk=$small_disk \
  -Dtest='FaultRestIT,FileFaultRestIT' "$@"

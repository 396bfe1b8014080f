#!/usr/bin/env bash
# The fault suite (FaultRestIT): installs target/lloco-*.zip into its own real 3.6.0 cluster of a data node and two
# lloco-only nodes, then kills (SIGKILL) a lloco node while questions decode, restarts it, kills the other while bulks
# are compressed, restarts it; always stops the nodes. Figures (questions answered, documents created or failed) are
# in the test's log lines "fault 1" and "fault 2" (target/surefire-reports/io.lloco.integ.FaultRestIT-output.txt).
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
trap 'integTest/cluster.sh stop' EXIT
integTest/cluster.sh setup
integTest/cluster.sh start
./mvnw -B -Preal-node test -Dtests.worker="${TESTS_WORKER:-1}" -Dtests.rest.cluster="$hosts" -Dtests.expected.nodes=3 \
  -Dtests.lloco.nodes_dir="$OS_BASE/nodes" -Dtests.lloco.faults=true -Dtest=FaultRestIT "$@"

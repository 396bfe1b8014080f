#!/usr/bin/env bash
# Builds nothing: installs target/lloco-*.zip into a real 2-node 3.6.0 cluster (a data node and a lloco-only
# node), runs the REST suite (*RestIT under integTest/java) against it, then with UI_E2E=1 the UI end to end in
# chromium on the same nodes (dashboards/e2e/run.sh), and always stops the nodes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
export NODES=${NODES:-"data-0:cluster_manager,data,ingest lloco-0:lloco"}
export OS_BASE=${OS_BASE:-/tmp/lloco-integ}
# its own ports, so a node left running by KEEP=1 bin/demo (9200/9300) does not collide
export HTTP_PORT=${HTTP_PORT:-9260} TRANSPORT_PORT=${TRANSPORT_PORT:-9360}
n=$(echo $NODES | wc -w)
hosts=$(for i in $(seq 0 $((n - 1))); do echo "127.0.0.1:$((HTTP_PORT + i))"; done | paste -sd, -)
trap 'integTest/cluster.sh stop' EXIT
integTest/cluster.sh setup
integTest/cluster.sh start
./mvnw -B -Preal-node test -Dtests.worker="${TESTS_WORKER:-1}" -Dtests.rest.cluster="$hosts" -Dtests.expected.nodes="$n" -Dtests.lloco.nodes_dir="$OS_BASE/nodes" "$@"
if [ "${UI_E2E:-0}" = 1 ]; then
  echo; echo "=== UI end to end in chromium against the same nodes"
  dashboards/e2e/run.sh "http://127.0.0.1:${HTTP_PORT:-9200}"
fi

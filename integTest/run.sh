#!/usr/bin/env bash
# Builds nothing: installs target/lloco-*.zip into a real 2-node 3.6.0 cluster (a data node and a lloco-only
# node), runs the REST suite (*RestIT under integTest/java) against it, then with UI_E2E=1 the UI end to end in
# chromium on the same nodes (dashboards/e2e/run.sh), and always stops the nodes.
#
# Beside it, on the same installation, a second small cluster (LIBTORCH_SUITE=1, the default; heap 384 MB) whose nodes
# run with plugins.lloco.engine.libtorch_path: lt-0 on the bundled CPU libtorch unzipped to a directory and linked
# under its config directory (lloco/libtorch, relative), lt-1 on the same directory by its absolute path outside the
# config directory, which OpenSearch's agent does not let plugins read (LibtorchPathRestIT). Its ports follow the main
# cluster's (HTTP_PORT + nodes, TRANSPORT_PORT + nodes); both clusters start in parallel and one Maven run tests both.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
export NODES=${NODES:-"data-0:cluster_manager,data,ingest lloco-0:lloco"}
export OS_BASE=${OS_BASE:-/tmp/lloco-integ}
# its own ports, so a node left running by KEEP=1 bin/demo (9200/9300) does not collide
export HTTP_PORT=${HTTP_PORT:-9260} TRANSPORT_PORT=${TRANSPORT_PORT:-9360}
n=$(echo $NODES | wc -w)
hosts=$(for i in $(seq 0 $((n - 1))); do echo "127.0.0.1:$((HTTP_PORT + i))"; done | paste -sd, -)
trap 'integTest/cluster.sh stop' EXIT  # stops every node under OS_BASE, both clusters
integTest/cluster.sh setup
# as root the nodes run as RUN_UID and must own their files; as another user they already do
own() { if [ "$(id -u)" = 0 ]; then chown -R "${RUN_UID:-65534}:${RUN_UID:-65534}" "$@"; fi; }

lt_args=()
lt=()
if [ "${LIBTORCH_SUITE:-1}" = 1 ]; then
  lib=$OS_BASE/libtorch
  lt=(env NODES="lt-0:cluster_manager,data,ingest,lloco lt-1:lloco" CLUSTER_NAME=lloco-libtorch HEAP=384m
      HTTP_PORT=$((HTTP_PORT + n)) TRANSPORT_PORT=$((TRANSPORT_PORT + n)))
  mkdir -p "$lib/djl-cpu"
  unzip -q "$OS_BASE"/opensearch-*/plugins/lloco/pytorch-native-cpu-*.jar 'pytorch/*' 'native/*' -d "$lib/djl-cpu"
  own "$lib"
  "${lt[@]}" EXTRA_YML_lt_0="plugins.lloco.engine.libtorch_path: lloco/libtorch" \
    EXTRA_YML_lt_1="plugins.lloco.engine.libtorch_path: $lib/djl-cpu" integTest/cluster.sh add
  mkdir -p "$OS_BASE/nodes/lt-0/config/lloco" && ln -s "$lib/djl-cpu" "$OS_BASE/nodes/lt-0/config/lloco/libtorch"
  own "$OS_BASE/nodes/lt-0/config/lloco"
  "${lt[@]}" integTest/cluster.sh start & lt_pid=$!
  lt_args=(-Dtests.lloco.libtorch_cluster="127.0.0.1:$((HTTP_PORT + n))" -Dtests.lloco.libtorch_dir="$lib")
fi
integTest/cluster.sh start
[ -z "${lt_pid:-}" ] || wait "$lt_pid"
./mvnw -B -Preal-node test -Dtests.worker="${TESTS_WORKER:-1}" -Dtests.rest.cluster="$hosts" -Dtests.expected.nodes="$n" \
  -Dtests.lloco.nodes_dir="$OS_BASE/nodes" ${lt_args[@]+"${lt_args[@]}"} "$@"
if [ "${UI_E2E:-0}" = 1 ]; then
  echo; echo "=== UI end to end in chromium against the same nodes"
  dashboards/e2e/run.sh "http://127.0.0.1:${HTTP_PORT}"
fi

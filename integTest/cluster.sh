#!/usr/bin/env bash
# Real OpenSearch nodes for REST tests and the demo: the integ-test distribution from Maven Central,
# the freshly built plugin zip (and k-NN) installed with bin/opensearch-plugin, loopback only,
# run as an unprivileged uid (OpenSearch refuses root).
#
#   integTest/cluster.sh setup   # download (Maven local repo caches it), unpack, install plugins, configure $NODES
#   integTest/cluster.sh add     # configure $NODES on the installation `setup` made (another cluster beside it)
#   integTest/cluster.sh start   # start every node in $NODES, wait until the cluster answers
#   integTest/cluster.sh stop    # stop them (always safe to call)
#   integTest/cluster.sh status  # _cat/nodes
#
# Environment:
#   PLUGIN_ZIP  the plugin zip to install (default: target/lloco-*.zip)
#   OS_BASE     working directory, must be traversable by RUN_UID (default /tmp/lloco-cluster)
#   NODES       space-separated name:role,role... (default: one node with every role)
#               e.g. "data-0:cluster_manager,data,ingest lloco-0:lloco"
#   HTTP_PORT   first HTTP port (default 9200; node i gets HTTP_PORT+i, transport 9300+i)
#   HEAP        heap per node (default 768m)
#   WITH_KNN    1 to install k-NN 3.6.0.0 beside the plugin (default 1)
#   RUN_UID     uid that runs the nodes (default 65534)
#   LLOCO_THREADS  plugins.lloco.engine.num_threads per node (default 1: several nodes share the cores)
#   OS_VERSION  OpenSearch version of the integ-test-zip (default 3.6.0; the plugin zip must be built for it)
#   CLUSTER_NAME   cluster.name (default lloco-it)
#   EXTRA_YML      lines appended to every node's opensearch.yml (printf %b: \n separates lines)
#   EXTRA_YML_<node name, - as _>  lines appended to that node's opensearch.yml only (e.g. EXTRA_YML_lt_0)
#   SETUP_HOOK  a bash file sourced by setup after the plugins are installed and before the per-node config copies:
#               it may add modules or plugins to $H and files to $H/config (it sees as_os, own, $H, $B, $V, $JDK, $ROOT)
#   SCHEME, CURL_OPTS  how start/status reach the nodes (default http, none; e.g. https and
#               "--cacert ca.pem -u admin:pw" for a cluster with the security plugin)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/.." && pwd)
V=${OS_VERSION:-3.6.0}
B=${OS_BASE:-/tmp/lloco-cluster}
H=$B/opensearch-$V
U=${RUN_UID:-65534}
NODES=${NODES:-"node-0:cluster_manager,data,ingest,lloco"}
HTTP_PORT=${HTTP_PORT:-9200}
TRANSPORT_PORT=${TRANSPORT_PORT:-9300}
HEAP=${HEAP:-768m}
WITH_KNN=${WITH_KNN:-1}

pick_jdk() {
  local best="" bestv=0 d v
  for d in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$d/bin/java" ] || continue
    v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}' | cut -d. -f1)
    if [ "${v:-0}" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  [ "$bestv" -ge 21 ] || { echo "cluster.sh: no JDK >= 21 under /usr/lib/jvm" >&2; exit 1; }
  echo "$best"
}
JDK=${JDK:-$(pick_jdk)}

# OpenSearch refuses root: as root the nodes run as RUN_UID through setpriv; as anyone else, as that user
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || { echo "cluster.sh: running as root needs setpriv (Debian package util-linux) to start the nodes as uid $U" >&2; exit 1; }
  as_os() { setpriv --reuid="$U" --regid="$U" --clear-groups env -i PATH=/usr/bin:/bin HOME="$B/home" OPENSEARCH_JAVA_HOME="$JDK" OMP_WAIT_POLICY=PASSIVE THP_MEM_ALLOC_ENABLE=1 "$@"; }
  own() { chown -R "$U:$U" "$@"; }
else
  as_os() { env -i PATH=/usr/bin:/bin HOME="$B/home" OPENSEARCH_JAVA_HOME="$JDK" OMP_WAIT_POLICY=PASSIVE THP_MEM_ALLOC_ENABLE=1 "$@"; }
  own() { :; }
fi

node_names() { for n in $NODES; do echo "${n%%:*}"; done; }
cluster_managers() { for n in $NODES; do case ",${n#*:}," in *,cluster_manager,*) echo "${n%%:*}";; esac; done; }

setup() {
  local zip=${PLUGIN_ZIP:-$(ls "$ROOT"/target/lloco-*.zip 2>/dev/null | head -1)}
  [ -f "$zip" ] || { echo "cluster.sh: plugin zip not found (build it: ./mvnw -B package -DskipTests)" >&2; exit 1; }
  stop || true
  rm -rf "$B"; mkdir -p "$B"/{dl,home}
  local arts="org.opensearch.distribution.integ-test-zip:opensearch:$V:zip"
  [ "$WITH_KNN" = 1 ] && arts="$arts org.opensearch.plugin:opensearch-knn:$V.0:zip"
  for a in $arts; do
    (cd "$ROOT" && JAVA_HOME=$JDK ./mvnw -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
        -Dartifact="$a" -DoutputDirectory="$B/dl" -Dmdep.overWriteIfNewer=true)
  done
  unzip -q "$B/dl/opensearch-$V.zip" -d "$B"
  cp "$zip" "$B/dl/lloco.zip"
  own "$B"
  if [ "$WITH_KNN" = 1 ]; then (cd "$H" && as_os bin/opensearch-plugin install --batch "file://$B/dl/opensearch-knn-$V.0.zip"); fi
  (cd "$H" && as_os bin/opensearch-plugin install --batch "file://$B/dl/lloco.zip")
  if [ -n "${SETUP_HOOK:-}" ]; then . "$SETUP_HOOK"; fi
  configure
}

# one config directory per node of $NODES, on the installation under $B
configure() {
  [ -x "$H/bin/opensearch" ] || { echo "cluster.sh: no installation in $H (run setup first)" >&2; exit 1; }
  local i=0 name roles seeds="" cms var
  for n in $NODES; do seeds="$seeds\"127.0.0.1:$((TRANSPORT_PORT + i))\","; i=$((i + 1)); done
  cms=$(cluster_managers | sed 's/.*/"&"/' | paste -sd, -)
  i=0
  for n in $NODES; do
    name=${n%%:*}; roles=${n#*:}
    rm -rf "$B/nodes/$name"
    mkdir -p "$B/nodes/$name"/{data,logs}
    cp -r "$H/config" "$B/nodes/$name/config"
    var="EXTRA_YML_${name//-/_}"
    {
      echo "cluster.name: ${CLUSTER_NAME:-lloco-it}"
      echo "node.name: $name"
      echo "node.roles: [${roles}]"
      echo "network.host: 127.0.0.1"
      echo "http.port: $((HTTP_PORT + i))"
      echo "transport.port: $((TRANSPORT_PORT + i))"
      echo "path.data: $B/nodes/$name/data"
      echo "path.logs: $B/nodes/$name/logs"
      if [ "$(echo $NODES | wc -w)" = 1 ]; then echo "discovery.type: single-node"
      else echo "discovery.seed_hosts: [${seeds%,}]"; echo "cluster.initial_cluster_manager_nodes: [$cms]"; fi
      echo "plugins.lloco.engine.num_threads: ${LLOCO_THREADS:-1}"
      [ -n "${EXTRA_YML:-}" ] && printf '%b\n' "$EXTRA_YML"
      [ -n "${!var:-}" ] && printf '%b\n' "${!var}"
      true
    } >> "$B/nodes/$name/config/opensearch.yml"
    printf -- "-Xms%s\n-Xmx%s\n" "$HEAP" "$HEAP" > "$B/nodes/$name/config/jvm.options.d/heap.options"
    i=$((i + 1))
  done
  own "$B/nodes"
  echo "cluster.sh: set up $(node_names | paste -sd' ' -) in $B"
}

start() {
  local i=0 name
  for n in $NODES; do
    if curl -s -k -o /dev/null --max-time 1 "${SCHEME:-http}://127.0.0.1:$((HTTP_PORT + i))/"; then
      echo "cluster.sh: something already answers on 127.0.0.1:$((HTTP_PORT + i)); stop it or set HTTP_PORT/TRANSPORT_PORT" >&2; exit 1; fi
    i=$((i + 1))
  done
  i=0
  for n in $NODES; do
    name=${n%%:*}
    (cd "$H" && as_os env OPENSEARCH_PATH_CONF="$B/nodes/$name/config" bin/opensearch -d -p "$B/nodes/$name/os.pid" \
        >"$B/nodes/$name/logs/start.out" 2>&1 </dev/null) || { echo "cluster.sh: $name failed to start:" >&2; tail -30 "$B/nodes/$name/logs/start.out" >&2; exit 1; }
    i=$((i + 1))
  done
  local want; want=$(echo $NODES | wc -w)
  for _ in $(seq 600); do
    # shellcheck disable=SC2086
    if curl -sf ${CURL_OPTS:-} "${SCHEME:-http}://127.0.0.1:$HTTP_PORT/_cluster/health?wait_for_nodes=$want&timeout=1s" >/dev/null 2>&1; then
      echo "cluster.sh: $want node(s) up on 127.0.0.1:$HTTP_PORT"; return 0; fi
    sleep 0.5
  done
  echo "cluster.sh: cluster not up after 300 s; logs:" >&2
  for name in $(node_names); do echo "== $name" >&2; tail -40 "$B/nodes/$name/logs/lloco-it.log" >&2 2>/dev/null || tail -40 "$B/nodes/$name/logs/start.out" >&2; done
  exit 1
}

stop() {
  [ -d "$B/nodes" ] || return 0
  local f p
  for f in "$B"/nodes/*/os.pid; do
    [ -f "$f" ] || continue; p=$(cat "$f"); kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null || true; rm -f "$f"
  done
}

case "${1:-}" in
  setup) setup ;;
  add) configure ;;
  start) start ;;
  stop) stop ;;
  # shellcheck disable=SC2086
  status) curl -s ${CURL_OPTS:-} "${SCHEME:-http}://127.0.0.1:$HTTP_PORT/_cat/nodes?v&h=name,node.roles,heap.percent,ram.percent" ;;
  *) echo "usage: $0 setup|add|start|stop|status" >&2; exit 2 ;;
esac

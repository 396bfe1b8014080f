#!/usr/bin/env bash
# The security suite: LLoCO with the real opensearch-security plugin. Builds the plugin for OpenSearch 3.4.0 (the
# only 3.x line with a security plugin zip on Maven Central), starts a 3.4.0 cluster (a data node and a lloco-only
# node, loopback, unprivileged uid) with the security plugin, TLS on transport and HTTP (a CA and certificates made
# here by certs.sh), the users and roles of integTest/security/config, runs the REST tests under
# integTest/java/io/lloco/integ/security against it as those users, and always stops the nodes.
#
#   integTest/security/run.sh [maven args, e.g. -Dtests.method=...]
# Environment: OS_BASE (default /tmp/lloco-security), HTTP_PORT/TRANSPORT_PORT (cluster.sh), TESTS_WORKER.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
V=3.4.0
BUILD="$ROOT/target/os-$V"
W=${TESTS_WORKER:-1}
export OS_VERSION=$V WITH_KNN=0
export OS_BASE=${OS_BASE:-/tmp/lloco-security}
export NODES=${NODES:-"data-0:cluster_manager,data,ingest lloco-0:lloco"}
export SEC_CERTS="$OS_BASE-certs"
export SETUP_HOOK="$ROOT/integTest/security/setup-hook.sh"
ADMIN="admin:admin-Secret-1"
export SCHEME=https CURL_OPTS="--cacert $SEC_CERTS/root-ca.pem -u $ADMIN"
export EXTRA_YML="plugins.security.ssl.transport.pemcert_filepath: certs/node.pem
plugins.security.ssl.transport.pemkey_filepath: certs/node-key.pem
plugins.security.ssl.transport.pemtrustedcas_filepath: certs/root-ca.pem
plugins.security.ssl.transport.enforce_hostname_verification: false
plugins.security.ssl.http.enabled: true
plugins.security.ssl.http.pemcert_filepath: certs/node.pem
plugins.security.ssl.http.pemkey_filepath: certs/node-key.pem
plugins.security.ssl.http.pemtrustedcas_filepath: certs/root-ca.pem
plugins.security.allow_default_init_securityindex: true
plugins.security.nodes_dn: [\"CN=lloco-node,O=LLoCO test,C=XX\"]
plugins.security.authcz.admin_dn: [\"CN=lloco-admin,O=LLoCO test,C=XX\"]
plugins.security.restapi.roles_enabled: [\"all_access\"]"

t0=$(date +%s)
echo "=== security suite: plugin for OpenSearch $V"
./mvnw -B -q package -DskipTests -Dopensearch.version=$V -Dbuild.dir="$BUILD" -Dtests.worker="$W"
zip=$(ls "$BUILD"/lloco-*.zip | head -1)
rm -rf "$SEC_CERTS"; integTest/security/certs.sh "$SEC_CERTS"
chmod -R a+rX "$SEC_CERTS"
n=$(echo $NODES | wc -w)
hosts=$(for i in $(seq 0 $((n - 1))); do echo "127.0.0.1:$((${HTTP_PORT:-9200} + i))"; done | paste -sd, -)
trap 'integTest/cluster.sh stop' EXIT
PLUGIN_ZIP="$zip" integTest/cluster.sh setup
echo "=== nodes set up ($(( $(date +%s) - t0 )) s)"
integTest/cluster.sh start
echo "=== nodes up ($(( $(date +%s) - t0 )) s)"
./mvnw -B -Preal-node test -Dopensearch.version=$V -Dbuild.dir="$BUILD" -Dtests.worker="$W" \
  -Dtests.rest.includes='**/integ/security/*RestIT.java' -Dtests.rest.excludes=none \
  -Dtests.rest.cluster="$hosts" -Dtests.expected.nodes="$n" -Dtests.lloco.nodes_dir="$OS_BASE/nodes" \
  -Dtests.lloco.security.certs="$SEC_CERTS" "$@"
echo "=== security suite passed ($(( $(date +%s) - t0 )) s)"

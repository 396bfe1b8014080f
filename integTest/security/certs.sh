#!/usr/bin/env bash
# Test-only TLS material for the security suite, made fresh on every run (nothing secret is committed):
# a root CA, one node certificate for every node (transport and HTTP; SAN 127.0.0.1 and localhost: loopback only),
# and an admin certificate (plugins.security.authcz.admin_dn). The REST tests trust root-ca.pem.
#
#   integTest/security/certs.sh <dir>     # writes root-ca.pem, node.pem, node-key.pem, admin.pem, admin-key.pem
# The DNs are the ones integTest/security/run.sh puts into plugins.security.nodes_dn and authcz.admin_dn.
set -euo pipefail
D=${1:?usage: certs.sh <dir>}
mkdir -p "$D"; cd "$D"
SUBJ_CA="/C=XX/O=LLoCO test/CN=lloco-test-root-ca"
SUBJ_NODE="/C=XX/O=LLoCO test/CN=lloco-node"
SUBJ_ADMIN="/C=XX/O=LLoCO test/CN=lloco-admin"
openssl req -x509 -newkey rsa:2048 -nodes -keyout root-ca-key.pem -out root-ca.pem -days 30 -subj "$SUBJ_CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
leaf() { # name subject extensions
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1-key.pem" 2>/dev/null # PKCS#8, as the plugin wants
  openssl req -new -key "$1-key.pem" -subj "$2" -out "$1.csr" 2>/dev/null
  printf '%b\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA root-ca.pem -CAkey root-ca-key.pem -CAcreateserial -days 30 -sha256 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
leaf node "$SUBJ_NODE" "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost"
leaf admin "$SUBJ_ADMIN" "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
rm -f root-ca-key.pem root-ca.srl
echo "certs.sh: CA, node and admin certificates in $D"

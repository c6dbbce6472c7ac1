#!/usr/bin/env bash
# tests/certs/make_certs.sh [DIR] - test certificates for lwgrpc's TLS
# tests, made with openssl at test time into DIR (default build/certs).
# Keys are never committed: build/ is git-ignored.
#
# Idempotent and quick: when DIR/VERSION matches this script's version and
# the server certificate is valid for another day, it does nothing.
# Concurrent runs are serialised with flock on DIR/.lock.
#
# What it makes (PEM; the .key files are unencrypted PKCS#8):
#   ca.pem            trusted CA, RSA-2048 ("lwgrpc test CA")   + ca.der
#   ca_ec.pem         trusted CA, ECDSA P-256
#   server.pem        RSA-2048 server by ca: CN=localhost, SANs localhost,
#                     foo.test.google.fr, *.test.google.fr, 127.0.0.1, ::1
#   server_ec.pem     the same names, ECDSA P-256, by ca_ec
#   client.pem        RSA-2048 client by ca: CN=lwg-test-client,
#                     O=lwgrpc test, C=US; SANs client.lwgrpc.test,
#                     device-42.lwgrpc.test and a spiffe:// URI
#   client_ec.pem     the same subject, ECDSA P-256, by ca_ec
#   other_ca.pem      a second CA nobody trusts
#   other_server.pem  server for localhost signed by other_ca
#   other_client.pem  client signed by other_ca
#   expired.pem       server for localhost by ca, valid only in 2020
#   future.pem        server for localhost by ca, valid from 2090
#   wronghost.pem     server by ca for wrong.example.com only
set -euo pipefail

VERSION=1
dir=${1:-build/certs}
mkdir -p "$dir"

# Test programs may start this at the same time: one makes, the others
# wait and then find the certificates there.
exec 9>"$dir/.lock"
flock 9

if [ -f "$dir/VERSION" ] && [ "$(cat "$dir/VERSION")" = "$VERSION" ] &&
   [ -f "$dir/server.pem" ] &&
   openssl x509 -in "$dir/server.pem" -noout -checkend 86400 >/dev/null 2>&1; then
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$dir"/*.pem "$dir"/*.key "$dir"/*.der "$dir/VERSION"

cat >"$tmp/ext.cnf" <<'EOF'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[srv_rsa]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:foo.test.google.fr, DNS:*.test.google.fr, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[srv_ec]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:foo.test.google.fr, DNS:*.test.google.fr, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[srv_wrong]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[cli]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.lwgrpc.test, DNS:device-42.lwgrpc.test, URI:spiffe://lwgrpc.test/device/42
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# `openssl ca` only for certificates with validity dates in the past or
# future (OpenSSL 3.0's x509 -req cannot set a start date).
cat >"$tmp/ca.cnf" <<EOF
[ca]
default_ca = lwg
[lwg]
dir = $tmp/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
countryName = optional
EOF
mkdir -p "$tmp/ca/new"
: >"$tmp/ca/index.txt"
echo 1000 >"$tmp/ca/serial"

rsa_key() { openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }
ec_key()  { openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# ca NAME KEYTYPE SUBJECT
make_ca() {
    "$2_key" "$dir/$1.key"
    openssl req -new -x509 -key "$dir/$1.key" -subj "$3" -days 3650 -sha256 \
        -extensions ca_ext -config "$tmp/ext.cnf" -out "$dir/$1.pem"
}
# leaf NAME KEYTYPE SUBJECT CA EXTENSION
make_leaf() {
    "$2_key" "$dir/$1.key"
    openssl req -new -key "$dir/$1.key" -subj "$3" -out "$tmp/$1.csr"
    openssl x509 -req -in "$tmp/$1.csr" -CA "$dir/$4.pem" -CAkey "$dir/$4.key" \
        -CAcreateserial -CAserial "$tmp/$4.srl" -days 825 -sha256 \
        -extfile "$tmp/ext.cnf" -extensions "$5" -out "$dir/$1.pem" 2>/dev/null
}
# dated NAME SUBJECT EXTENSION START END   (RSA, signed by ca)
make_dated() {
    rsa_key "$dir/$1.key"
    openssl req -new -key "$dir/$1.key" -subj "$2" -out "$tmp/$1.csr"
    openssl ca -batch -notext -config "$tmp/ca.cnf" -cert "$dir/ca.pem" -keyfile "$dir/ca.key" \
        -in "$tmp/$1.csr" -startdate "$4" -enddate "$5" \
        -extfile "$tmp/ext.cnf" -extensions "$3" -out "$dir/$1.pem" 2>/dev/null
}

make_ca ca rsa "/O=lwgrpc test/CN=lwgrpc test CA"
make_ca ca_ec ec "/O=lwgrpc test/CN=lwgrpc test CA (ECDSA)"
make_ca other_ca rsa "/O=somebody else/CN=untrusted test CA"

make_leaf server rsa "/CN=localhost" ca srv_rsa
make_leaf server_ec ec "/CN=localhost" ca_ec srv_ec
make_leaf client rsa "/C=US/O=lwgrpc test/CN=lwg-test-client" ca cli
make_leaf client_ec ec "/C=US/O=lwgrpc test/CN=lwg-test-client" ca_ec cli
make_leaf other_server rsa "/CN=localhost" other_ca srv_rsa
make_leaf other_client rsa "/C=US/O=lwgrpc test/CN=lwg-test-client" other_ca cli
make_leaf wronghost rsa "/CN=wrong.example.com" ca srv_wrong
make_dated expired "/CN=localhost" srv_rsa 20200101000000Z 20201231000000Z
make_dated future "/CN=localhost" srv_rsa 20900101000000Z 20901231000000Z

openssl x509 -in "$dir/ca.pem" -outform DER -out "$dir/ca.der"
echo "$VERSION" >"$dir/VERSION"

#!/usr/bin/env bash
# Regenerates the CRL fixtures of GovCaseTrustTests with tools made outside the project: the openssl CLI
# (`openssl ca -gencrl`, as a province's CA team runs it) and Python's `cryptography`. The files are committed,
# so the tests do not depend on either tool; run this to change them.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# An RSA CA run by `openssl ca`, which revokes one of two leaves it issued.
mkdir -p "$work/ca/newcerts" && touch "$work/ca/index.txt" && echo 1000 > "$work/ca/serial" && echo 01 > "$work/ca/crlnumber"
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = province
[ province ]
dir = $work/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $PWD/openssl-ca.pem
private_key = $work/ca-key.pem
default_md = sha256
default_days = 3650
default_crl_days = 36500
policy = anything
[ anything ]
commonName = supplied
[ leaf ]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
CNF
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca-key.pem" -out openssl-ca.pem -days 36500 \
  -subj "/C=CN/O=Sichuan/CN=Sichuan Province Root CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
for name in revoked kept; do
  openssl req -newkey rsa:2048 -nodes -keyout "$work/$name-key.pem" -out "$work/$name.csr" -subj "/CN=$name" 2>/dev/null
  openssl ca -batch -config "$work/ca.cnf" -extensions leaf -in "$work/$name.csr" -out "openssl-$name.pem" 2>/dev/null
done
openssl ca -config "$work/ca.cnf" -revoke openssl-revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config "$work/ca.cnf" -gencrl -out openssl-ca.crl.pem 2>/dev/null
openssl crl -in openssl-ca.crl.pem -outform DER -out openssl-ca.crl.der

# An EC CA with Python's cryptography: a current CRL, an out-of-date one, a delta CRL, and a tampered copy.
python3 make_fixtures.py

#!/bin/sh
# Runs from the nginx image's /docker-entrypoint.d before nginx starts: makes the development
# certificate when FRONT_TLS_CERT does not exist yet (a mounted real certificate is left alone).
set -eu
cert="${FRONT_TLS_CERT:-/etc/nginx/certs/dev.crt}"
if [ -s "$cert" ]; then
  echo "15-dev-cert: using $cert"
  exit 0
fi
/usr/local/bin/gen-dev-cert.sh "$(dirname "$cert")"

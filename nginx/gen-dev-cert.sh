#!/bin/sh
# Makes a self-signed development certificate for the front door (localhost, 127.0.0.1, ::1 and the
# compose hostname "nginx"). Never for production; keys stay out of git (nginx/certs/ is ignored).
# Usage: nginx/gen-dev-cert.sh [out-dir] [--force]     (default out-dir: nginx/certs next to this file)
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
out="${1:-$here/certs}"
force="${2:-}"
[ "$out" = "--force" ] && { out="$here/certs"; force="--force"; }

if ! command -v openssl >/dev/null 2>&1; then
  echo "gen-dev-cert: openssl not found; install it (apt-get install -y openssl / brew install openssl)" >&2
  exit 1
fi

if [ -s "$out/dev.crt" ] && [ -s "$out/dev.key" ] && [ "$force" != "--force" ]; then
  # Keep a certificate that is still valid for a day; make a new one otherwise.
  if openssl x509 -checkend 86400 -noout -in "$out/dev.crt" >/dev/null 2>&1; then
    echo "gen-dev-cert: $out/dev.crt exists and is valid (use --force to replace it)"
    exit 0
  fi
fi

mkdir -p "$out"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/CN=localhost/O=ingestlab development" \
  -addext "subjectAltName=DNS:localhost,DNS:nginx,IP:127.0.0.1,IP:::1" \
  -addext "basicConstraints=critical,CA:true" \
  -addext "keyUsage=critical,digitalSignature,keyCertSign" \
  -addext "extendedKeyUsage=serverAuth" \
  -keyout "$out/dev.key" -out "$out/dev.crt" 2>/dev/null
chmod 644 "$out/dev.crt"
echo "gen-dev-cert: wrote $out/dev.crt and $out/dev.key (trust it with NODE_EXTRA_CA_CERTS=$out/dev.crt)"

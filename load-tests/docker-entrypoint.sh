#!/bin/sh
# Entrypoint of the load-tests image: the tools run as the owner of /repo/load-tests/results, so the
# reports compose's bench services write into that bind-mounted folder belong to whoever owns the
# folder on the host (`node`, uid 1000, when nothing is mounted there). Without this, a results
# folder owned by anyone but uid 1000 (root's, on CI) refused every report with EACCES.
set -e
results=/repo/load-tests/results
if [ "$(id -u)" = 0 ] && [ -d "$results" ]; then
  owner=$(stat -c %u "$results")
  group=$(stat -c %g "$results")
  if [ "$owner" != 0 ]; then
    [ "$owner" = 1000 ] || export HOME=/tmp
    exec setpriv --reuid="$owner" --regid="$group" --clear-groups "$@"
  fi
  export HOME=/root
fi
exec "$@"

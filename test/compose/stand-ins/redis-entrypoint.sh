#!/bin/sh
# As the official redis image's entrypoint behaves: a bare flag or a .conf file is handed to
# redis-server; redis-server started as root gets /data made its user's and drops to that user.
set -e
case "${1:-}" in -* | *.conf) set -- redis-server "$@" ;; esac
if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . ! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
umask 0077
exec "$@"

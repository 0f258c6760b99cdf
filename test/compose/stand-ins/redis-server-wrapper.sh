#!/bin/sh
# Debian's redis-server starts in protected mode (only loopback clients without a password); the
# official image builds Redis with that default off so other containers can connect. Add the flag
# unless the arguments or the config file given first already decide it.
for arg in "$@"; do
  case "$arg" in --protected-mode | protected-mode) exec /usr/bin/redis-server "$@" ;; esac
done
if [ -f "${1:-}" ] && grep -Eq '^[[:space:]]*protected-mode[[:space:]]' "$1"; then
  exec /usr/bin/redis-server "$@"
fi
exec /usr/bin/redis-server "$@" --protected-mode no

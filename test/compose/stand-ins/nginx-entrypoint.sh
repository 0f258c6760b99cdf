#!/bin/sh
# As the official nginx image's entrypoint behaves: when the command is nginx, first run every
# executable *.sh in /docker-entrypoint.d (and source every executable *.envsh), in version order;
# then run the command. NGINX_ENTRYPOINT_QUIET_LOGS silences its own lines.
set -e
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: $*"; }
if [ "${1:-}" = nginx ] || [ "${1:-}" = nginx-debug ]; then
  for step in $(find /docker-entrypoint.d/ -follow -type f 2>/dev/null | sort -V); do
    if [ ! -x "$step" ]; then say "ignoring $step (not executable)"; continue; fi
    case "$step" in
      *.envsh) say "sourcing $step"; . "$step" ;;
      *.sh) say "running $step"; "$step" ;;
      *) say "ignoring $step" ;;
    esac
  done
  say "configuration complete; starting nginx"
fi
exec "$@"

#!/bin/sh
# As the official node image's entrypoint behaves: a first argument that is a flag, that names no
# command, or that is a plain (non-executable) file is run by node (`IMAGE -e 'code'`,
# `IMAGE app.js`); any other command (sh, npm, pnpm, node itself) runs as given.
set -e
first="${1:-}"
run_with_node=no
case "$first" in -*) run_with_node=yes ;; esac
if [ "$run_with_node" = no ] && ! command -v -- "$first" >/dev/null 2>&1; then run_with_node=yes; fi
if [ "$run_with_node" = no ] && [ -f "$first" ] && [ ! -x "$first" ]; then run_with_node=yes; fi
[ "$run_with_node" = yes ] && set -- node "$@"
exec "$@"

#!/bin/sh
# The official nginx image's template step: every NGINX_ENVSUBST_TEMPLATE_DIR/**/*SUFFIX
# (default /etc/nginx/templates/*.template) is rendered with envsubst into NGINX_ENVSUBST_OUTPUT_DIR
# (default /etc/nginx/conf.d), replacing only the environment variables whose names match
# NGINX_ENVSUBST_FILTER (a regular expression; default: every variable), so nginx's own $names survive.
set -e
templates="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
filter="${NGINX_ENVSUBST_FILTER:-}"
[ -d "$templates" ] || exit 0
if [ ! -w "$output" ]; then
  echo "$0: $output is not writable; templates in $templates not rendered" >&2
  exit 0
fi
names=""
for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
  if [ -z "$filter" ] || printf '%s\n' "$name" | grep -Eq -- "$filter"; then names="$names \${$name}"; fi
done
find "$templates" -follow -type f -name "*$suffix" | while read -r template; do
  relative="${template#"$templates/"}"
  target="$output/${relative%"$suffix"}"
  mkdir -p "$(dirname "$target")"
  echo "$0: rendering $template to $target"
  envsubst "$names" < "$template" > "$target"
done

# Sourced by the bench scripts that time requests in workerd: serve_and_proxy DIR ORIGIN_PORT
# PROXY_PORT INSPECTOR_PORT serves DIR with python3's static server and runs the built Worker
# in wrangler dev allowed to fetch from it, both stopped (and $state removed) on exit; it
# returns once the proxy answers. Expects $state (a temporary directory) and PATH with
# node_modules/.bin, as the callers set them.
serve_and_proxy() {
  local dir=$1 origin_port=$2 proxy_port=$3 inspector_port=$4
  (cd "$dir" && exec python3 -m http.server "$origin_port" --bind 127.0.0.1 >/dev/null 2>&1) &
  origin=$!
  set -m
  wrangler dev --ip 127.0.0.1 --port "$proxy_port" --inspector-port "$inspector_port" \
    --show-interactive-dev-session=false --persist-to "$state" --log-level warn \
    --var "ALLOWED_SOURCES:127.0.0.1:$origin_port" >"$state/wrangler.log" 2>&1 &
  proxy=$!
  set +m
  trap 'kill -- -"$proxy" "$origin" 2>/dev/null; rm -rf "$state"' EXIT
  for _ in $(seq 60); do curl -sf -o /dev/null "http://127.0.0.1:$proxy_port/" && break; sleep 1; done
}

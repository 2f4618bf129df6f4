#!/usr/bin/env bash
# Median added latency of a 200x50 PNG watermark (www/samples/overlay.png, drawn at the
# bottom-right corner) on the flower made a 720 px JPEG, in workerd (wrangler dev, the release
# build). Requests with and without the overlay alternate, so that drift in the machine's load
# falls on both alike; each source URL carries a unique query, so no answer is a cache hit
# (the overlay itself is: fetched once, then kept in the isolate, as a configured watermark is).
# `draw=` takes the same path as WATERMARK_SOURCE: fetch (once), decode, size, composite.
# Usage: make watermark-time (after make build); N=40 for more requests. Writes
# bench/watermark.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
ORIGIN_PORT=8941 PROXY_PORT=8942 N=${N:-25}
state=$(mktemp -d)
source bench/serve.sh
serve_and_proxy ../shared/corpus "$ORIGIN_PORT" "$PROXY_PORT" 8943

flower="http://127.0.0.1:$ORIGIN_PORT/photos/flower.png.im_q85_420.jpg"
plain="width=720,format=jpeg"
# The path form: the overlay's slashes are written %2F (the options end at the first /).
marked="$plain,draw=%2Fsamples%2Foverlay.png;gravity=1x1;margin=10"
time_one() { # options, run number: seconds for one uncached request, which must be a 200
  local answer
  answer=$(curl -s -o "$state/out" -w '%{http_code} %{time_total}' \
    "http://127.0.0.1:$PROXY_PORT/cdn-cgi/image/$1/$flower?run=$$-$2")
  [ "${answer% *}" = 200 ] || { echo "$1 answered ${answer% *}" >&2; exit 1; }
  echo "${answer#* }"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) * 1000 }'; }

# Warm-up: the Worker's first transform, and the overlay's one fetch.
time_one "$plain" warm >/dev/null
time_one "$marked" warm >/dev/null
: >"$state/plain"
: >"$state/marked"
for n in $(seq 1 "$N"); do
  time_one "$plain" "$n" >>"$state/plain"
  time_one "$marked" "$n" >>"$state/marked"
done
without=$(median <"$state/plain")
with=$(median <"$state/marked")
added=$(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.0f", a - b }')
# Each pair's difference (the requests of a pair ran one after the other), its median: less
# moved by the machine's load than the difference of the two medians.
paired=$(paste "$state/marked" "$state/plain" | awk '{ print $1 - $2 }' | median)
bytes=$(stat -c %s "$state/out")
report="| flower (547 kB JPEG, 3.4 Mpx) -> 720 px JPEG | $N | $(printf '%.0f' "$without") ms | $(printf '%.0f' "$with") ms | $added ms | $(printf '%.1f' "$paired") ms |"
echo "$report"
cat >bench/watermark.md <<MD
# A watermark's added latency

\`make watermark-time\` (\`bench/watermark.sh\`): the flower of \`../shared/corpus\` made a 720 px
JPEG in workerd (wrangler dev, the release build), each request uncached, with and without a
200×50 PNG overlay (\`www/samples/overlay.png\`, with alpha) at the bottom-right corner, the
requests alternating. The overlay is fetched once and then kept in the isolate, as a
configured watermark (\`WATERMARK_SOURCE\`) is; \`draw=\` takes the same path. Times are the
client's, on a loopback origin; the watermarked answer was $bytes bytes.

| request | requests each | median without | median with | added (difference of the medians) | added (median of the pairs' differences) |
| --- | --- | --- | --- | --- | --- |
$report

Measured $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores: on a loaded machine
the medians move by several milliseconds between runs, and the pairs' median is the steadier
figure.
MD

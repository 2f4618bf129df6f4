#!/usr/bin/env bash
# Median time per request in workerd (wrangler dev, the release build) for a few transforms
# whose cost the main benchmark does not cover: AVIF beside JPEG and WebP, and animated GIF,
# WebP and PNG.
# Each request's source URL carries a unique query, so none is a cache hit; the origin is
# python3's static server on the shared corpus. Usage: make transform-times (after make build).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
ORIGIN_PORT=8931 PROXY_PORT=8932
state=$(mktemp -d)
source bench/serve.sh
serve_and_proxy ../shared/corpus "$ORIGIN_PORT" "$PROXY_PORT" 8933

# One warm-up, then 9 timed requests; prints the median, the answer's size and type.
measure() {
  local label=$1 options=$2 file=$3 times=() url
  for n in $(seq 0 9); do
    url="http://127.0.0.1:$PROXY_PORT/cdn-cgi/image/$options/http://127.0.0.1:$ORIGIN_PORT/$file?run=$$-$n"
    t=$(curl -s -o "$state/out" -w '%{time_total}' "$url")
    [ "$n" -gt 0 ] && times+=("$t")
  done
  local median type
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p)
  type=$(curl -s -o /dev/null -w '%{content_type}' "${url%-*}-type")
  printf '%-44s median %6.0f ms over 9, %9d bytes, %s\n' "$label" "$(awk -v s="$median" 'BEGIN { print s * 1000 }')" \
    "$(stat -c %s "$state/out")" "$type"
}
flower=photos/flower.png.im_q85_420.jpg
measure "flower -> 320 JPEG q80" "width=320,format=jpeg,quality=80" "$flower"
measure "flower -> 320 WebP q80" "width=320,format=webp,quality=80" "$flower"
measure "flower -> 320 AVIF q80" "width=320,format=avif,quality=80" "$flower"
measure "flower -> 387 AVIF q80 (the largest AVIF)" "width=387,format=avif,quality=80" "$flower"
measure "GIF 42 frames 245x245 -> 100, animated" "width=100" gif/iss634.gif
measure "GIF 42 frames 245x245 -> 200, animated" "width=200" gif/iss634.gif
measure "GIF 42 frames -> 100, anim=false (PNG)" "width=100,anim=false" gif/iss634.gif
measure "GIF 259 frames 1000x175 -> 400, animated" "width=400" gif/sample_big.gif
measure "GIF 42 frames -> 100, as animated WebP" "width=100,format=webp" gif/iss634.gif
measure "GIF 42 frames -> 200, as animated WebP" "width=200,format=webp" gif/iss634.gif
measure "WebP 6 frames 200x200 -> 100, animated" "width=100" webp/anim.webp
measure "APNG 20 frames 100x100 -> 50, animated" "width=50" png-misc/basic_f20.png
measure "APNG 20 frames -> 50, as animated WebP" "width=50,format=webp" png-misc/basic_f20.png
measure "APNG 20 frames -> 50, anim=false (PNG)" "width=50,anim=false" png-misc/basic_f20.png

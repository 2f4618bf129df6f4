#!/usr/bin/env bash
# Median time per request in workerd (wrangler dev, the release build) of the source formats
# read but never written (BMP, ICO, TIFF), beside PNG and JPEG of the same picture: each
# 1000x1000 source resized to 999 px as JPEG q80 (the ICO: its 256x256 entry to 255 px), so
# the difference between rows is the decode. Then AVIF and SVG sources, which are never
# decoded to pixels, asked nothing so that they are served as they are (the AVIF's header
# read, the SVG sanitised), beside a JPEG served as it is. Each request's source URL carries
# a unique query, so none is a cache hit; the origin is python3's static server on sources
# that examples/format_sources.rs writes. Usage: bench/formats.sh (after make build). The
# results are in bench/formats.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
ORIGIN_PORT=8941 PROXY_PORT=8942 RUNS=20
state=$(mktemp -d)
cargo run -q --release --example format_sources -- "$state/sources"
source bench/serve.sh
serve_and_proxy "$state/sources" "$ORIGIN_PORT" "$PROXY_PORT" 8943

# One warm-up, then $RUNS timed requests; prints the median, the answer's status and size.
measure() {
  local label=$1 options=$2 file=$3 times=() url status
  for n in $(seq 0 "$RUNS"); do
    url="http://127.0.0.1:$PROXY_PORT/cdn-cgi/image/$options/http://127.0.0.1:$ORIGIN_PORT/$file?run=$$-$n"
    read -r status t < <(curl -s -o "$state/out" -w '%{http_code} %{time_total}\n' "$url")
    [ "$n" -gt 0 ] && times+=("$t")
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$((RUNS / 2))p")
  printf '%-40s median %6.0f ms over %d, %s, %8d bytes out, %9d bytes in\n' "$label" \
    "$(awk -v s="$median" 'BEGIN { print s * 1000 }')" "$RUNS" "$status" "$(stat -c %s "$state/out")" \
    "$(stat -c %s "$state/sources/${file%%\?*}")"
}
measure "JPEG 1000x1000 -> 999 JPEG" "width=999,format=jpeg,quality=80" photo.jpg
measure "PNG 1000x1000 -> 999 JPEG" "width=999,format=jpeg,quality=80" photo.png
measure "BMP 1000x1000 -> 999 JPEG" "width=999,format=jpeg,quality=80" photo.bmp
measure "TIFF 1000x1000 -> 999 JPEG" "width=999,format=jpeg,quality=80" photo.tiff
measure "TIFF LZW 1000x1000 -> 999 JPEG" "width=999,format=jpeg,quality=80" photo-lzw.tiff
measure "PNG 256x256 -> 255 JPEG" "width=255,format=jpeg,quality=80" icon.png
measure "ICO 256x256 (PNG inside) -> 255 JPEG" "width=255,format=jpeg,quality=80" icon.ico
# Nothing asked: served as they are; the AVIF's header is read (avif-parse), the SVG sanitised.
measure "JPEG 1000x1000, served as it is" "onerror=redirect" photo.jpg
measure "AVIF 1000x1000, header read, served" "onerror=redirect" photo.avif
measure "SVG 2,000 shapes, sanitised" "onerror=redirect" shapes.svg

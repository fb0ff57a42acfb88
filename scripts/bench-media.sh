#!/usr/bin/env bash
# Serving images: a derivative (/media/HASH/1280.webp) from us beside nginx
# serving the same file from disk (the static ceiling), `wrk -t2 -c32`, 3
# alternating rounds of 10 s, req/s, p50 and p99, medians; then IIIF image
# requests, uncached (distinct tiles: at scale 1, drawn from the original;
# at scale 4, from a derivative) and cached (`wrk` on one tile).
#
#   scripts/bench-media.sh [IMAGE (a generated 4000x3000 JPEG)]
#
# BIN=path benchmarks another build. Needs wrk, nginx and Pillow.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-target/release/medexchange}"
[ -n "${BIN_BUILT:-}" ] || cargo build --release --quiet --bin medexchange
work="$(mktemp -d)"
image="${1:-$work/photo.jpg}"
if [ ! -f "$image" ]; then
  python3 scripts/bench-photo.py "$image"
fi
database="sqlite://$work/bench.db"
export MEDEXCHANGE_MEDIA_STORE="$work/media" MEDEXCHANGE_REQUEST_TIMEOUT_MS=60000
token="$("$BIN" --database-url "$database" --log warn token create --name bench --role editor | tail -n1)"
port=18730; static=18731
"$BIN" --database-url "$database" --log warn serve --listen "127.0.0.1:$port" >/dev/null &
server=$!
mkdir -p "$work/static" "$work/nginx"
cat >"$work/nginx/nginx.conf" <<NGINX
user root;
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  types { image/webp webp; image/jpeg jpg; }
  server {
    listen 127.0.0.1:$static;
    root $work/static;
    location / { add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
NGINX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
trap 'kill "$server" "$nginx_pid" 2>/dev/null || true; sleep 0.5; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
url="http://127.0.0.1:$port/graphql"
photo="$(curl -fsS "$url" -H 'content-type: application/json' \
  -d '{"query":"{ exchanges(first: 1) { nodes { photos { id } } } }"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["exchanges"]["nodes"][0]["photos"][0]["id"])')"
query="mutation(\$f: Upload!) { setPhotoImage(id: \\\"$photo\\\", expectedVersion: 1, file: \$f) { photo { image { iiif } } } }"
hash="$(curl -fsS "$url" -H "Authorization: Bearer $token" \
  -F operations="{\"query\":\"$query\",\"variables\":{\"f\":null}}" -F map='{"0":["variables.f"]}' -F 0=@"$image" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["setPhotoImage"]["photo"]["image"]["iiif"].rsplit("/",1)[1])')"
cp "$work/media/public/$hash/1280.webp" "$work/static/1280.webp"
ours="http://127.0.0.1:$port/media/$hash/1280.webp"
theirs="http://127.0.0.1:$static/1280.webp"
echo "file: 1280.webp, $(stat -c %s "$work/static/1280.webp") bytes"
for answer in "$ours" "$theirs"; do
  [ "$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' "$answer")" = "200 $(stat -c %s "$work/static/1280.webp")" ] ||
    { echo "$answer does not answer the file" >&2; exit 1; }
done
measure() { wrk -t2 -c32 -d10s --latency "$1" | awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Requests\/sec/ {rps=$2} END {print rps, p50, p99}'; }
wrk -t2 -c32 -d3s "$ours" >/dev/null; wrk -t2 -c32 -d3s "$theirs" >/dev/null
: >"$work/ours.txt"; : >"$work/theirs.txt"
for round in 1 2 3; do
  o="$(measure "$ours")"; t="$(measure "$theirs")"
  echo "$o" >>"$work/ours.txt"; echo "$t" >>"$work/theirs.txt"
  echo "round $round: medexchange $o | nginx $t   (req/s p50 p99)"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
o="$(cut -d' ' -f1 "$work/ours.txt" | median)"; t="$(cut -d' ' -f1 "$work/theirs.txt" | median)"
echo "median req/s: medexchange $o, nginx $t: $(python3 -c "print(f'{$o/$t:.0%}')") of the static ceiling"

iiif="http://127.0.0.1:$port/iiif/3/$hash"
tiles() { # scale, count: distinct 512-pixel tiles' total times
  python3 - "$1" "$2" <<'PY'
import sys
scale, count = int(sys.argv[1]), int(sys.argv[2])
side = 512 * scale
spots = [(x, y) for y in range(0, 3000, side) for x in range(0, 4000, side)]
for x, y in spots[:count]:
    print(f"{x},{y},{side},{side}/512,/0/default.jpg")
PY
}
for scale in 1 4; do
  times=()
  for path in $(tiles "$scale" 4); do
    times+=("$(curl -fsS -o /dev/null -w '%{time_total}' "$iiif/$path")")
  done
  echo "IIIF tiles at scale $scale, uncached: $(printf '%s ' "${times[@]}")s; median $(printf '%s\n' "${times[@]}" | median)s"
done
cached="$iiif/$(tiles 4 1)"
echo "IIIF tile cached: $(measure "$cached") (req/s p50 p99)"

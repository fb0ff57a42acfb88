#!/usr/bin/env bash
# Upload of a 12-megapixel photo to all its derivatives (4 widths x JPEG
# and WebP, a BlurHash), through the real multipart request: each run's
# time (curl's total, the file sent over loopback) and, at the end, the
# server's peak RSS above its idle baseline (VmHWM - VmRSS before).
#
#   scripts/bench-upload.sh [RUNS (7)] [IMAGE (a generated 4000x3000 JPEG, EXIF-rotated)]
#
# BIN=path benchmarks another build; ENGINE=postgres runs on PostgreSQL
# (default SQLite). Needs Python's Pillow to generate the image.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-target/release/medexchange}"
[ -n "${BIN_BUILT:-}" ] || cargo build --release --quiet --bin medexchange
runs="${1:-7}"
work="$(mktemp -d)"
image="${2:-$work/photo.jpg}"
if [ ! -f "$image" ]; then
  python3 scripts/bench-photo.py "$image" --rotated
fi
database="sqlite://$work/bench.db"
if [ "${ENGINE:-sqlite}" = postgres ]; then
  PG="${PG:-postgres://postgres@127.0.0.1:5432}"
  db="mx_upload_$$"; psql "$PG/postgres" -qc "CREATE DATABASE $db"; database="$PG/$db"
fi
export MEDEXCHANGE_MEDIA_STORE="$work/media" MEDEXCHANGE_REQUEST_TIMEOUT_MS=60000
token="$("$BIN" --database-url "$database" --log warn token create --name bench --role editor | tail -n1)"
port=18720
"$BIN" --database-url "$database" --log warn serve --listen "127.0.0.1:$port" >/dev/null &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true; sleep 0.5; rm -rf "$work"
  [ -z "${db:-}" ] || psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
url="http://127.0.0.1:$port/graphql"
photo="$(curl -fsS "$url" -H 'content-type: application/json' \
  -d '{"query":"{ exchanges(first: 1) { nodes { photos { id } } } }"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["exchanges"]["nodes"][0]["photos"][0]["id"])')"
idle_kb="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
echo "image: $(stat -c %s "$image") bytes; server idle RSS $((idle_kb / 1024)) MiB"
times=()
for run in $(seq 1 "$runs"); do
  version="$(curl -fsS "$url" -H 'content-type: application/json' \
    -d "{\"query\":\"{ node(id: \\\"$photo\\\") { ... on Photo { version } } }\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["node"]["version"])')"
  query="mutation(\$f: Upload!) { setPhotoImage(id: \\\"$photo\\\", expectedVersion: $version, file: \$f) { errors { message } photo { image { width height widths } } } }"
  out="$(curl -sS -o "$work/answer.json" -w '%{time_total}' "$url" -H "Authorization: Bearer $token" \
    -F operations="{\"query\":\"$query\",\"variables\":{\"f\":null}}" -F map='{"0":["variables.f"]}' -F 0=@"$image")"
  grep -q '"errors":\[\]' "$work/answer.json" || { cat "$work/answer.json"; exit 1; }
  echo "run $run: ${out}s $(head -c 200 "$work/answer.json" | grep -o '"image":{[^}]*}')"
  times+=("$out")
done
peak_kb="$(awk '/VmHWM/ {print $2}' "/proc/$server/status")"
median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
echo "median ${median}s over $runs uploads; peak RSS $((peak_kb / 1024)) MiB, $(((peak_kb - idle_kb) / 1024)) MiB over idle"

#!/usr/bin/env bash
# What exporting traces costs: the list page (scripts/bench/list_page.graphql)
# under wrk -t2 -c32, the same release binary without and with
# --otlp-endpoint (tests/fixtures/otlp/receiver.py --count, a sink that
# answers every export as a collector does but decodes nothing: the receiver
# runs on another machine in production, not on the cores measured), ROUNDS rounds of DURATION each, the two alternating in
# one sitting; cached (default settings) and uncached (response cache off: a
# request's spans are then its statements and batches too). Prints each
# round's req/s and p99, then the medians.
#
#   scripts/bench-tracing.sh
#
# Env: BENCH_DATABASE_URL (a PostgreSQL database holding data, default the
# bench-pages database mx_pages_50000 when it exists, else the bundled report
# on SQLite), ROUNDS (5), DURATION (8s), MODES ("cached uncached"), NO_BUILD=1.
# Needs wrk and python3 with opentelemetry-proto.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-5}"; DURATION="${DURATION:-8s}"; MODES="${MODES:-cached uncached}"
PORT=18960
[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --quiet --bin medexchange
BIN=target/release/medexchange
work="$(mktemp -d)"; server=; receiver=
cleanup() { kill $server $receiver 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
DB_URL="${BENCH_DATABASE_URL:-}"
if [ -z "$DB_URL" ]; then
  if psql postgres://postgres@127.0.0.1:5432/mx_pages_50000 -Atqc "SELECT 1" >/dev/null 2>&1; then
    DB_URL=postgres://postgres@127.0.0.1:5432/mx_pages_50000
  else
    DB_URL="sqlite://$work/bench.db"
  fi
fi
echo "# database: $DB_URL"

python3 tests/fixtures/otlp/receiver.py --count > "$work/spans" &
receiver=$!
for _ in $(seq 1 50); do [ -s "$work/spans" ] && break; sleep 0.1; done
RECEIVER_PORT=$(head -n1 "$work/spans")

start() {  # $1: on|off, $2: cached|uncached
  local extra=()
  [ "$1" = on ] && extra=(--otlp-endpoint "http://127.0.0.1:$RECEIVER_PORT")
  local cache=1000
  [ "$2" = uncached ] && cache=0
  DATABASE_URL="$DB_URL" MEDEXCHANGE_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" \
    --response-cache-entries "$cache" "${extra[@]}" > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "the server did not start: $(cat "$work/server.log")" >&2; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

python3 - scripts/bench/list_page.graphql > "$work/list.json" <<'PY'
import json, sys
print(json.dumps({"query": open(sys.argv[1], encoding="utf-8").read(), "variables": {"first": 20}}, ensure_ascii=False))
PY
printf 'local f = io.open("%s", "rb"); wrk.method = "POST"; wrk.body = f:read("*a"); f:close()\nwrk.headers["Content-Type"] = "application/json"\n' \
  "$work/list.json" > "$work/list.lua"

round() {  # prints "req/s p99_ms"
  local out
  out=$(wrk -t2 -c32 -d"$DURATION" --latency -s "$work/list.lua" "http://127.0.0.1:$PORT/graphql")
  if grep -q "Non-2xx" <<<"$out"; then echo "errors in the run: $out" >&2; exit 1; fi
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def ms(v):
    n, unit = re.match(r"([0-9.]+)(us|ms|s)$", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
print(f"{rps:.0f} {p99:.2f}")
PY
}

printf '%-9s %-4s %-6s %9s %8s\n' mode otlp round req/s p99_ms
for mode in $MODES; do
  : > "$work/off"; : > "$work/on"
  for r in $(seq 1 "$ROUNDS"); do
    for tracing in off on; do
      start "$tracing" "$mode"
      wrk -t2 -c32 -d2s -s "$work/list.lua" "http://127.0.0.1:$PORT/graphql" >/dev/null
      line=$(round); echo "$line" >> "$work/$tracing"
      printf '%-9s %-4s %-6s %9s %8s\n' "$mode" "$tracing" "$r" $line
      stop
    done
  done
  python3 - "$work/off" "$work/on" "$mode" <<'PY'
import statistics, sys
def med(path):
    rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
    return [statistics.median(c) for c in zip(*rows)]
off, on = med(sys.argv[1]), med(sys.argv[2])
print(f"{sys.argv[3]:<9} median: off {off[0]:.0f} req/s p99 {off[1]:.2f} ms; on {on[0]:.0f} req/s p99 {on[1]:.2f} ms; "
      f"throughput {100 * (on[0] - off[0]) / off[0]:+.1f} %")
PY
done
kill "$receiver"; wait "$receiver" 2>/dev/null || true; receiver=
echo "# the receiver got $(tail -n1 "$work/spans")"

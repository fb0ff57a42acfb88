#!/usr/bin/env bash
# The two pages frontends ask for most, under load, on PostgreSQL:
#   list   scripts/bench/list_page.graphql      (20 newest exchanges, everything under them)
#   single scripts/bench/single_exchange.graphql (one exchange by id)
# each uncached (MEDEXCHANGE_RESPONSE_CACHE_ENTRIES=0) and cached (identical
# requests, default settings). wrk -t2 -c32 on loopback: a warm-up, then RUNS
# runs of DURATION; prints per run and the medians: req/s, p50 and p99 (ms),
# server CPU per request (ms, process CPU ticks over the run / requests),
# PostgreSQL's CPU per request (its local processes' ticks, the same way) and
# peak RSS (MiB).
#
#   scripts/bench-pages.sh            # 50,000 generated exchanges
#   EXCHANGES=5000 scripts/bench-pages.sh
#
# Env: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres; a
# database mx_pages_N is made on that server and kept for the next run, KEEP=0
# makes it afresh), EXCHANGES (50000), RUNS (3), DURATION (10s), WARMUP (10s),
# PAGES ("list single"), MODES ("uncached cached"), BIN (another binary, e.g.
# an older build to compare with), NO_BUILD=1 (use the
# release binary as it is). Needs wrk (installed from
# Debian when missing), psql and python3. Bounded: about (RUNS x DURATION +
# WARMUP) per page and mode. Quote medians of one sitting only.
set -euo pipefail
cd "$(dirname "$0")/.."
URL_BASE="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
EXCHANGES="${EXCHANGES:-50000}"; RUNS="${RUNS:-3}"; DURATION="${DURATION:-10s}"; WARMUP="${WARMUP:-10s}"
PAGES="${PAGES:-list single}"; MODES="${MODES:-uncached cached}"
PORT=18950
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --quiet --bin medexchange
BIN="${BIN:-target/release/medexchange}"
DB="${DB:-mx_pages_$EXCHANGES}"
URL="${URL_BASE%/*}/$DB"
work="$(mktemp -d)"; server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

if [ "${KEEP:-1}" != 1 ] || ! psql "$URL" -Atqc "SELECT count(*) FROM exchange" 2>/dev/null | grep -qx "$EXCHANGES"; then
  psql "$URL_BASE" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  DATABASE_URL="$URL" MEDEXCHANGE_LOG=warn "$BIN" migrate
  DATABASE_URL="$URL" MEDEXCHANGE_LOG=warn "$BIN" generate --exchanges "$EXCHANGES"
fi

start() {  # start the server with extra env ($@), wait until ready
  env DATABASE_URL="$URL" MEDEXCHANGE_LOG=warn "$@" "$BIN" serve --listen "127.0.0.1:$PORT" > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "the server did not start: $(cat "$work/server.log")" >&2; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

body() {  # the POST body of page $1 in $work/$1.json
  local query=scripts/bench/list_page.graphql vars='{"first":20}'
  if [ "$1" = single ]; then
    query=scripts/bench/single_exchange.graphql
    local id
    id=$(curl -fsS -H 'content-type: application/json' -d '{"query":"{exchanges(first:1,orderBy:DESC){nodes{id}}}"}' \
      "http://127.0.0.1:$PORT/graphql" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["exchanges"]["nodes"][0]["id"])')
    vars="{\"id\":\"$id\"}"
  fi
  python3 - "$query" "$vars" > "$work/$1.json" <<'PY'
import json, sys
print(json.dumps({"query": open(sys.argv[1], encoding="utf-8").read(), "variables": json.loads(sys.argv[2])}, ensure_ascii=False))
PY
  printf 'local f = io.open("%s", "rb"); wrk.method = "POST"; wrk.body = f:read("*a"); f:close()\nwrk.headers["Content-Type"] = "application/json"\n' \
    "$work/$1.json" > "$work/$1.lua"
  local answer
  answer=$(curl -fsS -H 'content-type: application/json' --data-binary "@$work/$1.json" "http://127.0.0.1:$PORT/graphql")
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d.get("data") and "errors" not in d, sys.argv[1][:300]' "$answer"
  echo "# $1 page: ${#answer} characters"
}

pg_ticks() {  # "pid ticks" of each local PostgreSQL process (none when none is local)
  local pid
  for pid in $(pgrep -x postgres || true); do
    awk -v pid="$pid" '{print pid, $14+$15}' "/proc/$pid/stat" 2>/dev/null || true
  done
}

run() {  # one wrk run of page $1: prints req/s p50 p99 cpu_ms pg_ms rss_mib
  local ticks0 ticks1 peak=0 v out
  ticks0=$(awk '{print $14+$15}' "/proc/$server/stat"); pg_ticks > "$work/pg0"
  ( while kill -0 "$server" 2>/dev/null; do awk '/^VmRSS/ {print $2}' "/proc/$server/status"; sleep 0.2; done ) > "$work/rss" 2>/dev/null &
  local sampler=$!
  out=$(wrk -t2 -c32 -d"$DURATION" --latency -s "$work/$1.lua" "http://127.0.0.1:$PORT/graphql")
  kill "$sampler" 2>/dev/null || true
  ticks1=$(awk '{print $14+$15}' "/proc/$server/stat"); pg_ticks > "$work/pg1"
  peak=$(sort -n "$work/rss" | tail -n1)
  python3 - "$out" "$((ticks1 - ticks0))" "$(getconf CLK_TCK)" "${peak:-0}" "$work" <<'PY'
import re, sys
out, ticks, hz, rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def pg_ticks(name):  # ticks by pid; a process that ended during the run is left out
    return {pid: int(t) for pid, t in (l.split() for l in open(f"{sys.argv[5]}/{name}") if l.strip())}
pg0, pg1 = pg_ticks("pg0"), pg_ticks("pg1")
pg = sum(t - pg0.get(pid, 0) for pid, t in pg1.items())
def ms(v):
    match = re.match(r"([0-9.]+)(us|ms|s|m)$", v)
    if not match:
        sys.exit(f"unreadable latency {v!r} in:\n{out}")
    n, unit = match.groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
total = int(re.search(r"(\d+) requests in", out).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
if bad: print(f"# {bad.group(1)} non-2xx answers", file=sys.stderr)
per_request = lambda t: t * 1000 / hz / max(total, 1)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {per_request(ticks):.3f} {per_request(pg):.3f} {rss / 1024:.1f}")
PY
}

printf '%-8s %-9s %-6s %9s %8s %8s %8s %8s %8s\n' page mode run req/s p50_ms p99_ms cpu_ms pg_ms rss_mib
for mode in $MODES; do
  if [ "$mode" = uncached ]; then start MEDEXCHANGE_RESPONSE_CACHE_ENTRIES=0; else start; fi
  for page in $PAGES; do
    body "$page" >&2
    wrk -t2 -c32 -d"$WARMUP" -s "$work/$page.lua" "http://127.0.0.1:$PORT/graphql" >/dev/null
    : > "$work/runs"
    for r in $(seq 1 "$RUNS"); do
      line=$(run "$page"); echo "$line" >> "$work/runs"
      printf '%-8s %-9s %-6s %9s %8s %8s %8s %8s %8s\n' "$page" "$mode" "$r" $line
    done
    python3 - "$work/runs" "$page" "$mode" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = [statistics.median(c) for c in zip(*rows)]
print(f"{sys.argv[2]:<8} {sys.argv[3]:<9} {'median':<6} {med[0]:9.0f} {med[1]:8.2f} {med[2]:8.2f} {med[3]:8.3f} {med[4]:8.3f} {med[5]:8.1f}")
PY
  done
  stop
done

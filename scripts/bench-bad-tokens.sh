#!/usr/bin/env bash
# Anonymous reads' latency, quiet and under a flood of bad bearer tokens, on
# PostgreSQL (bundled report): `wrk -t1 -c8` reading ten exchanges (GET,
# response cache off) for 10 s, alone, then beside `wrk -t1` sending
# bad tokens from FLOOD_CONNECTIONS (4) connections, about 6,000 a second
# here (distinct ones: each needs a lookup; then one repeated).
# Three rounds of each; prints each run's p50/p99 and the medians.
# BIN=path benchmarks another build. Needs wrk and PostgreSQL on :5432.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-target/release/medexchange}"
[ -n "${BIN_BUILT:-}" ] || cargo build --release --quiet --bin medexchange
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
db="mx_bad_tokens_$$"
psql "$PG/postgres" -qc "CREATE DATABASE $db"
port=18710
MEDEXCHANGE_RESPONSE_CACHE_ENTRIES=0 "$BIN" --database-url "$PG/$db" --log warn serve --listen "127.0.0.1:$port" >/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null || true; sleep 1; psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
url="http://127.0.0.1:$port"
read_url="$url/graphql?query=%7Bexchanges(first%3A10)%7Bnodes%7Btitle%20participants%7Binstitution%7Bname%7D%7D%7D%7D%7D"
reads() { wrk -t1 -c8 -d10s --latency -H 'Accept: application/json' "$read_url" | awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Requests\/sec/ {rps=$2} END {print "p50 " p50 " p99 " p99 " req/s " rps}'; }
flood() { BAD_TOKENS="$1" wrk -t1 -c"${FLOOD_CONNECTIONS:-4}" -d12s -s scripts/load/bad_tokens.lua "$url" >"/tmp/flood_$1.txt"; }
wrk -t1 -c8 -d3s "$read_url" >/dev/null
for round in 1 2 3; do
  echo "round $round quiet:           $(reads)"
  flood distinct & f=$!; sleep 1
  echo "round $round distinct tokens: $(reads)"
  wait $f; grep -E "Requests/sec|Non-2xx" /tmp/flood_distinct.txt | tr '\n' ' '; echo
  flood same & f=$!; sleep 1
  echo "round $round one bad token:   $(reads)"
  wait $f; grep -E "Requests/sec|Non-2xx" /tmp/flood_same.txt | tr '\n' ' '; echo
done

#!/usr/bin/env bash
# Search latency over generated exchanges, on SQLite and PostgreSQL:
# median and p99 per query length (examples/search_bench.rs). Quote medians
# of several runs on a quiet machine.
#
#   scripts/bench-search.sh                       # 5,000 and 50,000 exchanges
#   SIZES=1000000 ENGINES=postgres scripts/bench-search.sh 30
#
# The databases are the ones bench-pages.sh and bench-stats.sh share, kept
# for the next run: mx_pages_N on BENCH_DATABASE_URL's server
# (postgres://postgres@127.0.0.1:5432/postgres) and target/bench/mx_pages_N.db.
# Env: SIZES ("5000 50000"), ENGINES ("sqlite postgres"), NO_BUILD=1, SEARCH_PAGES=1
# (searchResults: pages with matches and snippets, instead of search).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-30}"
URL_BASE="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --quiet --bin medexchange --example search_bench
mkdir -p target/bench
for n in ${SIZES:-5000 50000}; do
  for engine in ${ENGINES:-sqlite postgres}; do
    if [ "$engine" = postgres ]; then
      url="${URL_BASE%/*}/mx_pages_$n"
      if ! psql "$url" -Atqc "SELECT count(*) FROM exchange" 2>/dev/null | grep -qx "$n"; then
        psql "$URL_BASE" -qc "DROP DATABASE IF EXISTS mx_pages_$n WITH (FORCE)" -c "CREATE DATABASE mx_pages_$n"
        DATABASE_URL="$url" MEDEXCHANGE_LOG=warn target/release/medexchange generate --exchanges "$n"
      fi
    else
      file="target/bench/mx_pages_$n.db"; url="sqlite://$file"
      if [ ! -f "$file.done" ]; then
        rm -f "$file"*
        DATABASE_URL="$url" MEDEXCHANGE_LOG=warn target/release/medexchange generate --exchanges "$n"
        touch "$file.done"
      fi
    fi
    echo "== $engine, $n exchanges"
    DATABASE_URL="$url" MEDEXCHANGE_LOG=warn target/release/examples/search_bench "$rounds"
  done
done

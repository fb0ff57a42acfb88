#!/usr/bin/env bash
# Search latency at 5,000 and 50,000 generated exchanges, on SQLite and (when
# BENCH_DATABASE_URL names a PostgreSQL server, e.g.
# postgres://postgres@127.0.0.1:5432/postgres) on PostgreSQL. Prints median
# and p99 per query length. Run it on a quiet machine; quote medians of
# several runs.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-30}"
cargo build --release --quiet --bin medexchange --example search_bench
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for n in 5000 50000; do
  db="sqlite://$work/bench-$n.db"
  DATABASE_URL="$db" MEDEXCHANGE_LOG=warn target/release/medexchange generate --exchanges "$n" --seed 1
  echo "== SQLite, $n exchanges"
  DATABASE_URL="$db" MEDEXCHANGE_LOG=warn target/release/examples/search_bench "$rounds"
  if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    name="medexchange_bench_$n"
    base="${BENCH_DATABASE_URL%/*}"
    psql "$BENCH_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
    DATABASE_URL="$base/$name" MEDEXCHANGE_LOG=warn target/release/medexchange generate --exchanges "$n" --seed 1
    echo "== PostgreSQL, $n exchanges"
    DATABASE_URL="$base/$name" MEDEXCHANGE_LOG=warn target/release/examples/search_bench "$rounds"
    psql "$BENCH_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $name"
  fi
done

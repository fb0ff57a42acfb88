#!/usr/bin/env bash
# Analysts' queries over generated exchanges, on PostgreSQL and SQLite: the
# time of one request through the release server (HTTP included, response
# cache off), REPEAT times each after 3 warm-ups; prints the median and the
# slowest per query and engine.
#
#   scripts/bench-stats.sh               # 50,000 generated exchanges
#   EXCHANGES=5000 REPEAT=9 scripts/bench-stats.sh
#   FACT_TABLE=false scripts/bench-stats.sh   # by SQL statements only
#
# With the fact table (the default) the server's start-up is timed too:
# until /readyz answers, and until the table is read (in /metrics).
#
# Env: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres; the
# database mx_pages_N is shared with bench-pages.sh and kept), SQLITE_DIR
# (target/bench; mx_pages_N.db kept there), EXCHANGES (50000), REPEAT (15),
# ENGINES ("postgres sqlite"), NO_BUILD=1. Needs curl, psql and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
URL_BASE="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
EXCHANGES="${EXCHANGES:-50000}"; REPEAT="${REPEAT:-15}"; ENGINES="${ENGINES:-postgres sqlite}"
SQLITE_DIR="${SQLITE_DIR:-target/bench}"
PORT=18960
[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --quiet --bin medexchange
BIN="${BIN:-target/release/medexchange}"
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null' EXIT

QUERIES=(
  'month|{exchangeStats(groupBy:[MONTH]){exchanges groups{keys{value}exchanges}}}'
  'specialty|{exchangeStats(groupBy:[SPECIALTY]){exchanges groups{keys{value label}exchanges}}}'
  'month x specialty|{exchangeStats(groupBy:[MONTH,SPECIALTY]){exchanges groups{keys{value label}exchanges}}}'
  'country|{exchangeStats(groupBy:[COUNTRY]){exchanges groups{keys{value}exchanges}}}'
  'country x region|{exchangeStats(groupBy:[COUNTRY,REGION]){groups{keys{value label}exchanges}}}'
  'month x specialty, all five counts|{exchangeStats(groupBy:[MONTH,SPECIALTY]){exchanges groups{keys{value label}exchanges institutions speakers talks photos}}}'
  'partnerships, first 20|{partnerships(first:20){totalCount nodes{institutions{name}exchanges firstDate lastDate specialties{name}}}}'
  'institution, top 20, three counts|{exchangeStats(groupBy:[INSTITUTION],orderBy:EXCHANGES_DESC,first:20){groups{keys{value label}exchanges speakers talks}}}'
  'fiscal year x institution, top 20|{exchangeStats(groupBy:[FISCAL_YEAR,INSTITUTION],orderBy:EXCHANGES_DESC,first:20){groupCount groups{keys{value label}exchanges}}}'
  'fiscal year x institution, top 20 per year|{exchangeStats(groupBy:[FISCAL_YEAR,INSTITUTION],orderBy:EXCHANGES_DESC,first:20,per:FISCAL_YEAR){groupCount groups{keys{value}exchanges}}}'
  'month x specialty x country, FY filter|{exchangeStats(groupBy:[MONTH,SPECIALTY,COUNTRY],filter:{fiscalYear:2021}){groups{keys{value}exchanges institutions}}}'
  'institution x speaker x specialty, top 100, all five counts|{exchangeStats(groupBy:[INSTITUTION,SPEAKER,SPECIALTY],orderBy:EXCHANGES_DESC,first:100){groupCount groups{keys{value}exchanges institutions speakers talks photos}}}'
  'month, text filter, gaps filled|{exchangeStats(groupBy:[MONTH],filter:{text:"循環"},fillGaps:true){groups{keys{value}exchanges}}}'
)

prepare() {  # the database URL of engine $1, generated when missing
  if [ "$1" = postgres ]; then
    local url="${URL_BASE%/*}/mx_pages_$EXCHANGES"
    if ! psql "$url" -Atqc "SELECT count(*) FROM exchange" 2>/dev/null | grep -qx "$EXCHANGES"; then
      psql "$URL_BASE" -qc "DROP DATABASE IF EXISTS mx_pages_$EXCHANGES WITH (FORCE)" -c "CREATE DATABASE mx_pages_$EXCHANGES" >&2
      DATABASE_URL="$url" MEDEXCHANGE_LOG=warn "$BIN" generate --exchanges "$EXCHANGES" >&2
    fi
    echo "$url"
  else
    mkdir -p "$SQLITE_DIR"
    local file="$SQLITE_DIR/mx_pages_$EXCHANGES.db"
    if [ ! -f "$file.done" ]; then
      rm -f "$file"*
      DATABASE_URL="sqlite://$file" MEDEXCHANGE_LOG=warn "$BIN" generate --exchanges "$EXCHANGES" >&2
      touch "$file.done"
    fi
    echo "sqlite://$file"
  fi
}

for engine in $ENGINES; do
  url=$(prepare "$engine")
  started=$(date +%s.%N)
  DATABASE_URL="$url" MEDEXCHANGE_LOG=warn MEDEXCHANGE_RESPONSE_CACHE_ENTRIES=0 \
    MEDEXCHANGE_FACT_TABLE="${FACT_TABLE:-true}" "$BIN" serve --listen "127.0.0.1:$PORT" > /dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 1500); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.02; done
  ready=$(date +%s.%N)
  if [ "${FACT_TABLE:-true}" = true ]; then
    for _ in $(seq 1 3000); do
      curl -fsS "http://127.0.0.1:$PORT/metrics" | grep -q '^medexchange_analytics_facts_version ' && break
      sleep 0.02
    done
  fi
  read=$(date +%s.%N)
  python3 -c "import sys; s,r,t=map(float,sys.argv[1:]); print(f'$engine ready in {r-s:.2f} s, fact table read in {t-s:.2f} s, RSS {int(open(\"/proc/$server/status\").read().split(\"VmRSS:\")[1].split()[0])//1024} MiB')" "$started" "$ready" "$read"
  for entry in "${QUERIES[@]}"; do
    name="${entry%%|*}"; query="${entry#*|}"
    body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$query")
    times=()
    for i in $(seq 1 $((REPEAT + 3))); do
      out=$(curl -sS -o /tmp/bench-stats-answer -w '%{time_total}' -H 'content-type: application/json' \
        -d "$body" "http://127.0.0.1:$PORT/graphql")
      grep -q '"errors"' /tmp/bench-stats-answer && { echo "$engine $name refused: $(head -c 200 /tmp/bench-stats-answer)"; continue 2; }
      [ "$i" -gt 3 ] && times+=("$out")
    done
    python3 - "$engine" "$name" "${times[@]}" <<'PY'
import statistics, sys
engine, name, times = sys.argv[1], sys.argv[2], [float(t) * 1000 for t in sys.argv[3:]]
print(f"{engine:9} {name:38} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms   (n={len(times)})")
PY
  done
  echo "$engine peak RSS $(grep VmHWM /proc/$server/status | awk '{print int($2/1024)}') MiB"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
done

#!/usr/bin/env bash
# The service and its databases with a network between them: a PostgreSQL
# primary and hot standby in one network namespace (mxdb, 10.77.0.1), one to
# three `medexchange serve` processes reading from the standby in another
# (mxapp, 10.77.0.2), joined by a veth pair; with DELAY_US added each way on
# the way to the databases, against the same with no added delay.
#
# The delay: `tc qdisc ... netem delay` where the kernel has sch_netem
# (NETEM=1); else (this machine's kernel has no netem) a delay line,
# examples/delay_proxy.rs, in mxapp between the servers and the databases,
# forwarding each chunk DELAY_US after it came, each way. Both add the round
# trip to every statement; the proxy also adds its own forwarding and
# threads (DELAY_US=0 measures what it costs alone).
#
# For each page (list: scripts/bench/list_page.graphql; single:
# scripts/bench/single_exchange.graphql; stats: exchangeStats by month and
# specialty) and each number of processes, wrk runs in mxapp against every
# process at once (-t1 -c(32/N) each): the sum of req/s and the worst p99.
# The response cache is off (every request reaches the database); stats are
# answered from the in-memory fact table either way. Runs alternate between
# the settings being compared, servers started afresh for each.
#
#   sudo scripts/bench-replicas.sh
#
# Env: DELAY_US (500), EXCHANGES (5000, generated), RUNS (3), DURATION (8s),
# PROCESSES ("1 2 3"), PAGES ("list single stats"), NETEM (0), NO_BUILD=1.
# Needs root, iproute2, wrk, PostgreSQL's server binaries. Leaves nothing
# behind (namespaces, clusters, folder) when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
DELAY_US="${DELAY_US:-500}"; NETEM="${NETEM:-0}"; EXCHANGES="${EXCHANGES:-5000}"; RUNS="${RUNS:-3}"; DURATION="${DURATION:-8s}"
PROCESSES="${PROCESSES:-1 2 3}"; PAGES="${PAGES:-list single stats}"
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces)" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --quiet --bin medexchange --example delay_proxy
BIN="$PWD/target/release/medexchange"
PROXY="$PWD/target/release/examples/delay_proxy"
PG="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
work="$(mktemp -d)"; chown postgres "$work"; chmod 755 "$work"
servers=(); proxies=()

in_db() { ip netns exec mxdb "$@"; }
in_app() { ip netns exec mxapp "$@"; }
as_pg() { in_db runuser -u postgres -- "$@"; }

cleanup() {
  for s in "${servers[@]:-}" "${proxies[@]:-}"; do [ -n "$s" ] && kill "$s" 2>/dev/null || true; done
  pkill -f "$BIN serve --listen 127.0.0.1:" || true
  pkill -f "$PROXY" || true
  for d in standby primary; do
    [ -f "$work/$d/postmaster.pid" ] && as_pg "$PG/pg_ctl" -D "$work/$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
  ip netns del mxapp 2>/dev/null || true
  ip netns del mxdb 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add mxdb
ip netns add mxapp
ip link add mxveth0 type veth peer name mxveth1
ip link set mxveth0 netns mxdb
ip link set mxveth1 netns mxapp
ip -n mxdb addr add 10.77.0.1/24 dev mxveth0
ip -n mxapp addr add 10.77.0.2/24 dev mxveth1
for ns in mxdb mxapp; do ip -n "$ns" link set lo up; done
ip -n mxdb link set mxveth0 up
ip -n mxapp link set mxveth1 up

# The databases as the servers see them: direct, or through the delay.
direct() { echo "postgres://postgres@10.77.0.1:$1/mx"; }
delayed() { echo "postgres://postgres@127.0.0.1:$((${1} + 1000))/mx"; }
proxy() {  # a delay line of $1 µs in mxapp, ports 6501/6502 -> 10.77.0.1:5501/5502
  in_app "$PROXY" "$1" 127.0.0.1:6501 10.77.0.1:5501 127.0.0.1:6502 10.77.0.1:5502 > /dev/null &
  proxies+=($!)
  sleep 0.3
}
netem() {  # on | off
  if [ "$1" = on ]; then
    tc -n mxdb qdisc replace dev mxveth0 root netem delay "${DELAY_US}us"
    tc -n mxapp qdisc replace dev mxveth1 root netem delay "${DELAY_US}us"
  else
    tc -n mxdb qdisc del dev mxveth0 root 2>/dev/null || true
    tc -n mxapp qdisc del dev mxveth1 root 2>/dev/null || true
  fi
}

pg_start() {  # data dir, port
  as_pg "$PG/pg_ctl" -D "$1" -l "$1.log" -w start \
    -o "-p $2 -c listen_addresses=10.77.0.1 -c unix_socket_directories=$work -c max_connections=100"
}
as_pg "$PG/initdb" -D "$work/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
printf 'host all all 10.77.0.0/24 trust\nhost replication all 10.77.0.0/24 trust\n' >> "$work/primary/pg_hba.conf"
pg_start "$work/primary" 5501
as_pg "$PG/pg_basebackup" -h 10.77.0.1 -p 5501 -U postgres -D "$work/standby" -R -X stream -c fast
pg_start "$work/standby" 5502
PRIMARY=$(direct 5501)
as_pg psql -h 10.77.0.1 -p 5501 -qc "CREATE DATABASE mx"
in_app env DATABASE_URL="$PRIMARY" MEDEXCHANGE_LOG=warn "$BIN" migrate
in_app env DATABASE_URL="$PRIMARY" MEDEXCHANGE_LOG=warn "$BIN" generate --exchanges "$EXCHANGES" >/dev/null
echo "# $EXCHANGES exchanges; PostgreSQL $(basename "$(dirname "$PG")"); delay ${DELAY_US} µs each way ($([ "$NETEM" = 1 ] && echo netem || echo delay line))"
if [ "$NETEM" != 1 ]; then proxy "$DELAY_US"; fi

PORT=18960
start() {  # N processes on ports PORT+1.. (new ports each time), reading through setting $2 (off, on)
  PORT=$((PORT + 10))
  local primary=$PRIMARY standby
  standby=$(direct 5502)
  if [ "$2" = on ] && [ "$NETEM" != 1 ]; then primary=$(delayed 5501); standby=$(delayed 5502); fi
  if [ "$NETEM" = 1 ]; then netem "$2"; fi
  servers=()
  for i in $(seq 1 "$1"); do
    in_app env DATABASE_URL="$primary" DATABASE_READ_URLS="$standby" MEDEXCHANGE_LOG=warn \
      MEDEXCHANGE_RESPONSE_CACHE_ENTRIES=0 "$BIN" serve --listen "127.0.0.1:$((PORT + i))" > "$work/server$i.log" 2>&1 &
    servers+=($!)
  done
  for i in $(seq 1 "$1"); do
    for _ in $(seq 1 300); do
      in_app curl -fsS "http://127.0.0.1:$((PORT + i))/readyz" 2>/dev/null | grep -q "in rotation" && break
      sleep 0.2
    done
  done
}
stop() {  # SIGTERM, then SIGKILL after 10 s (by command line: `ip netns exec` may fork)
  local i pattern
  for i in $(seq 1 "${#servers[@]}"); do
    pattern="serve --listen 127.0.0.1:$((PORT + i))\$"
    pkill -TERM -f "$pattern" || true
    for _ in $(seq 1 100); do pgrep -f "$pattern" >/dev/null || break; sleep 0.1; done
    pkill -KILL -f "$pattern" || true
  done
  for i in "${servers[@]}"; do wait "$i" 2>/dev/null || true; done
  servers=()
}

body() {  # the POST body of page $1 as a wrk script $work/$1.lua
  local query vars='{}'
  case "$1" in
    list) query=scripts/bench/list_page.graphql; vars='{"first":20}' ;;
    single)
      query=scripts/bench/single_exchange.graphql
      local id
      id=$(in_app curl -fsS -H 'content-type: application/json' -d '{"query":"{exchanges(first:1,orderBy:DESC){nodes{id}}}"}' \
        "http://127.0.0.1:$((PORT + 1))/graphql" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["exchanges"]["nodes"][0]["id"])')
      vars="{\"id\":\"$id\"}" ;;
    stats) printf '{ exchangeStats(groupBy: [MONTH, SPECIALTY]) { groups { keys { label } exchanges } } }' > "$work/stats.graphql"; query="$work/stats.graphql" ;;
  esac
  python3 - "$query" "$vars" > "$work/$1.json" <<'PY'
import json, sys
print(json.dumps({"query": open(sys.argv[1], encoding="utf-8").read(), "variables": json.loads(sys.argv[2])}, ensure_ascii=False))
PY
  printf 'local f = io.open("%s", "rb"); wrk.method = "POST"; wrk.body = f:read("*a"); f:close()\nwrk.headers["Content-Type"] = "application/json"\n' \
    "$work/$1.json" > "$work/$1.lua"
  local answer
  answer=$(in_app curl -fsS -H 'content-type: application/json' --data-binary "@$work/$1.json" "http://127.0.0.1:$((PORT + 1))/graphql")
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d.get("data") and "errors" not in d, sys.argv[1][:300]' "$answer"
}

run() {  # page $1 against N=$2 processes: "req/s p99_ms"
  local i pids=()
  for i in $(seq 1 "$2"); do
    in_app wrk -t1 -c$((32 / $2)) -d"$DURATION" --latency -s "$work/$1.lua" "http://127.0.0.1:$((PORT + i))/graphql" > "$work/wrk$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  python3 - "$work" "$2" <<'PY'
import re, sys
def ms(v):
    n, unit = re.match(r"([0-9.]+)(us|ms|s)$", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps, p99 = 0.0, 0.0
for i in range(1, int(sys.argv[2]) + 1):
    out = open(f"{sys.argv[1]}/wrk{i}").read()
    if re.search(r"Non-2xx|Socket errors", out):
        sys.exit(f"errors:\n{out}")
    rps += float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    p99 = max(p99, ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)))
print(f"{rps:.0f} {p99:.2f}")
PY
}

printf '%-7s %-5s %-6s %-4s %9s %8s\n' page procs delay run req/s p99_ms
for n in $PROCESSES; do
  for page in $PAGES; do : > "$work/$page.off"; : > "$work/$page.on"; done
  for r in $(seq 1 "$RUNS"); do
    for d in off on; do
      start "$n" "$d"
      for page in $PAGES; do
        body "$page"
        in_app wrk -t1 -c8 -d2s -s "$work/$page.lua" "http://127.0.0.1:$((PORT + 1))/graphql" >/dev/null
        line=$(run "$page" "$n"); echo "$line" >> "$work/$page.$d"
        printf '%-7s %-5s %-6s %-4s %9s %8s\n' "$page" "$n" "$d" "$r" $line
      done
      stop
    done
  done
  for page in $PAGES; do
    python3 - "$work/$page.off" "$work/$page.on" "$page" "$n" <<'PY'
import statistics, sys
def med(p):
    rows = [list(map(float, l.split())) for l in open(p) if l.strip()]
    return [statistics.median(c) for c in zip(*rows)]
off, on = med(sys.argv[1]), med(sys.argv[2])
print(f"median {sys.argv[3]:<7} x{sys.argv[4]}: no delay {off[0]:.0f} req/s p99 {off[1]:.2f} ms | delay {on[0]:.0f} req/s p99 {on[1]:.2f} ms ({100 * (on[0] - off[0]) / off[0]:+.1f} %)")
PY
  done
done

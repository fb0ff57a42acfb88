#!/usr/bin/env bash
# 64 connections for 30 s on loopback, mixing valid and hostile queries
# (1000 aliases, deep nesting, huge pages, parse errors, bad JSON, GET
# mutations) against the release binary on the bundled report. Reports
# requests/s, status classes and the server's peak memory. Needs wrk
# (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-30s}"
cargo build --release --quiet --bin medexchange
work="$(mktemp -d)"
port=18700
target/release/medexchange --database-url "sqlite://$work/load.db" --log warn serve --listen "127.0.0.1:$port" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
wrk -t2 -c64 -d"$duration" --latency -s scripts/load/mixed.lua "http://127.0.0.1:$port"
echo "server peak memory: $(grep VmHWM /proc/$server/status)"
curl -fsS "http://127.0.0.1:$port/metrics" | grep -E '^medexchange_http_requests_total'
kill -0 "$server" && echo "server still running"

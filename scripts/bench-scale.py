#!/usr/bin/env python3
"""One database of any size, every kind of request, one at a time.

Starts the release server on DATABASE_URL (response cache off) and reports:
the time until /readyz answers, until the first list page is answered
(catalog loaded) and until the analysts' fact table is read; then the
median and slowest of ROUNDS requests of each kind (list page, single
exchange, search in Chinese and in Japanese, CSV of a 100-row list,
partnerships, three exchangeStats shapes); then an editor's update (a token
made with `medexchange token create`), how long the mutation took and how
long until exchangeStats counted it; and the server's peak RSS.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mx_pages_1000000 scripts/bench-scale.py
    DATABASE_URL=sqlite://target/bench/mx_pages_1000000.db ROUNDS=15 scripts/bench-scale.py

Env: DATABASE_URL (required), BIN (target/release/medexchange), ROUNDS (15),
PORT (18970). The update changes one exchange's format (and back, at the end).
"""

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

BIN = os.environ.get("BIN", "target/release/medexchange")
URL = os.environ["DATABASE_URL"]
ROUNDS = int(os.environ.get("ROUNDS", "15"))
PORT = int(os.environ.get("PORT", "18970"))
BASE = f"http://127.0.0.1:{PORT}"
LIST_PAGE = open("scripts/bench/list_page.graphql", encoding="utf-8").read()
SINGLE = open("scripts/bench/single_exchange.graphql", encoding="utf-8").read()
SEARCH = "query($q: String!) { search(query: $q, first: 20) { __typename ... on Exchange { slug title } ... on Institution { slug name } ... on Photo { slug caption } } }"


def post(query, variables=None, headers=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{BASE}/graphql", body, {"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=120) as reply:
        text = reply.read().decode()
    if (headers or {}).get("accept") == "text/csv":
        return text
    answer = json.loads(text)
    if answer.get("errors"):
        sys.exit(f"error: {text[:400]}")
    return answer["data"]


def get(path):
    with urllib.request.urlopen(f"{BASE}{path}", timeout=5) as reply:
        return reply.read().decode()


def until(test, limit=600):
    started = time.time()
    while time.time() - started < limit:
        try:
            if test():
                return
        except Exception:
            pass
        time.sleep(0.01)
    sys.exit("timed out")


def timed(name, call):
    call()
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{name:44} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")


def main():
    env = {**os.environ, "MEDEXCHANGE_LOG": "warn", "MEDEXCHANGE_RESPONSE_CACHE_ENTRIES": "0"}
    started = time.time()
    server = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{PORT}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        until(lambda: get("/readyz") is not None)
        ready = time.time() - started
        post(LIST_PAGE, {"first": 20})
        first_page = time.time() - started
        until(lambda: "\nmedexchange_analytics_facts_version " in get("/metrics"))
        facts = time.time() - started
        rss = lambda field: int(open(f"/proc/{server.pid}/status").read().split(field)[1].split()[0]) // 1024
        print(f"ready in {ready:.2f} s, first list page in {first_page:.2f} s, fact table read in {facts:.2f} s, RSS {rss('VmRSS:')} MiB")
        newest = post("{ exchanges(first: 1, orderBy: DESC) { nodes { id version format } } }")["exchanges"]["nodes"][0]
        timed("list page (20 newest, everything under them)", lambda: post(LIST_PAGE, {"first": 20}))
        timed("single exchange", lambda: post(SINGLE, {"id": newest["id"]}))
        for words in ["心血管", "循環器", "人民医院", "総合病院"]:
            timed(f"search {words}", lambda: post(SEARCH, {"q": words}))
        csv = "{ exchanges(first: 100, lang: JA) { nodes { slug date title } } }"
        timed("CSV of a 100-row list", lambda: post(csv, headers={"accept": "text/csv"}))
        timed("partnerships, first 20", lambda: post("{ partnerships(first: 20) { nodes { exchanges firstDate } } }"))
        for shape in ["[MONTH]", "[MONTH, SPECIALTY]", "[COUNTRY, REGION]"]:
            query = f"{{ exchangeStats(groupBy: {shape}) {{ groups {{ exchanges institutions }} }} }}"
            timed(f"exchangeStats {shape}", lambda: post(query))
        update(newest)
        print(f"peak RSS {rss('VmHWM:')} MiB")
    finally:
        server.terminate()
        server.wait()


def update(exchange):
    token = subprocess.run([BIN, "token", "create", "--name", "bench-scale-" + str(int(time.time())), "--role", "editor"],
                           env={**os.environ, "MEDEXCHANGE_LOG": "warn"}, capture_output=True, text=True, check=True)
    bearer = {"authorization": "Bearer " + token.stdout.strip().splitlines()[-1]}
    count = "{ exchangeStats(groupBy: [FORMAT]) { groups { keys { value } exchanges } } }"
    by_format = lambda: {g["keys"][0]["value"]: g["exchanges"] for g in post(count)["exchangeStats"]["groups"]}
    before = by_format()
    change = "mutation($id: ID!, $v: Int!, $f: ExchangeFormat!) { updateExchange(id: $id, expectedVersion: $v, input: {format: $f}) { exchange { version } errors { code message } } }"
    other = "HYBRID" if exchange["format"] != "HYBRID" else "ONLINE"
    started = time.perf_counter()
    written = post(change, {"id": exchange["id"], "v": exchange["version"], "f": other}, bearer)["updateExchange"]
    took = (time.perf_counter() - started) * 1000
    assert not written["errors"], written
    until(lambda: by_format().get(other, 0) == before.get(other, 0) + 1, 10)
    seen = (time.perf_counter() - started) * 1000
    print(f"editor's update {took:.1f} ms; counted by exchangeStats {seen:.1f} ms after it was sent")
    post(change, {"id": exchange["id"], "v": written["exchange"]["version"], "f": exchange["format"]}, bearer)


main()

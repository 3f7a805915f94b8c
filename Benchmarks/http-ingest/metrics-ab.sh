#!/usr/bin/env bash
# What `/metrics` costs ingest (issue 15's target: under 2% of ingest throughput): an A/B in one
# run. The same generated file is sent over HTTP /write (load.py, as run.sh does) to a fresh
# `chargeline serve` ROUNDS times with nobody scraping (A) and ROUNDS times with GET /metrics
# every SCRAPE_SECONDS (B), alternating A,B,B,A,A,B,... so drift in the machine's load falls on
# both arms alike. Prints every run, the median values/s of each arm, B/A - 1, and the median
# wall time of one scrape (how long the server spent answering it, as the scraper saw it).
#
#   Benchmarks/http-ingest/metrics-ab.sh                  # 2000 guns x 2 h (~10 M values), 3 rounds
#   GUNS=1000 DURATION=1h ROUNDS=5 SCRAPE_SECONDS=5 Benchmarks/http-ingest/metrics-ab.sh
#   BIN_DIR=.build/release KEEP=1 ...                     # prebuilt binaries; keep the temp dir
#
# Metrics are always on in serve (counters are bumped either way); the A/B measures the scrape:
# the collectors that read storage and process state, and the text exposition.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-2000}"
DURATION="${DURATION:-2h}"
INTERVAL="${INTERVAL:-10s}"
ROUNDS="${ROUNDS:-3}"
SCRAPE_SECONDS="${SCRAPE_SECONDS:-5}"
BATCH="${BATCH:-5000}"
CLIENTS="${CLIENTS:-3}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/chargeline-metrics-ab.XXXXXX")"
SERVER_PID=""
SCRAPER_PID=""
log() { printf '[metrics-ab] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
stop_pid() {
    local pid="$1"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    stop_pid "$SCRAPER_PID"
    stop_pid "$SERVER_PID"
    if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

log "generating $GUNS guns x $DURATION every $INTERVAL"
"$BIN/chargeline-datagen" --guns "$GUNS" --start 2026-11-20T00:00:00Z --duration "$DURATION" --interval "$INTERVAL" \
    --seed 1 --out "$TMP/telemetry.lp" --quiet

# One run: fresh data directory, serve, optional scraper, load, SIGTERM. Appends a JSON line
# {arm, valuesPerSecond, scrapes, scrapeMs: [...]} to $TMP/runs.jsonl.
run() {
    local arm="$1" n="$2"
    local port; port="$(free_port)"
    rm -rf "$TMP/data"
    "$BIN/chargeline" serve --data "$TMP/data" --http "127.0.0.1:$port" --lp-tcp off --ykc off >"$TMP/server-$n.log" 2>&1 &
    SERVER_PID=$!
    python3 "$HERE/load.py" ping --port "$port" --timeout 60 || { tail -n 20 "$TMP/server-$n.log" >&2; die "no /ping"; }
    rm -f "$TMP/scrapes.txt"
    if [[ "$arm" == scrape ]]; then
        python3 - "$port" "$SCRAPE_SECONDS" "$TMP/scrapes.txt" <<'PY' &
import http.client, sys, time
port, every, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
while True:
    t = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics")
    r = c.getresponse()
    body = r.read()
    c.close()
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        sys.exit(f"GET /metrics answered {r.status}")
    with open(out, "a") as f:
        f.write(f"{ms:.3f} {len(body)}\n")
    time.sleep(max(0.0, every - (time.perf_counter() - t)))
PY
        SCRAPER_PID=$!
    fi
    python3 "$HERE/load.py" write --port "$port" --db bench --precision ns --batch-lines "$BATCH" --clients "$CLIENTS" \
        --summary "$TMP/load-$n.json" "$TMP/telemetry.lp" >/dev/null || die "HTTP load failed (run $n, $arm)"
    stop_pid "$SCRAPER_PID"; SCRAPER_PID=""
    stop_pid "$SERVER_PID"; SERVER_PID=""
    python3 - "$arm" "$TMP/load-$n.json" "$TMP/scrapes.txt" >>"$TMP/runs.jsonl" <<'PY'
import json, os, sys
arm, load, scrapes = sys.argv[1:4]
s = json.load(open(load))
ms = [float(l.split()[0]) for l in open(scrapes)] if os.path.exists(scrapes) else []
print(json.dumps({"arm": arm, "valuesPerSecond": s["valuesPerSecond"], "seconds": s["seconds"], "scrapeMs": ms}))
PY
    log "run $n ($arm): $(tail -n 1 "$TMP/runs.jsonl")"
}

n=0
for r in $(seq "$ROUNDS"); do
    if (( r % 2 == 1 )); then order=(none scrape); else order=(scrape none); fi
    for arm in "${order[@]}"; do n=$((n + 1)); run "$arm" "$n"; done
done

python3 - "$TMP/runs.jsonl" "$SCRAPE_SECONDS" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
every = float(sys.argv[2])
a = [r["valuesPerSecond"] for r in runs if r["arm"] == "none"]
b = [r["valuesPerSecond"] for r in runs if r["arm"] == "scrape"]
ms = [m for r in runs if r["arm"] == "scrape" for m in r["scrapeMs"]]
ma, mb = statistics.median(a), statistics.median(b)
print("no scrape (values/s):       " + ", ".join(f"{v:,.0f}" for v in a))
print(f"scrape every {every:g} s (values/s): " + ", ".join(f"{v:,.0f}" for v in b))
print(f"median: {ma:,.0f} without, {mb:,.0f} with scrapes: {100 * (mb / ma - 1):+.1f}%")
if ms:
    print(f"{len(ms)} scrapes, median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms each "
          f"(wall time as the scraper saw it, waiting included: {100 * statistics.median(ms) / 1000 / every:.2f}% of the interval)")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

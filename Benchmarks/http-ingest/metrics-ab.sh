#!/usr/bin/env bash
# What `/metrics` costs ingest (issue 15's target: under 2% of ingest throughput), two ways in one
# run, same binary throughout:
#
# 1. Throughput A/B. The same generated file is sent over HTTP /write (load.py, as run.sh does)
#    to a fresh `chargeline serve` ROUNDS times with nobody scraping (A) and ROUNDS times with
#    GET /metrics every SCRAPE_SECONDS (B), interleaved A,B,B,A,A,B,... so drift in the machine's
#    load falls on both arms alike. Prints every run, the median values/s of each arm and B/A - 1,
#    and the ratio within each round (its A and B ran back to back) with their median and range.
# 2. CPU cost, which the noise of a shared machine does not blur: after each B run's load, the
#    server (still holding what it ingested) answers BURST scrapes back to back and the server's
#    own CPU time (/proc/PID/stat) over them is divided by BURST; during each A run the server's
#    CPU time over the load gives the CPU ingest uses per second. One scrape per SCRAPE_SECONDS
#    then costs (CPU per scrape / SCRAPE_SECONDS) / (ingest CPU per second) of ingest's CPU: on
#    a CPU-bound ingest that is the throughput it takes. The verdict line compares that with 2%.
#
#   Benchmarks/http-ingest/metrics-ab.sh                  # 1000 guns x 6 h (~15 M values), 6 rounds
#   GUNS=1000 DURATION=1h ROUNDS=8 SCRAPE_SECONDS=5 Benchmarks/http-ingest/metrics-ab.sh
#   BIN_DIR=.build/release KEEP=1 ...                     # prebuilt binaries; keep the temp dir
#
# Metrics are always on in serve (counters are bumped either way); the A/B measures the scrape:
# the collectors that read storage and process state, and the text exposition.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-1000}"
DURATION="${DURATION:-6h}"
INTERVAL="${INTERVAL:-10s}"
ROUNDS="${ROUNDS:-6}"
BURST="${BURST:-200}"
SCRAPE_SECONDS="${SCRAPE_SECONDS:-5}"
BATCH="${BATCH:-5000}"
CLIENTS="${CLIENTS:-3}"
SERVER_PID=""
SCRAPER_PID=""
BENCH=metrics-ab
source "$ROOT/Benchmarks/lib.sh"
STOP_ON_EXIT="SCRAPER_PID SERVER_PID"
bench_temp

chargeline_bin

log "generating $GUNS guns x $DURATION every $INTERVAL"
"$BIN/chargeline-datagen" --guns "$GUNS" --start 2026-11-20T00:00:00Z --duration "$DURATION" --interval "$INTERVAL" \
    --seed 1 --out "$TMP/telemetry.lp" --quiet

# One run: fresh data directory, serve, optional scraper, load, (B: a burst of scrapes timed in
# the server's CPU), SIGTERM. Appends a JSON line {round, arm, valuesPerSecond, seconds,
# cpuSeconds, burstCpuMsPerScrape, scrapeMs: [...]} to $TMP/runs.jsonl.
run() {
    local arm="$1" n="$2" round="$3"
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
    local cpu0 cpu1 burst_ms=null
    cpu0="$(cpu_seconds "$SERVER_PID")"
    python3 "$HERE/load.py" write --port "$port" --db bench --precision ns --batch-lines "$BATCH" --clients "$CLIENTS" \
        --summary "$TMP/load-$n.json" "$TMP/telemetry.lp" >/dev/null || die "HTTP load failed (run $n, $arm)"
    cpu1="$(cpu_seconds "$SERVER_PID")"
    stop_pid "$SCRAPER_PID"; SCRAPER_PID=""
    if [[ "$arm" == scrape ]]; then
        # Let the background flush after the load finish, so the burst's CPU is the scrapes'.
        sleep 2
        local b0 b1
        b0="$(cpu_seconds "$SERVER_PID")"
        python3 - "$port" "$BURST" <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for _ in range(n):
    c.request("GET", "/metrics")
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"GET /metrics answered {r.status}")
PY
        b1="$(cpu_seconds "$SERVER_PID")"
        burst_ms="$(python3 -c "print(($b1 - $b0) * 1000 / $BURST)")"
    fi
    stop_pid "$SERVER_PID"; SERVER_PID=""
    python3 - "$arm" "$TMP/load-$n.json" "$TMP/scrapes.txt" "$round" "$(python3 -c "print($cpu1 - $cpu0)")" "$burst_ms" \
        >>"$TMP/runs.jsonl" <<'PY'
import json, os, sys
arm, load, scrapes, rnd, cpu, burst = sys.argv[1:7]
s = json.load(open(load))
ms = [float(l.split()[0]) for l in open(scrapes)] if os.path.exists(scrapes) else []
print(json.dumps({"round": int(rnd), "arm": arm, "valuesPerSecond": s["valuesPerSecond"], "seconds": s["seconds"],
                  "cpuSeconds": float(cpu), "burstCpuMsPerScrape": None if burst == "null" else float(burst), "scrapeMs": ms}))
PY
    log "run $n ($arm): $(tail -n 1 "$TMP/runs.jsonl")"
}

n=0
for r in $(seq "$ROUNDS"); do
    if (( r % 2 == 1 )); then order=(none scrape); else order=(scrape none); fi
    for arm in "${order[@]}"; do n=$((n + 1)); run "$arm" "$n" "$r"; done
done

python3 - "$TMP/runs.jsonl" "$SCRAPE_SECONDS" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
every = float(sys.argv[2])
a = [r for r in runs if r["arm"] == "none"]
b = [r for r in runs if r["arm"] == "scrape"]
ma = statistics.median(r["valuesPerSecond"] for r in a)
mb = statistics.median(r["valuesPerSecond"] for r in b)
print("A no scrape (values/s):         " + ", ".join(f"{r['valuesPerSecond']:,.0f}" for r in a))
print(f"B scrape every {every:g} s (values/s): " + ", ".join(f"{r['valuesPerSecond']:,.0f}" for r in b))
print(f"throughput: median A {ma:,.0f}, median B {mb:,.0f} values/s: B/A - 1 = {100 * (mb / ma - 1):+.1f}%")
pairs = []
for rnd in sorted({r["round"] for r in runs}):
    ra = [r["valuesPerSecond"] for r in a if r["round"] == rnd]
    rb = [r["valuesPerSecond"] for r in b if r["round"] == rnd]
    if ra and rb: pairs.append(rb[0] / ra[0] - 1)
if pairs:
    print(f"per round B/A - 1: " + ", ".join(f"{100 * p:+.1f}%" for p in pairs)
          + f"; median {100 * statistics.median(pairs):+.1f}%, range {100 * min(pairs):+.1f}% to {100 * max(pairs):+.1f}%"
          + f", B slower in {sum(p < 0 for p in pairs)} of {len(pairs)} rounds")
ms = [m for r in b for m in r["scrapeMs"]]
if ms:
    print(f"{len(ms)} scrapes during loads: median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms wall time each")
burst = [r["burstCpuMsPerScrape"] for r in b if r["burstCpuMsPerScrape"] is not None]
ingest_cpu = [r["cpuSeconds"] / r["seconds"] for r in a if r["seconds"] > 0]
if burst and ingest_cpu:
    per_scrape = statistics.median(burst)
    cores = statistics.median(ingest_cpu)
    share = per_scrape / 1000 / every / cores
    print(f"CPU: one scrape costs the server {per_scrape:.2f} ms CPU (median of {len(burst)} bursts, "
          f"range {min(burst):.2f}-{max(burst):.2f}); ingest uses {cores:.2f} CPU-s per second (median of A runs)")
    print(f"verdict: a scrape every {every:g} s costs {100 * share:.3f}% of ingest's CPU "
          f"({'under' if share < 0.02 else 'OVER'} the 2% target)")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

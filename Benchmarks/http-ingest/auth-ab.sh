#!/usr/bin/env bash
# What `--auth-enabled` costs ingest (issue 17's target: under 3% of ingest throughput): an A/B
# in one run. The same generated file is sent over HTTP /write (load.py, as run.sh does) to a
# fresh `chargeline serve` ROUNDS times without auth (A) and ROUNDS times with --auth-enabled and
# HTTP Basic credentials of an admin on every batch (B: the first check hashes the password,
# the rest hit the server's cached check), alternating A,B,B,A,A,B,... so drift in the
# machine's load falls on both arms alike. Prints every run, the median values/s of each arm
# and B/A - 1, and the server's CPU time per 1,000 values over the load (from /proc/PID/stat;
# the admin and database are made before it), which a shared machine's noise blurs far less.
#
#   Benchmarks/http-ingest/auth-ab.sh                     # 2000 guns x 2 h (~10 M values), 3 rounds
#   GUNS=1000 DURATION=1h ROUNDS=5 Benchmarks/http-ingest/auth-ab.sh
#   BIN_DIR=.build-rel/release KEEP=1 ...                 # prebuilt binaries; keep the temp dir
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-2000}"
DURATION="${DURATION:-2h}"
INTERVAL="${INTERVAL:-10s}"
ROUNDS="${ROUNDS:-3}"
BATCH="${BATCH:-5000}"
CLIENTS="${CLIENTS:-3}"
SERVER_PID=""
BENCH=auth-ab
source "$ROOT/Benchmarks/lib.sh"
STOP_ON_EXIT="SERVER_PID"
bench_temp

chargeline_bin

log "generating $GUNS guns x $DURATION every $INTERVAL"
"$BIN/chargeline-datagen" --guns "$GUNS" --start 2026-11-20T00:00:00Z --duration "$DURATION" --interval "$INTERVAL" \
    --seed 1 --out "$TMP/telemetry.lp" --quiet

# One run: fresh data directory, serve (with --auth-enabled in arm "auth"), load, SIGTERM.
# Appends a JSON line {arm, valuesPerSecond, seconds} to $TMP/runs.jsonl.
run() {
    local arm="$1" n="$2"
    local port; port="$(free_port)"
    local serve_auth=() load_auth=()
    if [[ "$arm" == auth ]]; then serve_auth=(--auth-enabled); load_auth=(--auth "bench:bench-password"); fi
    rm -rf "$TMP/data"
    "$BIN/chargeline" serve --data "$TMP/data" --http "127.0.0.1:$port" --lp-tcp off --ykc off "${serve_auth[@]}" \
        >"$TMP/server-$n.log" 2>&1 &
    SERVER_PID=$!
    python3 "$HERE/load.py" ping --port "$port" --timeout 60 || { tail -n 20 "$TMP/server-$n.log" >&2; die "no /ping"; }
    # Set-up outside the measure: the admin (auth arm: one password hash to store it, one to
    # verify it on CREATE DATABASE, after which the server's cached check answers) and the database.
    local setup=(-sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/query")
    if [[ "$arm" == auth ]]; then
        [[ "$(curl "${setup[@]}" --data-urlencode "q=CREATE USER bench WITH PASSWORD 'bench-password' WITH ALL PRIVILEGES")" == 200 ]] \
            || die "CREATE USER failed"
        setup+=(-u "bench:bench-password")
    fi
    [[ "$(curl "${setup[@]}" --data-urlencode 'q=CREATE DATABASE bench')" == 200 ]] || die "CREATE DATABASE failed"
    local cpu0; cpu0="$(cpu_seconds "$SERVER_PID")"
    python3 "$HERE/load.py" write --port "$port" --db bench --precision ns --batch-lines "$BATCH" --clients "$CLIENTS" \
        --no-create --summary "$TMP/load-$n.json" "${load_auth[@]}" "$TMP/telemetry.lp" >/dev/null || die "HTTP load failed (run $n, $arm)"
    # The server's CPU over the load alone, before SIGTERM's flush.
    local cpu; cpu="$(python3 -c "print($(cpu_seconds "$SERVER_PID") - $cpu0)")"
    stop_pid "$SERVER_PID"; SERVER_PID=""
    python3 - "$arm" "$TMP/load-$n.json" "$cpu" >>"$TMP/runs.jsonl" <<'PY'
import json, sys
arm, load, cpu = sys.argv[1:4]
s = json.load(open(load))
print(json.dumps({"arm": arm, "valuesPerSecond": s["valuesPerSecond"], "seconds": s["seconds"],
                  "cpuMicrosPerKValue": float(cpu) / s["values"] * 1e9}))
PY
    log "run $n ($arm): $(tail -n 1 "$TMP/runs.jsonl")"
}

n=0
for r in $(seq "$ROUNDS"); do
    if (( r % 2 == 1 )); then order=(none auth); else order=(auth none); fi
    for arm in "${order[@]}"; do n=$((n + 1)); run "$arm" "$n"; done
done

python3 - "$TMP/runs.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
a = [r["valuesPerSecond"] for r in runs if r["arm"] == "none"]
b = [r["valuesPerSecond"] for r in runs if r["arm"] == "auth"]
ma, mb = statistics.median(a), statistics.median(b)
print("auth off (values/s): " + ", ".join(f"{v:,.0f}" for v in a))
print("auth on  (values/s): " + ", ".join(f"{v:,.0f}" for v in b))
print(f"median: {ma:,.0f} without, {mb:,.0f} with auth: {100 * (mb / ma - 1):+.1f}% (ratio {mb / ma:.3f})")
ca = [r["cpuMicrosPerKValue"] for r in runs if r["arm"] == "none"]
cb = [r["cpuMicrosPerKValue"] for r in runs if r["arm"] == "auth"]
mca, mcb = statistics.median(ca), statistics.median(cb)
print("server CPU per 1,000 values (us), off: " + ", ".join(f"{v:.1f}" for v in ca))
print("server CPU per 1,000 values (us), on:  " + ", ".join(f"{v:.1f}" for v in cb))
print(f"median CPU: {mca:.1f} us without, {mcb:.1f} us with auth per 1,000 values: {100 * (mcb / mca - 1):+.1f}% "
      "(a CPU-bound server's throughput falls by about this much; the throughput line above also "
      "carries the machine's noise)")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

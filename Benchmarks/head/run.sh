#!/usr/bin/env bash
# The head as a read source, on a live `chargeline serve`: bytes per value the head holds, and
# the six operations queries of Benchmarks/query over data that is still in the head, then the
# same queries after a restart (the data flushed to segments).
#
#   Benchmarks/head/run.sh                       # 200 guns x 6 h at 10 s (about 3 M values)
#   GUNS=100 DURATION=2h Benchmarks/head/run.sh
#   BIN_DIR=/path/to/release ...                 # prebuilt binaries (e.g. another commit's)
#
# 1. generate DURATION of telemetry ending an hour ago (UTC) for GUNS guns;
# 2. start `serve` and POST it to /write with one sender (40,000 lines per request); the head's
#    flush threshold (256 MiB, 10 min) keeps it all in memory;
# 3. `SHOW STATS`: headBytes / headValues is the head's bytes per value held;
# 4. run each query REPEAT times over HTTP at once (no compaction, no restart), median;
# 5. stop `serve` (it flushes the head), start it again and run the queries again.
# Needs curl and python3 (installed with apt-get when absent).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-200}"
DURATION="${DURATION:-6h}"
REPEAT="${REPEAT:-5}"
PORT="${PORT:-18187}"
TMP="$(mktemp -d /tmp/chargeline-head-bench.XXXXXX)"
log() { printf '[head] %s\n' "$*" >&2; }
SERVE_PID=""
cleanup() {
    if [[ -n "$SERVE_PID" ]]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
    if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
for tool in curl python3; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin
HOURS=${DURATION%h}
END_EPOCH=$(( $(date -u +%s) / 3600 * 3600 - 3600 ))
START_EPOCH=$(( END_EPOCH - HOURS * 3600 ))
START="$(date -u -d "@$START_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
END="$(date -u -d "@$END_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
LAST_HOUR="$(date -u -d "@$(( END_EPOCH - 3600 ))" +%Y-%m-%dT%H:%M:%SZ)"
log "generating $GUNS guns, $DURATION at 10 s from $START"
"$BIN/chargeline-datagen" --guns "$GUNS" --start "$START" --duration "$DURATION" --out "$TMP/data.lp" --quiet
split -l 40000 -d -a 4 "$TMP/data.lp" "$TMP/part."

start_serve() {
    "$BIN/chargeline" serve --data "$TMP/data" --http "127.0.0.1:$PORT" --lp-tcp off --fsync never 2>>"$TMP/serve.log" &
    SERVE_PID=$!
    for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/ping" >/dev/null && return; sleep 0.1; done
    log "serve did not start"; tail -20 "$TMP/serve.log" >&2; exit 1
}
stop_serve() { kill -INT "$SERVE_PID"; wait "$SERVE_PID" || true; SERVE_PID=""; }
query() { curl -sf -o "$TMP/q.out" -w '%{time_total}\n' --get "http://127.0.0.1:$PORT/query" --data-urlencode "db=bench" --data-urlencode "q=$1"; }

QUERIES=(
  "one pile hourly mean/max of 3 fields|SELECT mean(voltage), max(voltage), mean(current), max(current), mean(temperature), max(temperature) FROM telemetry WHERE pile = 'P000123' AND time >= '$START' AND time < '$END' GROUP BY time(1h)"
  "last value of every field of every gun|SELECT latest(*) FROM telemetry GROUP BY station, pile, gun"
  "every pile's hourly max temperature|SELECT max(temperature) FROM telemetry WHERE time >= '$START' AND time < '$END' GROUP BY time(1h), pile"
  "guns over 85 C in the last hour|SELECT max(temperature) FROM telemetry WHERE time >= '$LAST_HOUR' AND time < '$END' AND temperature > 85 GROUP BY pile, gun"
  "per-station daily energy|SELECT sum(kwh) FROM (SELECT spread(energy) AS kwh FROM telemetry WHERE time >= '$START' AND time < '$END' GROUP BY time(1d), station, pile, gun) GROUP BY time(1d), station"
  "silent piles|SHOW SILENT SERIES FROM telemetry FOR 10m GROUP BY pile"
)
run_queries() {  # $1: label; prints "name<TAB>median ms" lines to $TMP/$1.txt
    : >"$TMP/$1.txt"
    for entry in "${QUERIES[@]}"; do
        local name="${entry%%|*}" q="${entry#*|}" times=()
        for ((i = 0; i < REPEAT; i++)); do times+=("$(query "$q")"); done
        printf '%s\t%s\n' "$name" "$(printf '%s\n' "${times[@]}" | python3 -c 'import statistics,sys; print("%.1f" % (1000*statistics.median(float(l) for l in sys.stdin)))')" >>"$TMP/$1.txt"
    done
}

start_serve
log "writing $(wc -l <"$TMP/data.lp") lines over HTTP"
t0=$(date +%s.%N)
for part in "$TMP"/part.*; do
    code=$(curl -s -o "$TMP/write.out" -w '%{http_code}' --data-binary @"$part" "http://127.0.0.1:$PORT/write?db=bench")
    [[ "$code" == 204 ]] || { log "write of $part answered $code: $(cat "$TMP/write.out")"; exit 1; }
done
t1=$(date +%s.%N)
curl -sf --get "http://127.0.0.1:$PORT/query" --data-urlencode "q=SHOW STATS FOR 'database'" >"$TMP/stats.json"
run_queries live
stop_serve
start_serve
run_queries restarted
stop_serve
python3 - "$TMP/stats.json" "$TMP/live.txt" "$TMP/restarted.txt" "$t0" "$t1" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))
values = bytes_ = 0
for r in stats["results"]:
    for s in r.get("series", []):
        if s.get("tags", {}).get("database") == "bench":
            row = dict(zip(s["columns"], s["values"][0]))
            values, bytes_ = row["headValues"], row["headBytes"]
print(f"ingest: {values} values in {float(sys.argv[5]) - float(sys.argv[4]):.1f} s over HTTP")
print(f"head: {values} values in {bytes_} bytes = {bytes_ / max(values, 1):.2f} B/value")
live = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
restarted = [l.rstrip("\n").split("\t") for l in open(sys.argv[3])]
print(f"{'query':42} {'live ms':>9} {'restarted ms':>13} {'ratio':>6}")
for (name, a), (_, b) in zip(live, restarted):
    print(f"{name:42} {float(a):9.1f} {float(b):13.1f} {float(a) / max(float(b), 0.01):6.2f}")
PY

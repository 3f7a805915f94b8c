#!/usr/bin/env bash
# Delete benchmark: `DELETE FROM telemetry WHERE pile = 'X' AND <one day>` on the 24 h x
# 2,000-gun store, through a running server as a client sends it.
#
#   BIN_DIR=.build-rel/release Benchmarks/delete/run.sh [BASE_DATA_DIR]
#
# Uses (or generates, imports and compacts) the query benchmark's store in BASE_DATA_DIR
# (default /tmp/chargeline-bench-24h, see Benchmarks/query/run.sh) and works on a copy of it,
# so the base store stays untouched and the run can be repeated. Prints:
#   - the DELETE's latency (target: under 1 s) and that it answered the empty result;
#   - segment bytes of the database before and after the next compaction (the deleted pile's
#     day must leave the disk);
#   - medians of 15 runs of a query over untouched series (another pile's day) before the
#     delete, after it (tombstone live) and after the compaction: no slower.
# Needs curl and python3 (both from Debian when missing). Binaries: BIN_DIR, else a release build.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
source "$ROOT/Benchmarks/lib.sh"
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
chargeline_bin
BASE=${1:-/tmp/chargeline-bench-24h}
if [ ! -d "$BASE/chargeline" ]; then
  "$BIN/chargeline-datagen" --guns 2000 --start 2026-11-20T00:00:00Z --duration 24h --out /tmp/chargeline-bench-24h.lp.gz
  "$BIN/chargeline" import --data "$BASE" --db chargeline /tmp/chargeline-bench-24h.lp.gz
  "$BIN/chargeline" compact --data "$BASE"
fi
WORK=$(mktemp -d /tmp/chargeline-delete-bench.XXXXXX)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cp -a "$BASE" "$WORK/data"
rm -f "$WORK/data/LOCK"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"

start_server() {
  "$BIN/chargeline" serve --data "$WORK/data" --http "127.0.0.1:$PORT" --lp-tcp off --log-level warning >"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    curl -sf "$URL/ping" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$WORK/serve.log"; exit 1
}
stop_server() {
  kill -INT "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
}
segment_bytes() {
  find "$WORK/data/chargeline/partitions" -name '*.seg' -printf '%s\n' | awk '{s+=$1} END {print s+0}'
}
# Median wall time (ms) of 15 runs of an untouched pile's day, after 2 warm-up runs.
UNTOUCHED="SELECT mean(voltage), max(voltage), mean(current), max(temperature) FROM telemetry WHERE pile = 'P000124' AND time >= '2026-11-20T00:00:00Z' AND time < '2026-11-21T00:00:00Z' GROUP BY time(1h)"
median_ms() {
  local times=()
  for i in $(seq 1 17); do
    t=$(curl -s -o /dev/null -w '%{time_total}' -G "$URL/query" --data-urlencode "db=chargeline" --data-urlencode "q=$UNTOUCHED")
    [ "$i" -gt 2 ] && times+=("$t")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}'
}

start_server
BEFORE_Q=$(median_ms)
BYTES_BEFORE=$(segment_bytes)
DELETE="DELETE FROM telemetry WHERE pile = 'P000123' AND time >= '2026-11-20T00:00:00Z' AND time < '2026-11-21T00:00:00Z'"
OUT=$(curl -s -w '\n%{time_total}' -XPOST "$URL/query" --data-urlencode "db=chargeline" --data-urlencode "q=$DELETE")
ANSWER=$(echo "$OUT" | head -1)
DELETE_S=$(echo "$OUT" | tail -1)
COUNT=$(curl -s -G "$URL/query" --data-urlencode "db=chargeline" --data-urlencode "q=SELECT count(voltage) FROM telemetry WHERE pile = 'P000123'")
printf 'DELETE of one pile-day:            %s s (target < 1 s), answer %s\n' "$DELETE_S" "$ANSWER"
printf 'points of the pile left:           %s\n' "$COUNT"
AFTER_Q=$(median_ms)
printf 'untouched pile-day query, median:  before %s ms, after delete %s ms\n' "$BEFORE_Q" "$AFTER_Q"
stop_server
"$BIN/chargeline" compact --data "$WORK/data" >/dev/null
BYTES_AFTER=$(segment_bytes)
start_server
COMPACTED_Q=$(median_ms)
stop_server

printf 'segment bytes before compaction:   %s\n' "$BYTES_BEFORE"
printf 'segment bytes after compaction:    %s (reclaimed %s)\n' "$BYTES_AFTER" "$((BYTES_BEFORE - BYTES_AFTER))"
printf 'untouched pile-day query, median:  after compaction %s ms\n' "$COMPACTED_Q"

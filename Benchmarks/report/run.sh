#!/usr/bin/env bash
# Daily report benchmark: one day of 20,000 guns, read from the hourly rollups (the issue 6
# target: under one second), and for comparison from raw data.
#
#   Benchmarks/report/run.sh                     # 20,000 guns, 24 h at 60 s, 5 timed runs each
#   GUNS=2000 INTERVAL=10s RUNS=3 Benchmarks/report/run.sh
#   BIN_DIR=.build/release KEEP=1 ...            # prebuilt binaries; keep the temp dir
#   REUSE=/tmp/chargeline-report-bench.XXXXXX BIN_DIR=.build/release ...
#                                                # time the reports again on a kept dir
#   ONLY=rollups ...                             # skip the raw runs
#   HISTORY_DAYS=7 ...                           # plus 7 days before the day at one sample an
#                                                # hour (what a report's lookback reads)
#   FORMAT=html LEVEL=station ...                # time the HTML page (any format and level;
#                                                # default csv at gun level)
#
# Steps: chargeline-datagen --guns $GUNS for 2026-11-20 (UTC) plus the hour before, import,
# compact, `chargeline rollup` (as of a day later, so every hour is materialised), compact, then
# `chargeline report daily --date 2026-11-20 --tz UTC --format csv` RUNS times from rollups
# and RUNS times with --no-rollups (raw). Prints each wall time (whole process: start-up,
# store open, read, compute, CSV) and the medians, with the load average.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-20000}"
INTERVAL="${INTERVAL:-60s}"
RUNS="${RUNS:-5}"
FORMAT="${FORMAT:-csv}"
LEVEL="${LEVEL:-gun}"
if [[ -n "${REUSE:-}" ]]; then TMP="$REUSE"; KEEP=1; else TMP="$(mktemp -d /tmp/chargeline-report-bench.XXXXXX)"; fi
log() { printf '[report-bench] %s\n' "$*" >&2; }
cleanup() { if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin

if [[ -z "${REUSE:-}" ]]; then
    log "generating $GUNS guns, 25 h at $INTERVAL"
    "$BIN/chargeline-datagen" --guns "$GUNS" --start 2026-11-19T23:00:00Z --duration 25h --interval "$INTERVAL" --out "$TMP/day.lp" --quiet
    "$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$TMP/day.lp" >&2
    rm -f "$TMP/day.lp"
    if [[ "${HISTORY_DAYS:-0}" -gt 0 ]]; then
        # The week before the day, as a store that has been running has it: the lookback
        # (previous energy/status sample, guns silent all day) reads these days' rollups.
        start="$(date -u -d "2026-11-19 23:00:00 UTC - ${HISTORY_DAYS} days" +%Y-%m-%dT%H:%M:%SZ)"
        log "generating $GUNS guns, ${HISTORY_DAYS} days of history from $start at 1h"
        "$BIN/chargeline-datagen" --guns "$GUNS" --start "$start" --duration "${HISTORY_DAYS}d" --interval 1h --out "$TMP/history.lp" --quiet
        "$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$TMP/history.lp" >&2
        rm -f "$TMP/history.lp"
    fi
    "$BIN/chargeline" compact --data "$TMP/data" >&2
    "$BIN/chargeline" rollup --data "$TMP/data" --db bench --now 2026-11-22T00:00:00Z >&2
    # As serve's background compaction leaves a quiet day: one segment per partition.
    "$BIN/chargeline" compact --data "$TMP/data" >&2
fi
rm -f "$TMP/times.txt"

run() {  # $1 = label, rest = extra flags
    local label="$1"; shift
    for i in $(seq "$RUNS"); do
        python3 - "$label" "$BIN/chargeline" report daily --data "$TMP/data" --db bench --date 2026-11-20 --tz UTC \
            --format "$FORMAT" --level "$LEVEL" --out "$TMP/$label.$FORMAT" "$@" <<'PY'
import subprocess, sys, time
t = time.time()
subprocess.run(sys.argv[2:], check=True)
print(f"{sys.argv[1]} {time.time() - t:.3f}")
PY
    done
}
{ run rollups; if [[ "${ONLY:-}" != rollups ]]; then run raw --no-rollups; fi; } | tee "$TMP/times.txt" >&2
if [[ "${ONLY:-}" == rollups ]]; then same="not compared (ONLY=rollups)"
elif cmp -s "$TMP/rollups.$FORMAT" "$TMP/raw.$FORMAT"; then same=identical; else same=DIFFERENT; fi
rows=$(($(wc -l <"$TMP/rollups.$FORMAT") - 1))
if [[ "$FORMAT" != csv ]]; then rows="$(stat -c %s "$TMP/rollups.$FORMAT") bytes of $FORMAT, not"; fi
python3 - "$TMP/times.txt" "$rows" "$same" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    label, t = line.split()
    times.setdefault(label, []).append(float(t))
for label, ts in times.items():
    print(f"{label}: median {statistics.median(ts):.3f} s over {len(ts)} runs (min {min(ts):.3f}, max {max(ts):.3f}), {sys.argv[2]} gun rows")
print(f"output from rollups and from raw: {sys.argv[3]}; load average {sys.argv[4]}")
PY

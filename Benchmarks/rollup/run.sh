#!/usr/bin/env bash
# Rollup benchmark: how fast hourly rollups are materialised, what recomputing after late
# data costs, and how large the rollups are next to the raw data.
#
#   Benchmarks/rollup/run.sh                 # 2000 guns x 24 h (121 M values), 1% of guns late
#   GUNS=200 Benchmarks/rollup/run.sh        # smaller
#   BIN_DIR=.build/release KEEP=1 ...        # prebuilt binaries; keep the temp dir
#   REPEAT=3 ...                             # run the rollups 3 times on copies, report medians
#   chargeline inspect --data DIR/data --blocks   # where the raw and rollup bytes go (with KEEP=1)
#
# Steps: generate 24 h of telemetry for 99% of the guns and, separately, the other 1% (the
# piles that were offline and upload their buffered day later); import the 99% and compact;
# `chargeline rollup` (materialise every hour: the full-rollup time and values/s); import the
# late 1% (older than the watermark, so their hours are marked stale); `chargeline rollup`
# again (the recomputation: its time as a share of the full rollup); compact and compare the
# rollup database's bytes with the raw bytes (`chargeline inspect --json`).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-2000}"
LATE=$(( GUNS / 100 > 0 ? GUNS / 100 : 1 ))
ONTIME=$(( GUNS - LATE ))
TMP="$(mktemp -d /tmp/chargeline-rollup-bench.XXXXXX)"
log() { printf '[rollup-bench] %s\n' "$*" >&2; }
cleanup() { if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin
now="2026-11-22T00:00:00Z"   # evaluate rollups as if a day after the data ends

log "generating $ONTIME on-time guns and $LATE late guns, 24 h at 10 s"
"$BIN/chargeline-datagen" --guns "$ONTIME" --start 2026-11-20T00:00:00Z --duration 24h --out "$TMP/ontime.lp" --quiet
"$BIN/chargeline-datagen" --guns "$LATE" --first-gun "$ONTIME" --start 2026-11-20T00:00:00Z --duration 24h --out "$TMP/late.lp" --quiet
"$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$TMP/ontime.lp" >&2
"$BIN/chargeline" compact --data "$TMP/data" >&2

secs() { python3 -c 'import sys,time; print(time.time())'; }
# REPEAT=N: the full rollup and the late recomputation are each run N times on copies of the
# same state (the data folder is copied before the first run), and medians are reported.
REPEAT="${REPEAT:-1}"
cp -a "$TMP/data" "$TMP/before-rollup"
fulls=(); lates=(); full_s=(); late_s=()
for ((r = 1; r <= REPEAT; r++)); do
    rm -rf "$TMP/data"; cp -a "$TMP/before-rollup" "$TMP/data"
    t0=$(secs); full=$("$BIN/chargeline" rollup --data "$TMP/data" --db bench --now "$now"); t1=$(secs)
    echo "$full" >&2
    "$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$TMP/late.lp" >&2
    t2=$(secs); late=$("$BIN/chargeline" rollup --data "$TMP/data" --db bench --now "$now"); t3=$(secs)
    echo "$late" >&2
    fulls+=("$full"); lates+=("$late")
    full_s+=("$(python3 -c "print($t1 - $t0)")"); late_s+=("$(python3 -c "print($t3 - $t2)")")
done
rm -rf "$TMP/before-rollup"
"$BIN/chargeline" compact --data "$TMP/data" >&2
"$BIN/chargeline" inspect --data "$TMP/data" --json >"$TMP/inspect.json"

printf '%s\n' "${fulls[@]}" >"$TMP/full.txt"; printf '%s\n' "${lates[@]}" >"$TMP/late.txt"
python3 - "${full_s[*]}" "${late_s[*]}" "$TMP/inspect.json" "$TMP/full.txt" "$TMP/late.txt" <<'PY'
import json, re, statistics, sys
full_s = [float(x) for x in sys.argv[1].split()]
late_s = [float(x) for x in sys.argv[2].split()]
report = json.load(open(sys.argv[3]))
full, late = open(sys.argv[4]).read(), open(sys.argv[5]).read()
db = next(d for d in report["databases"] if d["name"] == "bench")
values_full = int(re.search(r"from (\d+) raw values", full).group(1))
values_late = int(re.search(r"from (\d+) raw values", late).group(1))
# The run's own time (printed by `chargeline rollup`), without process start and store open.
runs_full = [float(x) for x in re.findall(r"raw values in ([0-9.]+) s", full)]
runs_late = [float(x) for x in re.findall(r"raw values in ([0-9.]+) s", late)]
run_full, run_late = statistics.median(runs_full), statistics.median(runs_late)
fs, ls = statistics.median(full_s), statistics.median(late_s)
n = len(runs_full)
print(f"runs: {n} (medians); full rollup runs {runs_full} s, recomputations {runs_late} s")
print(f"full rollup: {values_full} raw values in {run_full:.2f} s = {values_full / run_full / 1e6:.1f} M values/s "
      f"({fs:.2f} s for the whole command)")
print(f"after 1% late: recomputed from {values_late} raw values in {run_late:.3f} s = {100 * run_late / run_full:.1f}% of the full rollup "
      f"(whole commands: {ls:.2f} s vs {fs:.2f} s = {100 * ls / fs:.1f}%, mostly process start-up)")
PY
python3 - "$TMP/inspect.json" <<'PY'
import json, sys
db = next(d for d in json.load(open(sys.argv[1]))["databases"] if d["name"] == "bench")
raw_bytes, roll_bytes = db["storedBytes"], db["rollup"]["bytes"]
print(f"rollups: {roll_bytes} bytes = {100 * roll_bytes / raw_bytes:.2f}% of the raw {raw_bytes} bytes")
PY

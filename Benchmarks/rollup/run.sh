#!/usr/bin/env bash
# Rollup benchmark: how fast hourly rollups are materialised, what recomputing after late
# data costs, and how large the rollups are next to the raw data.
#
#   Benchmarks/rollup/run.sh                 # 2000 guns x 24 h (121 M values), 1% of guns late
#   GUNS=200 Benchmarks/rollup/run.sh        # smaller
#   BIN_DIR=.build/release KEEP=1 ...        # prebuilt binaries; keep the temp dir
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

if [[ -n "${BIN_DIR:-}" ]]; then
    BIN="$(cd "$BIN_DIR" && pwd)"
else
    swift build --package-path "$ROOT" -c release --product chargeline >&2
    swift build --package-path "$ROOT" -c release --product chargeline-datagen >&2
    BIN="$ROOT/.build/release"
fi
now="2026-11-22T00:00:00Z"   # evaluate rollups as if a day after the data ends

log "generating $ONTIME on-time guns and $LATE late guns, 24 h at 10 s"
"$BIN/chargeline-datagen" --guns "$ONTIME" --duration 24h --out "$TMP/ontime.lp" --quiet
"$BIN/chargeline-datagen" --guns "$LATE" --first-gun "$ONTIME" --duration 24h --out "$TMP/late.lp" --quiet
"$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$TMP/ontime.lp" >&2
"$BIN/chargeline" compact --data "$TMP/data" >&2

secs() { python3 -c 'import sys,time; print(time.time())'; }
t0=$(secs); full=$("$BIN/chargeline" rollup --data "$TMP/data" --db bench --now "$now"); t1=$(secs)
echo "$full" >&2
"$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$TMP/late.lp" >&2
t2=$(secs); late=$("$BIN/chargeline" rollup --data "$TMP/data" --db bench --now "$now"); t3=$(secs)
echo "$late" >&2
"$BIN/chargeline" compact --data "$TMP/data" >&2
"$BIN/chargeline" inspect --data "$TMP/data" --json >"$TMP/inspect.json"

python3 - "$t0" "$t1" "$t2" "$t3" "$TMP/inspect.json" "$full" "$late" <<'PY'
import json, re, sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
report = json.load(open(sys.argv[5]))
full, late = sys.argv[6], sys.argv[7]
db = next(d for d in report["databases"] if d["name"] == "bench")
values_full = int(re.search(r"from (\d+) raw values", full).group(1))
values_late = int(re.search(r"from (\d+) raw values", late).group(1))
# The run's own time (printed by `chargeline rollup`), without process start and store open.
run_full = float(re.search(r"raw values in ([0-9.]+) s", full).group(1))
run_late = float(re.search(r"raw values in ([0-9.]+) s", late).group(1))
full_s, late_s = t1 - t0, t3 - t2
raw_bytes, roll_bytes = db["storedBytes"], db["rollup"]["bytes"]
print(f"full rollup: {values_full} raw values in {run_full:.2f} s = {values_full / run_full / 1e6:.1f} M values/s "
      f"({full_s:.2f} s for the whole command)")
print(f"after 1% late: recomputed from {values_late} raw values in {run_late:.3f} s = {100 * run_late / run_full:.1f}% of the full rollup "
      f"(whole commands: {late_s:.2f} s vs {full_s:.2f} s = {100 * late_s / full_s:.1f}%, mostly process start-up)")
print(f"rollups: {roll_bytes} bytes = {100 * roll_bytes / raw_bytes:.2f}% of the raw {raw_bytes} bytes")
PY

#!/usr/bin/env bash
# Rollup speed by sampling cadence: raw values per second of `chargeline rollup` on
#
#   10s    GUNS guns x 24 h sampled every 10 s
#   60s    GUNS guns x 24 h sampled every 60 s (a sixth of the values per (series, hour))
#   long   one gun x DAYS days sampled every 60 s (one meter's months: few values per day)
#
# so that a fixed cost per (series, hour) or per day shows up as a lower rate at 60 s or on
# the long series. With BEFORE_DIR (binaries of another build), every case is also run with
# those on a copy of the same data, in the same run, and the ratio is printed.
#
#   Benchmarks/rollup/cadence.sh                                  # release build of this tree
#   BIN_DIR=.build/release BEFORE_DIR=/tmp/old-bin REPEAT=3 Benchmarks/rollup/cadence.sh
#   GUNS=500 DAYS=150 CASES="60s long" ...                        # smaller / some cases
#
# The rate is the run's own (printed by `chargeline rollup`: without process start and store
# open); the figure is the median over REPEAT runs, each on a fresh copy of the data.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-2000}"
DAYS="${DAYS:-150}"
REPEAT="${REPEAT:-3}"
CASES="${CASES:-10s 60s long}"
TMP="$(mktemp -d /tmp/chargeline-rollup-cadence.XXXXXX)"
log() { printf '[rollup-cadence] %s\n' "$*" >&2; }
cleanup() { if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin
bins=("$BIN")
[[ -n "${BEFORE_DIR:-}" ]] && bins=("$(cd "$BEFORE_DIR" && pwd)" "$BIN")
START="2026-06-01T00:00:00Z"

: >"$TMP/results.txt"
for c in $CASES; do
    case "$c" in
        10s)  args=(--guns "$GUNS" --interval 10s --duration 24h) ;;
        60s)  args=(--guns "$GUNS" --interval 60s --duration 24h) ;;
        long) args=(--guns 1 --interval 60s --duration "$((DAYS * 24))h") ;;
        *) log "unknown case $c (10s, 60s, long)"; exit 2 ;;
    esac
    log "case $c: generating (${args[*]})"
    "$BIN/chargeline-datagen" "${args[@]}" --start "$START" --out "$TMP/$c.lp" --quiet
    rm -rf "$TMP/$c.data"
    "$BIN/chargeline" import --data "$TMP/$c.data" --db bench --fsync never "$TMP/$c.lp" >&2
    "$BIN/chargeline" compact --data "$TMP/$c.data" >&2
    rm -f "$TMP/$c.lp"
    # Evaluate as if a day after the data ends.
    now="$(python3 -c "import datetime as d; print((d.datetime(2026,6,1,tzinfo=d.timezone.utc) + d.timedelta(days=${DAYS} + 2)).strftime('%Y-%m-%dT%H:%M:%SZ'))")"
    for ((r = 1; r <= REPEAT; r++)); do
        for b in "${bins[@]}"; do
            rm -rf "$TMP/run"; cp -a "$TMP/$c.data" "$TMP/run"
            line="$(nice -n 10 "$b/chargeline" rollup --data "$TMP/run" --db bench --now "$now")"
            log "$c $b: $line"
            echo "$c|$b|$line" >>"$TMP/results.txt"
        done
    done
    rm -rf "$TMP/$c.data" "$TMP/run"
done

python3 - "$TMP/results.txt" "${bins[@]}" <<'PY'
import re, statistics, sys
rows = [l.rstrip("\n").split("|", 2) for l in open(sys.argv[1]) if l.strip()]
bins = sys.argv[2:]
pat = re.compile(r"(\d+) new and (\d+) recomputed buckets from (\d+) raw values in ([0-9.]+) s")
cases = []
for c, _, _ in rows:
    if c not in cases: cases.append(c)
print(f"{'case':6s} {'buckets':>9s} {'raw values':>12s} " + " ".join(f"{'M values/s (' + ('before' if i == 0 and len(bins) > 1 else 'this') + ')':>22s}" for i in range(len(bins))) + ("   ratio" if len(bins) > 1 else ""))
for c in cases:
    rates, meta = [], None
    for b in bins:
        runs = [pat.search(l) for cc, bb, l in rows if cc == c and bb == b]
        meta = (int(runs[0].group(1)) + int(runs[0].group(2)), int(runs[0].group(3)))
        rates.append(statistics.median(int(m.group(3)) / float(m.group(4)) / 1e6 for m in runs))
    line = f"{c:6s} {meta[0]:9d} {meta[1]:12d} " + " ".join(f"{r:22.1f}" for r in rates)
    if len(bins) > 1: line += f"   {rates[-1] / rates[0]:5.2f}x"
    print(line)
PY

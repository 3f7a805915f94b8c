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
# Two rates, each the median over REPEAT runs on fresh copies of the data: the run's own
# wall-clock rate (printed by `chargeline rollup`: without process start and store open) and
# raw values per CPU second of the process (user + system). On a shared machine only the
# second measures the code: a 2-core machine at load 40 gave `nice -n 10` rollups 4% of a
# CPU, so their wall-clock rate was 1.2 M values/s at 20.6 M values per CPU second.
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
            # The process's CPU time (user + system, from the kernel's accounting) beside the
            # run's own wall-clock rate: on a shared machine the wall clock mostly measures
            # the wait for a core (a loaded 2-core machine gave the rollup 0.04 of a CPU).
            line="$(nice -n 10 python3 -c '
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, check=True).stdout.decode().strip()
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{out} [cpu {r.ru_utime + r.ru_stime:.3f} s]")' "$b/chargeline" rollup --data "$TMP/run" --db bench --now "$now")"
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
pat = re.compile(r"(\d+) new and (\d+) recomputed buckets from (\d+) raw values in ([0-9.]+) s.*\[cpu ([0-9.]+) s\]")
cases = []
for c, _, _ in rows:
    if c not in cases: cases.append(c)
# Wall: raw values / the run's own seconds. CPU: raw values / the process's CPU seconds
# (store open and process start included, so a slight underestimate).
who = lambda i: "before" if i == 0 and len(bins) > 1 else "this"
print(f"{'case':6s} {'buckets':>9s} {'raw values':>12s} "
      + " ".join(f"{'M/s wall (' + who(i) + ')':>20s} {'M/CPU-s (' + who(i) + ')':>20s}" for i in range(len(bins)))
      + ("   ratio (CPU)" if len(bins) > 1 else ""))
for c in cases:
    rates, cpu, meta = [], [], None
    for b in bins:
        runs = [pat.search(l) for cc, bb, l in rows if cc == c and bb == b]
        meta = (int(runs[0].group(1)) + int(runs[0].group(2)), int(runs[0].group(3)))
        rates.append(statistics.median(int(m.group(3)) / float(m.group(4)) / 1e6 for m in runs))
        cpu.append(statistics.median(int(m.group(3)) / float(m.group(5)) / 1e6 for m in runs))
    line = f"{c:6s} {meta[0]:9d} {meta[1]:12d} " + " ".join(f"{r:20.1f} {u:20.1f}" for r, u in zip(rates, cpu))
    if len(bins) > 1: line += f"   {cpu[-1] / cpu[0]:5.2f}x"
    print(line)
PY

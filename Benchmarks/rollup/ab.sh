#!/usr/bin/env bash
# A/B of `chargeline rollup` between two builds on the same data: the full rollup of a day
# (materialise every hour) timed per run, the runs interleaved (A, B, A, B, ...) on fresh
# copies of one imported and compacted store, and the stored rollup rows compared exactly.
#
#   BIN_A=/work/main/.build-rel/release BIN_B=.build-rel/release Benchmarks/rollup/ab.sh
#   GUNS=500 REPEAT=5 ...                    # data size (default 500 guns x 24 h), runs per side
#
# Prints the median run time (the `chargeline rollup` line's own figure, without process
# start) of each side, their ratio B/A, and whether both wrote identical rollup rows
# (`SELECT * FROM "1h"."telemetry"`, read with A's binary).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH=rollup-ab
source "$ROOT/Benchmarks/lib.sh"
ab_binaries
GUNS="${GUNS:-500}"
REPEAT="${REPEAT:-3}"
TMP="$(mktemp -d /tmp/chargeline-rollup-ab.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
now="2026-11-22T00:00:00Z"

log "generating $GUNS guns x 24 h"
"$DATAGEN" --guns "$GUNS" --start 2026-11-20T00:00:00Z --duration 24h --out "$TMP/data.lp" --quiet
"$BIN_A/chargeline" import --data "$TMP/base" --db bench --fsync never "$TMP/data.lp" >/dev/null 2>&1
"$BIN_A/chargeline" compact --data "$TMP/base" >/dev/null 2>&1
rm -f "$TMP/data.lp"

: >"$TMP/A.txt"; : >"$TMP/B.txt"
for ((r = 1; r <= REPEAT; r++)); do
    for side in A B; do
        bin="$BIN_A"; [[ $side == B ]] && bin="$BIN_B"
        rm -rf "$TMP/run"; cp -a "$TMP/base" "$TMP/run"
        line=$("$bin/chargeline" rollup --data "$TMP/run" --db bench --now "$now")
        log "$side: $line"
        echo "$line" >>"$TMP/$side.txt"
        "$BIN_A/chargeline" query --data "$TMP/run" --db bench --format csv --epoch ns 'SELECT * FROM "1h"."telemetry"' >"$TMP/$side.rows.csv"
    done
done
python3 - "$TMP/A.txt" "$TMP/B.txt" <<'PY'
import re, statistics, sys
def runs(path):
    return [float(x) for x in re.findall(r"raw values in ([0-9.]+) s", open(path).read())]
a, b = runs(sys.argv[1]), runs(sys.argv[2])
ma, mb = statistics.median(a), statistics.median(b)
print(f"A runs {a} s, median {ma:.3f} s")
print(f"B runs {b} s, median {mb:.3f} s")
print(f"B/A = {mb / ma:.3f}")
PY
if cmp -s "$TMP/A.rows.csv" "$TMP/B.rows.csv"; then echo "rollup rows identical ($(wc -l <"$TMP/A.rows.csv") lines)"; else echo "rollup rows DIFFER"; exit 1; fi

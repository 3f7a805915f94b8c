#!/usr/bin/env bash
# Query benchmark on a settled store: the six operations queries on 24 h of 10 s telemetry from 2,000 guns.
#
#   Benchmarks/query/run.sh [DATA_DIR]
#
# Builds release binaries, generates and imports the data set when DATA_DIR has no database
# (about 17.3 M rows, 121 M values) and materialises its hourly rollups as a running server's
# scheduler would (also for a DATA_DIR imported before this step existed), then runs each
# query 30 times in one process
# (`chargeline query --repeat 30`) and prints first-run and median latency. The first run pays
# for loading segment indexes; the median is the warm figure a long-running server sees.
#   BIN_DIR=DIR uses prebuilt chargeline and chargeline-datagen from DIR (Benchmarks/lib.sh).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH=query
source "$ROOT/Benchmarks/lib.sh"
DATA=${1:-/tmp/chargeline-bench-24h}
chargeline_bin
if [ ! -d "$DATA/chargeline" ]; then
  log "generating and importing 2,000 guns x 24 h into $DATA"
  "$BIN/chargeline-datagen" --guns 2000 --start 2026-11-20T00:00:00Z --duration 24h --out /tmp/chargeline-bench-24h.lp.gz
  "$BIN/chargeline" import --data "$DATA" --db chargeline /tmp/chargeline-bench-24h.lp.gz
  "$BIN/chargeline" compact --data "$DATA"
fi
# `serve` rolls up every settled hour on a schedule; by hand here, an hour after the data ends.
# A no-op when the rollups are already there (nothing new since the last run).
"$BIN/chargeline" rollup --data "$DATA" --now 2026-11-21T01:00:00Z >/dev/null
NOW=2026-11-21T00:00:00Z   # the data set covers 2026-11-20 (UTC)
run() {
  local name=$1 query=$2
  printf '%-40s ' "$name"
  "$BIN/chargeline" query --data "$DATA" --db chargeline --now $NOW --format json --repeat 30 "$query" 2>&1 >/dev/null | tail -1
}
run "one pile hourly mean/max of 3 fields" \
  "SELECT mean(voltage), max(voltage), mean(current), max(current), mean(temperature), max(temperature) FROM telemetry WHERE pile = 'P000123' AND time >= '2026-11-20T00:00:00Z' AND time < '2026-11-21T00:00:00Z' GROUP BY time(1h)"
run "last value of every field of every gun" \
  "SELECT latest(*) FROM telemetry GROUP BY station, pile, gun"
run "every pile's hourly max temperature" \
  "SELECT max(temperature) FROM telemetry WHERE time >= '2026-11-20T00:00:00Z' AND time < '2026-11-21T00:00:00Z' GROUP BY time(1h), pile"
run "guns over 85 C in the last hour" \
  "SELECT max(temperature) FROM telemetry WHERE time > now() - 1h AND temperature > 85 GROUP BY pile, gun"
run "per-station daily energy" \
  "SELECT sum(kwh) FROM (SELECT spread(energy) AS kwh FROM telemetry WHERE time >= '2026-11-20T00:00:00Z' AND time < '2026-11-21T00:00:00Z' GROUP BY time(1d), station, pile, gun) GROUP BY time(1d), station"
run "silent piles" \
  "SHOW SILENT SERIES FROM telemetry FOR 10m GROUP BY pile"

#!/usr/bin/env bash
# Segment format benchmark: bytes per value of a raw store and of its hourly rollups, index
# bytes included, on generated telemetry, from `chargeline inspect --blocks --json`.
#
#   Benchmarks/format/run.sh                      # 500 guns x 24 h at 10 s
#   GUNS=2000 Benchmarks/format/run.sh            # larger
#   BIN_DIR=DIR KEEP=1 Benchmarks/format/run.sh   # prebuilt binaries; keep the temp dir
#   DATA_LP=FILE ...                              # reuse generated line protocol (A/B runs)
#
# Steps: generate the telemetry, import it (fsync never) and compact, materialise every hour's
# rollups (`chargeline rollup`, as serve's scheduler would), compact again, then print per
# folder (raw database, rollup tier): values, bytes on disk, bytes/value, index bytes and
# index bytes per block.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH=format
source "$ROOT/Benchmarks/lib.sh"
GUNS="${GUNS:-500}"
chargeline_bin
bench_temp
LP="${DATA_LP:-$TMP/telemetry.lp}"
if [[ ! -s "$LP" ]]; then
    log "generating $GUNS guns x 24 h"
    "$BIN/chargeline-datagen" --guns "$GUNS" --start 2026-11-20T00:00:00Z --duration 24h --out "$LP" --quiet
fi
"$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$LP" >&2 || die "import"
"$BIN/chargeline" compact --data "$TMP/data" >&2 || die "compact"
"$BIN/chargeline" rollup --data "$TMP/data" --db bench --now 2026-11-22T00:00:00Z >&2 || die "rollup"
"$BIN/chargeline" compact --data "$TMP/data" >&2 || die "compact"
"$BIN/chargeline" inspect --data "$TMP/data" --blocks --json >"$TMP/blocks.json" || die "inspect --blocks --json"
python3 - "$TMP/blocks.json" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1])):
    blocks = sum(s["blocks"] for s in b["fields"].values())
    print(f'{b["store"]:<20} values {b["values"]:>10}  bytes {b["totalBytes"]:>10}  '
          f'bytes/value {b["totalBytes"] / max(b["values"], 1):.4f}  index {b["indexes"]:>8} bytes '
          f'({b["indexes"] / max(blocks, 1):.2f} per value block, {blocks} blocks)')
PY

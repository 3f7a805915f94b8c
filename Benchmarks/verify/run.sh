#!/usr/bin/env bash
# `chargeline verify` throughput: reads every file of a generated store (raw segments, the
# hourly rollups, manifests, ROLLUPS) and prints MB/s, with the page cache warm (the second
# and later runs) and, when run as root, cold (caches dropped before the first run).
#
#   Benchmarks/verify/run.sh                      # 2,000 guns, 24 h at 10 s, 3 timed runs
#   GUNS=500 DURATION=6h RUNS=5 Benchmarks/verify/run.sh
#   BIN_DIR=.build/release KEEP=1 ...             # prebuilt binaries; keep the temp dir
#   REUSE=/tmp/chargeline-verify-bench.XXXXXX BIN_DIR=.build/release ...
#   DEEP=1 ...                                    # also one `verify --deep` run (every value decoded)
#
# Steps: chargeline-datagen --guns $GUNS for $DURATION from 2026-11-20 (UTC), import, compact,
# `chargeline rollup`, compact, then `chargeline verify --json` RUNS times; MB/s is the bytes
# verify read over its own wall time, and over the process' wall time. Then the disk-speed
# reference: `cat` of the same store's files to /dev/null, page cache warm (as verify's later
# runs) and, as root, cold (caches dropped first, as verify's first run); verify's MB/s over
# cat's for the same cache state is the figure for the target "verify reads a store at disk
# speed".
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-2000}"
DURATION="${DURATION:-24h}"
INTERVAL="${INTERVAL:-10s}"
RUNS="${RUNS:-3}"
if [[ -n "${REUSE:-}" ]]; then TMP="$REUSE"; KEEP=1; else TMP="$(mktemp -d /tmp/chargeline-verify-bench.XXXXXX)"; fi
log() { printf '[verify-bench] %s\n' "$*" >&2; }
cleanup() { if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin

if [[ -z "${REUSE:-}" ]]; then
    log "generating $GUNS guns, $DURATION at $INTERVAL"
    "$BIN/chargeline-datagen" --guns "$GUNS" --start 2026-11-20T00:00:00Z --duration "$DURATION" --interval "$INTERVAL" --out "$TMP/data.lp" --quiet
    "$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$TMP/data.lp" >&2
    rm -f "$TMP/data.lp"
    "$BIN/chargeline" compact --data "$TMP/data" >&2
    "$BIN/chargeline" rollup --data "$TMP/data" --db bench --now 2026-11-23T00:00:00Z >&2
    "$BIN/chargeline" compact --data "$TMP/data" >&2
fi
log "store: $(du -sh "$TMP/data" | cut -f1)"

for i in $(seq "$RUNS"); do
    cache="warm"
    if [[ "$i" == 1 && "$(id -u)" == 0 && -w /proc/sys/vm/drop_caches ]]; then
        sync; echo 3 > /proc/sys/vm/drop_caches; cache="cold"
    fi
    VERIFY_ARGS=()
    if [[ "${DEEP:-0}" == 1 && "$i" == "$RUNS" ]]; then VERIFY_ARGS=(--deep); cache="warm-deep"; fi
    python3 - "$cache" "$TMP/verify-$cache.json" "$BIN/chargeline" verify --data "$TMP/data" --json "${VERIFY_ARGS[@]}" <<'PY'
import json, subprocess, sys, time
cache, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
t = time.time()
p = subprocess.run(cmd, capture_output=True, text=True)
wall = time.time() - t
if p.returncode != 0:
    sys.exit(f"verify exited {p.returncode}: {p.stdout[-2000:]} {p.stderr[-2000:]}")
r = json.loads(p.stdout)
mb = r["bytes"] / 1e6
with open(out, "w") as f:
    json.dump({"mbps": mb / r["seconds"], "mb": mb}, f)
print(f"verify ({cache} cache): {r['files']} files, {mb:.1f} MB in {r['seconds']:.2f} s: {mb / r['seconds']:.0f} MB/s "
      f"({mb / wall:.0f} MB/s for the whole process, {wall:.2f} s), {len(r['problems'])} problems")
PY
done
# The same files through cat: what reading them costs without decoding or checking anything.
for cache in warm cold; do
    if [[ "$cache" == cold ]]; then
        [[ "$(id -u)" == 0 && -w /proc/sys/vm/drop_caches ]] || continue
        sync; echo 3 > /proc/sys/vm/drop_caches
    fi
    python3 - "$cache" "$TMP/data" "$TMP/verify-$cache.json" <<'PY'
import json, os, subprocess, sys, time
cache, data, verify = sys.argv[1:4]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(data) for f in fs)
size = sum(os.path.getsize(f) for f in files)
t = time.time()
subprocess.run(["xargs", "-0", "cat"], input="\0".join(files).encode(), stdout=subprocess.DEVNULL, check=True)
wall = time.time() - t
mbps = size / 1e6 / wall
line = f"cat ({cache} cache): {len(files)} files, {size / 1e6:.1f} MB in {wall:.2f} s: {mbps:.0f} MB/s"
if os.path.exists(verify):
    v = json.load(open(verify))
    line += f"; verify ({cache}) {v['mbps']:.0f} MB/s = {100 * v['mbps'] / mbps:.0f}% of cat"
print(line)
PY
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

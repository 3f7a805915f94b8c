#!/usr/bin/env bash
# `chargeline verify` throughput: reads every file of a generated store (raw segments, the
# hourly rollups, manifests, ROLLUPS) and prints MB/s, runs alternating between a cold page
# cache (odd runs: the store's pages dropped first, by `drop_caches` when writable, else by
# `posix_fadvise(DONTNEED)` on each file, which any user may do) and a warm one (even runs).
#
#   Benchmarks/verify/run.sh                      # 2,000 guns, 24 h at 10 s, 6 runs (3 cold, 3 warm)
#   GUNS=500 DURATION=6h RUNS=5 Benchmarks/verify/run.sh
#   BIN_DIR=.build/release KEEP=1 ...             # prebuilt binaries; keep the temp dir
#   REUSE=/tmp/chargeline-verify-bench.XXXXXX BIN_DIR=.build/release ...
#   DEEP=1 ...                                    # also one `verify --deep` run (every value decoded)
#
# Steps: chargeline-datagen --guns $GUNS for $DURATION from 2026-11-20 (UTC), import, compact,
# `chargeline rollup`, compact, then `chargeline verify --json` RUNS times; MB/s is the bytes
# verify read over its own wall time, and over the process' wall time. Then the disk-speed
# references: `cat` of the same store's files to /dev/null, page cache warm (as verify's later
# runs) and cold (the pages dropped first, as verify's first run), and `dd iflag=direct` of the
# same files (the disk itself, no page cache); verify's cold MB/s over the direct read's is
# the figure for the target "verify reads a store at disk speed". With RUNS > 1 the cold and
# warm runs alternate (odd runs cold) and the medians are printed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-2000}"
DURATION="${DURATION:-24h}"
INTERVAL="${INTERVAL:-10s}"
RUNS="${RUNS:-6}"
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

evict() {
    if [[ -w /proc/sys/vm/drop_caches ]]; then sync; echo 3 > /proc/sys/vm/drop_caches; return; fi
    python3 - "$TMP/data" <<'PY'
import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        fd = os.open(os.path.join(root, f), os.O_RDONLY)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
PY
}
rm -f "$TMP"/runs-*.txt
for i in $(seq "$RUNS"); do
    if (( i % 2 == 1 )); then cache=cold; evict; else cache=warm; fi
    VERIFY_ARGS=()
    if [[ "${DEEP:-0}" == 1 && "$i" == "$RUNS" ]]; then VERIFY_ARGS=(--deep); cache="warm-deep"; fi
    python3 - "$cache" "$TMP/runs-verify-$cache.txt" "$BIN/chargeline" verify --data "$TMP/data" --json "${VERIFY_ARGS[@]}" <<'PY'
import json, subprocess, sys, time
cache, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
t = time.time()
p = subprocess.run(cmd, capture_output=True, text=True)
wall = time.time() - t
if p.returncode != 0:
    sys.exit(f"verify exited {p.returncode}: {p.stdout[-2000:]} {p.stderr[-2000:]}")
r = json.loads(p.stdout)
mb = r["bytes"] / 1e6
with open(out, "a") as f:
    f.write(f"{mb / r['seconds']}\n")
print(f"verify ({cache} cache): {r['files']} files, {mb:.1f} MB in {r['seconds']:.3f} s: {mb / r['seconds']:.0f} MB/s "
      f"({mb / wall:.0f} MB/s for the whole process, {wall:.2f} s), {len(r['problems'])} problems")
PY
    # The same files without decoding or checking anything: cat through the page cache in
    # the same cache state, and (once per cold round) the disk itself with O_DIRECT.
    [[ "$cache" == cold ]] && evict
    python3 - "$cache" "$TMP/data" "$TMP/runs-cat-$cache.txt" <<'PY'
import os, subprocess, sys, time
cache, data, out = sys.argv[1:4]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(data) for f in fs)
size = sum(os.path.getsize(f) for f in files)
t = time.time()
subprocess.run(["xargs", "-0", "cat"], input="\0".join(files).encode(), stdout=subprocess.DEVNULL, check=True)
wall = time.time() - t
open(out, "a").write(f"{size / 1e6 / wall}\n")
print(f"cat ({cache} cache): {len(files)} files, {size / 1e6:.1f} MB in {wall:.3f} s: {size / 1e6 / wall:.0f} MB/s")
if cache == "cold":
    # dd with O_DIRECT: each file in 8 MiB reads straight from the device (files smaller
    # than a direct-I/O block are read whole; dd's own start-up is outside the timing).
    t = time.time()
    for f in files:
        subprocess.run(["dd", f"if={f}", "of=/dev/null", "bs=8M", "iflag=direct"], stderr=subprocess.DEVNULL, check=False)
    wall = time.time() - t
    open(out.replace("cat-cold", "direct"), "a").write(f"{size / 1e6 / wall}\n")
    print(f"dd iflag=direct: {size / 1e6:.1f} MB in {wall:.3f} s: {size / 1e6 / wall:.0f} MB/s")
PY
done
python3 - "$TMP" <<'PY'
import os, statistics, sys
tmp = sys.argv[1]
def med(name):
    p = os.path.join(tmp, f"runs-{name}.txt")
    if not os.path.exists(p): return None
    v = [float(x) for x in open(p).read().split()]
    return statistics.median(v), len(v)
parts = []
for name in ["verify-cold", "cat-cold", "direct", "verify-warm", "cat-warm"]:
    m = med(name)
    if m: parts.append(f"{name} {m[0]:.0f} MB/s (median of {m[1]})")
print("medians: " + "; ".join(parts))
vc, d, vw, cw = med("verify-cold"), med("direct"), med("verify-warm"), med("cat-warm")
if vc and d: print(f"verify cold / dd iflag=direct = {100 * vc[0] / d[0]:.0f}%")
if vw and cw: print(f"verify warm / cat warm = {100 * vw[0] / cw[0]:.0f}%")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

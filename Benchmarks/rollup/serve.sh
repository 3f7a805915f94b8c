#!/usr/bin/env bash
# Rollup recomputation cost inside a running `chargeline serve`, where the scheduler runs it.
#
#   Benchmarks/rollup/serve.sh                      # 2000 guns x 24 h, 3 late batches of 1% each
#   GUNS=200 LATE_RUNS=5 Benchmarks/rollup/serve.sh
#   BIN_DIR=.build/release KEEP=1 ...               # prebuilt binaries; keep the temp dir
#
# Benchmarks/rollup/run.sh times `chargeline rollup` as a fresh process per run: a recomputation
# there also pays for loading the process, opening the store and first reads of every segment
# index, which is most of its time. In production the recomputation runs in `serve`'s scheduler.
# This script measures it there:
#
# 1. generate yesterday's 24 h at 10 s (UTC) for 99% of the guns, and LATE_RUNS batches of 1% of
#    the guns each (guns never seen before: piles that were offline all day and upload their
#    buffered day later);
# 2. import the on-time data and compact (as run.sh does);
# 3. start `serve` with `[rollup] interval = "5s"` (the default is 1m): its scheduler materialises every hour, and
#    logs the run ("rollup bench: N new and 0 recomputed buckets from V values in T ms");
# 4. for each late batch: POST it to /write, wait for the scheduler's next run (the recomputation
#    of exactly the late guns' hours) and read its time from the log.
#
# Prints the full run, each recomputation, and their median as a share of the full run. Both
# figures are the scheduler's own timing of the run (Store.runRollups), in the same process.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-2000}"
LATE=$(( GUNS / 100 > 0 ? GUNS / 100 : 1 ))
ONTIME=$(( GUNS - LATE ))
LATE_RUNS="${LATE_RUNS:-3}"
PORT="${PORT:-18186}"
TMP="$(mktemp -d /tmp/chargeline-rollup-serve.XXXXXX)"
log() { printf '[rollup-serve] %s\n' "$*" >&2; }
SERVE_PID=""
cleanup() {
    if [[ -n "$SERVE_PID" ]]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
    if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin
# Yesterday (UTC): complete hours, well inside the default raw retention (7 days).
START="$(date -u -d 'yesterday 00:00' +%Y-%m-%dT%H:%M:%SZ)"

log "generating $ONTIME on-time guns and $LATE_RUNS late batches of $LATE guns, 24 h at 10 s from $START"
"$BIN/chargeline-datagen" --guns "$ONTIME" --start "$START" --duration 24h --out "$TMP/ontime.lp" --quiet
for ((r = 0; r < LATE_RUNS; r++)); do
    "$BIN/chargeline-datagen" --guns "$LATE" --first-gun $(( ONTIME + r * LATE )) --start "$START" --duration 24h \
        --out "$TMP/late$r.lp" --quiet
    split -l 40000 -d "$TMP/late$r.lp" "$TMP/late$r.part."
done
"$BIN/chargeline" import --data "$TMP/data" --db bench --fsync never "$TMP/ontime.lp" >&2
"$BIN/chargeline" compact --data "$TMP/data" >&2

cat >"$TMP/chargeline.toml" <<'TOML'
[rollup]
grace = "10m"
interval = "5s"
TOML
"$BIN/chargeline" serve --data "$TMP/data" --config "$TMP/chargeline.toml" --http "127.0.0.1:$PORT" \
    --lp-tcp off --fsync never 2>"$TMP/serve.log" &
SERVE_PID=$!

# Waits until the log holds at least $1 rollup lines for database bench; prints the newest.
wait_runs() {
    local want=$1 deadline=$(( SECONDS + ${2:-600} ))
    while (( $(grep -c 'rollup bench: ' "$TMP/serve.log" || true) < want )); do
        if ! kill -0 "$SERVE_PID" 2>/dev/null; then log "serve exited:"; tail -20 "$TMP/serve.log" >&2; exit 1; fi
        if (( SECONDS > deadline )); then log "timed out waiting for rollup run $want"; tail -20 "$TMP/serve.log" >&2; exit 1; fi
        sleep 0.2
    done
    grep 'rollup bench: ' "$TMP/serve.log" | sed -n "${want}p"
}

full="$(wait_runs 1)"
log "full: $full"
lates=()
for ((r = 0; r < LATE_RUNS; r++)); do
    before=$(grep -c 'rollup bench: ' "$TMP/serve.log" || true)
    for part in "$TMP"/late$r.part.*; do
        code=$(curl -s -o "$TMP/write.out" -w '%{http_code}' --data-binary @"$part" "http://127.0.0.1:$PORT/write?db=bench")
        [[ "$code" == 204 ]] || { log "write of $part answered $code: $(cat "$TMP/write.out")"; exit 1; }
    done
    wait_runs $(( before + 1 )) >/dev/null
    # Buckets marked less than one interval ago wait for the next tick (a pile still uploading),
    # so a batch whose writes straddled a tick is recomputed in several runs: take every run
    # logged until the log has been quiet for 12 s (over two intervals), and add them up.
    n=-1
    while (( n != $(grep -c 'rollup bench: ' "$TMP/serve.log") )); do n=$(grep -c 'rollup bench: ' "$TMP/serve.log"); sleep 12; done
    line="$(grep 'rollup bench: ' "$TMP/serve.log" | sed -n "$(( before + 1 )),\$p" | tr '\n' '|')"
    log "late batch $r: $line"
    lates+=("$line")
done
printf '%s\n' "${lates[@]}" >"$TMP/late.txt"
python3 - "$full" "$TMP/late.txt" <<'PY'
import re, statistics, sys
pat = re.compile(r"(\d+) new and (\d+) recomputed buckets from (\d+) values in ([0-9.]+) ms")
f = pat.search(sys.argv[1])
full_ms, full_values = float(f.group(4)), int(f.group(3))
print(f"full rollup in serve: {f.group(1)} buckets from {full_values} raw values in {full_ms:.1f} ms "
      f"= {full_values / full_ms / 1e3:.1f} M values/s")
shares = []
for line in open(sys.argv[2]):
    runs = pat.findall(line)
    ms = sum(float(m[3]) for m in runs)
    values = sum(int(m[2]) for m in runs)
    buckets = sum(int(m[1]) for m in runs)
    shares.append(100 * ms / full_ms)
    print(f"  late batch ({len(runs)} scheduler run(s)): {buckets} recomputed buckets from {values} raw values "
          f"({100 * values / full_values:.2f}% of the full run's) in {ms:.1f} ms = {shares[-1]:.2f}% of the full rollup")
print(f"recomputation after 1% late, median of {len(shares)}: {statistics.median(shares):.2f}% of the full rollup")
PY

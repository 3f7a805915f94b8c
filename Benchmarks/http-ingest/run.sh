#!/usr/bin/env bash
# End-to-end HTTP ingest benchmark for Chargeline.
#
# Builds release binaries, generates charging telemetry with chargeline-datagen, starts
# `chargeline serve` on loopback, sends the file over InfluxDB-1.x HTTP /write (load.py:
# 5,000-line batches from 3 keep-alive clients, every response must be 204), stops the server
# with SIGTERM, optionally compacts, and reads bytes per value from `chargeline inspect --json`.
#
# Usage (from anywhere):   Benchmarks/http-ingest/run.sh
# Environment:
#   GUNS=2000 DURATION=2h   data set size (2000 guns x 2h at 10 s = 1.44 M lines = ~10 M values;
#                           the full check is DURATION=24h, ~17 M lines = ~121 M values)
#   INTERVAL=10s SEED=1     generator sampling interval and seed
#   JITTER_UNIT=1ms          grain of the generator's ±1 s timestamp jitter: 1ms (default, whole
#                           milliseconds: ~11 bits of noise per row) or 1s (whole seconds, as
#                           piles that stamp in seconds send)
#   SERVE_ARGS="..."         extra chargeline serve options (word-split), e.g. "--config FILE"
#   DATAGEN_ARGS="..."       extra chargeline-datagen options (word-split), e.g. "--bad-every 1000"
#   BATCH=5000 CLIENTS=3    lines per request, concurrent HTTP clients
#   PORT, LP_PORT           HTTP and line-protocol TCP ports (default: free ports)
#   AUTH=1                  serve with --auth-enabled and send HTTP Basic credentials of an
#                           admin (created first) with every batch: the cost of auth (A/B)
#   COMPACT=1               run `chargeline compact` before `inspect`
#   VERIFY=1                read every stored value back (chargeline query --format csv) and compare
#                           it with the generated file, value by value (needs RAM for the file)
#   KEEP=1                  keep the temp dir (data, telemetry file, logs) and print its path
#   BIN_DIR=DIR             use prebuilt chargeline + chargeline-datagen from DIR, skip building
#   ALLOW_MISMATCH=1        do not fail when inspect's stored values differ from values sent
#   PERF=FILE               record a CPU profile of the server while the load runs (`perf record
#                           -g`, installs linux-perf when absent) into FILE; read it with
#                           `perf report -i FILE --no-children --sort dso,sym`
# Prints `chargeline inspect --blocks`'s split of the bytes on disk (timestamps, each field, CRCs, indexes,
# other files) on stderr, then a final line:
#   ingest: N values in S s = X values/s; on disk B bytes = Y bytes/value
# and exits non-zero on any failure (build, non-204 response, unclean shutdown, inspect).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-2000}"
DURATION="${DURATION:-2h}"
INTERVAL="${INTERVAL:-10s}"
SEED="${SEED:-1}"
JITTER_UNIT="${JITTER_UNIT:-1ms}"
BATCH="${BATCH:-5000}"
CLIENTS="${CLIENTS:-3}"
COMPACT="${COMPACT:-0}"
KEEP="${KEEP:-0}"
DB=bench

BENCH=http-ingest
source "$ROOT/Benchmarks/lib.sh"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/chargeline-http-ingest.XXXXXX")"
SERVER_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "$KEEP" == 1 ]]; then
        log "kept $TMP (data/, telemetry.lp, server.log, inspect.json)"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Build. (`swift build` honours only the last --product, so one build per product.)
if [[ -n "${BIN_DIR:-}" ]]; then
    BIN="$BIN_DIR"
else
    log "building release binaries"
    (cd "$ROOT" && swift build -c release --product chargeline-datagen >&2 \
        && swift build -c release --product chargeline >&2) || die "swift build -c release"
    BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)"
fi
[[ -x "$BIN/chargeline" && -x "$BIN/chargeline-datagen" ]] || die "no chargeline / chargeline-datagen in $BIN"

# 2. Generate the telemetry file.
log "generating $GUNS guns x $DURATION every $INTERVAL (seed $SEED, jitter in whole $JITTER_UNIT)"
"$BIN/chargeline-datagen" --guns "$GUNS" --start "${START:-2026-11-20T00:00:00Z}" --duration "$DURATION" --interval "$INTERVAL" \
    --seed "$SEED" --jitter-unit "$JITTER_UNIT" ${DATAGEN_ARGS:-} --out "$TMP/telemetry.lp" || die "chargeline-datagen"

# 3. Start the server and wait for /ping.
PORT="${PORT:-$(free_port)}"
LP_PORT="${LP_PORT:-$(free_port)}"
log "starting chargeline serve on http 127.0.0.1:$PORT, lp-tcp 127.0.0.1:$LP_PORT"
AUTH_SERVE=(); AUTH_LOAD=()
if [[ "${AUTH:-0}" == 1 ]]; then AUTH_SERVE=(--auth-enabled); AUTH_LOAD=(--auth "bench:bench-password"); fi
"$BIN/chargeline" serve --data "$TMP/data" --http "127.0.0.1:$PORT" --lp-tcp "127.0.0.1:$LP_PORT" ${SERVE_ARGS:-} "${AUTH_SERVE[@]}" \
    >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
if ! python3 "$HERE/load.py" ping --port "$PORT" --timeout 60; then
    tail -n 20 "$TMP/server.log" >&2 || true
    die "server did not answer /ping"
fi
kill -0 "$SERVER_PID" 2>/dev/null || die "server exited early (see $TMP/server.log with KEEP=1)"

# 4. Load (profiled with PERF=FILE).
PERF_PID=""
if [[ -n "${PERF:-}" ]]; then
    if ! command -v perf >/dev/null; then
        SUDO=""; [[ "$(id -u)" == 0 ]] || SUDO=sudo
        $SUDO apt-get install -y -qq linux-perf >&2 || die "apt-get install linux-perf"
    fi
    perf record -F 999 -g -p "$SERVER_PID" -o "$PERF" >"$TMP/perf.log" 2>&1 &
    PERF_PID=$!
fi
log "sending over HTTP: $BATCH-line batches from $CLIENTS clients"
if ! python3 "$HERE/load.py" write --port "$PORT" --db "$DB" --precision ns \
    --batch-lines "$BATCH" --clients "$CLIENTS" --summary "$TMP/load.json" "${AUTH_LOAD[@]}" "$TMP/telemetry.lp"; then
    tail -n 20 "$TMP/server.log" >&2 || true
    die "HTTP load (non-204 responses or connection errors above)"
fi
if [[ -n "$PERF_PID" ]]; then
    kill -INT "$PERF_PID"; wait "$PERF_PID" || true
    log "profile in $PERF"
fi

# 5. Stop the server with SIGTERM; it must flush and exit 0 within 120 s.
log "stopping server (SIGTERM)"
kill -TERM "$SERVER_PID"
STOPPED=0
for _ in $(seq 1200); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then STOPPED=1; break; fi
    sleep 0.1
done
if [[ "$STOPPED" != 1 ]]; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    die "server did not exit within 120 s of SIGTERM"
fi
SERVER_RC=0
wait "$SERVER_PID" || SERVER_RC=$?
SERVER_PID=""
if [[ "$SERVER_RC" != 0 ]]; then
    tail -n 20 "$TMP/server.log" >&2 || true
    die "server exited with status $SERVER_RC after SIGTERM"
fi

# 6. Optional compaction, then inspect.
if [[ "$COMPACT" == 1 ]]; then
    log "compacting"
    "$BIN/chargeline" compact --data "$TMP/data" >&2 || die "chargeline compact"
fi
"$BIN/chargeline" inspect --data "$TMP/data" --json >"$TMP/inspect.json" || die "chargeline inspect"
# Where the bytes go: timestamps, each field, CRCs, indexes, other files (stderr, informational).
"$BIN/chargeline" inspect --data "$TMP/data" --blocks >&2 || log "chargeline inspect --blocks failed (see above)"

# 7. Optional read-back of every value.
if [[ "${VERIFY:-0}" == 1 ]]; then
    log "reading every value back and comparing with the generated file"
    "$BIN/chargeline" query --data "$TMP/data" --db "$DB" --format csv --epoch ns --max-points 0 --max-values 0 --query-timeout 0 \
        "SELECT * FROM telemetry" >"$TMP/readback.csv" \
        || die "chargeline query"
    python3 "$HERE/verify.py" "$TMP/telemetry.lp" "$TMP/readback.csv" || die "read-back differs from what was written"
fi

# 7. Report.
python3 - "$TMP/load.json" "$TMP/inspect.json" "$DB" "${ALLOW_MISMATCH:-0}" "$COMPACT" <<'PY'
import json, sys

load_path, inspect_path, db, allow_mismatch, compact = sys.argv[1:6]
load = json.load(open(load_path))
try:
    inspect = json.load(open(inspect_path))
except ValueError as e:
    sys.exit(f"[http-ingest] FAILED: chargeline inspect --json did not print JSON: {e}")

def num(d, *keys):
    for k in keys:
        if isinstance(d, dict) and isinstance(d.get(k), (int, float)):
            return d[k]
    return None

entry = next((d for d in inspect.get("databases", []) if d.get("name") == db), None)
if entry is None:
    entry = inspect.get("totals")
    if entry is None:
        sys.exit(f"[http-ingest] FAILED: inspect JSON has neither database {db!r} nor totals")
    print(f"[http-ingest] database {db!r} not listed by inspect; using totals", file=sys.stderr)

stored = num(entry, "values")
size = num(entry, "bytes")
if size is None:
    sys.exit("[http-ingest] FAILED: inspect JSON has no 'bytes' for the database")
per_value = num(entry, "bytesPerValue")
if per_value is None and stored:
    per_value = size / stored

print(f"on disk ({'after compact' if compact == '1' else 'no compact'}): series {entry.get('series')}, "
      f"rows {entry.get('rows')}, values {stored}, bytes {size}, bytes/value {per_value}")
for p in entry.get("partitions", []) or []:
    print("  partition " + ", ".join(f"{k} {v}" for k, v in p.items()))

sent = load["values"]
ok = True
if stored is not None and stored != sent:
    print(f"[http-ingest] stored values {stored} != values sent {sent}", file=sys.stderr)
    ok = allow_mismatch == "1"
bpv = size / sent if per_value is None else per_value
print(f"ingest: {sent} values in {load['seconds']:.2f} s = {load['valuesPerSecond']:.0f} values/s; "
      f"on disk {size} bytes = {bpv:.3f} bytes/value")
sys.exit(0 if ok else 1)
PY

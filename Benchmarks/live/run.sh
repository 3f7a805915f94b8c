#!/usr/bin/env bash
# The live state: Chargeline and VictoriaMetrics queried the moment the data is in, as an
# operator queries what just happened, then Chargeline again after a restart.
#
#   Benchmarks/live/run.sh                          # 400 guns (200 piles) x 24 h at 10 s = 3.46 M rows
#   GUNS=2000 DURATION=2h Benchmarks/live/run.sh
#   BIN_DIR=.build/release KEEP=1 Benchmarks/live/run.sh
#
# 1. Installs VictoriaMetrics from Debian's `victoria-metrics` package when absent (apt-get).
# 2. Builds chargeline and chargeline-datagen (release; BIN_DIR= skips it) and generates GUNS
#    guns x DURATION ending now (so `now() - 1h` finds data), 7 fields per line.
# 3. Starts `chargeline serve` and `victoria-metrics` on loopback with empty data folders and
#    writes the file to each over HTTP /write (InfluxDB line protocol, BATCH-line requests from
#    SENDERS keep-alive connections of one load.py; Benchmarks/http-ingest/load.py), one after
#    the other so they do not share the CPU. Chargeline answers once the batch is durable in its
#    WAL (fsync), VictoriaMetrics once it is buffered in memory.
# 4. Queries both at once, without restart, compaction or any wait for rollups (VictoriaMetrics
#    after `/internal/force_flush` only, which makes its in-memory rows searchable): each of
#    the six operations queries REPEAT times, the two servers' runs interleaved so that what
#    either does in the background after its ingest falls on both (live.py both).
# 5. Stops Chargeline (SIGTERM: flush, rollups), starts it again on the same data and queries
#    again.
# 6. Prints the table: medians of REPEAT, live/VM and live/restarted, both ingest rates, and
#    the sender's ceiling (the same load.py run against `load.py sink`, a null server).
#
# Environment: GUNS=400 DURATION=24h INTERVAL=10s SEED=1 BATCH=5000 SENDERS=1 REPEAT=5
#   SERVE_ARGS="..." (extra `chargeline serve` options)  VM_ARGS="..." (extra victoria-metrics
#   flags)  KEEP=1 (keep the temp dir)  BIN_DIR=DIR (prebuilt chargeline + chargeline-datagen)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-400}"
DURATION="${DURATION:-24h}"
INTERVAL="${INTERVAL:-10s}"
SEED="${SEED:-1}"
BATCH="${BATCH:-5000}"
SENDERS="${SENDERS:-1}"
REPEAT="${REPEAT:-5}"
DB=bench
LOAD="$HERE/../http-ingest/load.py"
# A pile in the middle of the fleet (2 guns per pile, numbered from 1).
PILE="$(printf 'P%06d' $(( GUNS / 4 + 1 )))"

BENCH=live
source "$ROOT/Benchmarks/lib.sh"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/chargeline-live.XXXXXX")"
SERVE_PID=""
VM_PID=""
SINK_PID=""
stop() { # PID: SIGTERM, then wait up to 120 s; returns the exit status
    local pid=$1 rc=0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}
cleanup() {
    local rc=$?
    [[ -n "$SERVE_PID" ]] && { stop "$SERVE_PID" || true; }
    [[ -n "$VM_PID" ]] && { stop "$VM_PID" || true; }
    [[ -n "$SINK_PID" ]] && { stop "$SINK_PID" || true; }
    if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. VictoriaMetrics from Debian.
install_victoria_metrics

# 2. Binaries and data.
chargeline_bin
log "generating $GUNS guns x $DURATION every $INTERVAL ending now (seed $SEED)"
"$BIN/chargeline-datagen" --guns "$GUNS" --duration "$DURATION" --interval "$INTERVAL" --seed "$SEED" \
    --out "$TMP/telemetry.lp" --quiet || die "chargeline-datagen"

# 3. Servers and ingest.
CL_PORT="$(free_port)"
VM_PORT="$(free_port)"
start_chargeline() {
    "$BIN/chargeline" serve --data "$TMP/chargeline" --http "127.0.0.1:$CL_PORT" --lp-tcp off ${SERVE_ARGS:-} >>"$TMP/serve.log" 2>&1 &
    SERVE_PID=$!
    python3 "$LOAD" ping --port "$CL_PORT" --timeout 120 || { tail -n 20 "$TMP/serve.log" >&2; die "chargeline did not answer /ping"; }
    for _ in $(seq 1200); do   # /ready: the WAL replay is done
        [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CL_PORT/ready")" == 200 ]] && return 0
        sleep 0.1
    done
    die "chargeline did not become ready"
}
start_chargeline
victoria-metrics -storageDataPath="$TMP/vm" -httpListenAddr="127.0.0.1:$VM_PORT" -retentionPeriod=1y \
    ${VM_ARGS:-} >"$TMP/vm.log" 2>&1 &
VM_PID=$!
python3 "$LOAD" ping --port "$VM_PORT" --timeout 60 || { tail -n 20 "$TMP/vm.log" >&2; die "victoria-metrics did not answer /ping"; }
log "victoria-metrics $(victoria-metrics -version 2>&1 | head -1)"

# The sender's ceiling: the same load.py run against a null server that stores nothing, so
# the table shows how far both figures are from what the client itself can push.
SINK_PORT="$(free_port)"
python3 "$LOAD" sink --port "$SINK_PORT" &
SINK_PID=$!
python3 "$LOAD" ping --port "$SINK_PORT" --timeout 30 || die "load.py sink did not answer /ping"
python3 "$LOAD" write --port "$SINK_PORT" --db "$DB" --batch-lines "$BATCH" --clients "$SENDERS" --no-create \
    --summary "$TMP/ingest-sink.json" "$TMP/telemetry.lp" >&2 || die "writing to load.py sink"
stop "$SINK_PID" || true
SINK_PID=""

log "writing to chargeline ($SENDERS sender(s), $BATCH-line batches)"
python3 "$LOAD" write --port "$CL_PORT" --db "$DB" --batch-lines "$BATCH" --clients "$SENDERS" \
    --summary "$TMP/ingest-chargeline.json" "$TMP/telemetry.lp" >&2 || die "writing to chargeline"
log "writing to victoria-metrics"
python3 "$LOAD" write --port "$VM_PORT" --db "$DB" --batch-lines "$BATCH" --clients "$SENDERS" --no-create \
    --summary "$TMP/ingest-vm.json" "$TMP/telemetry.lp" >&2 || die "writing to victoria-metrics"

# 4. Live queries.
curl -fsS "http://127.0.0.1:$VM_PORT/internal/force_flush" >/dev/null || die "victoria-metrics /internal/force_flush"
log "querying both live ($REPEAT runs each, pile $PILE)"
python3 "$HERE/live.py" both --port "$CL_PORT" --vm-port "$VM_PORT" --db "$DB" --pile "$PILE" --repeat "$REPEAT" \
    --out "$TMP/live.json" --vm-out "$TMP/vm.json" || die "live queries"

# 5. Restart and query again.
log "restarting chargeline"
STOP_T0=$(date +%s.%N)
stop "$SERVE_PID" || die "chargeline exited with status $? on SIGTERM (see serve.log, KEEP=1)"
SERVE_PID=""
log "chargeline stopped in $(python3 -c "import time; print(f'{time.time() - $STOP_T0:.1f}')") s"
start_chargeline
python3 "$HERE/live.py" time --target chargeline --port "$CL_PORT" --db "$DB" --pile "$PILE" --repeat "$REPEAT" \
    --out "$TMP/restarted.json" || die "restarted chargeline queries"

# 6. The table.
python3 "$HERE/live.py" table --live "$TMP/live.json" --restarted "$TMP/restarted.json" --vm "$TMP/vm.json" \
    --ingest-chargeline "$TMP/ingest-chargeline.json" --ingest-vm "$TMP/ingest-vm.json" --ingest-sink "$TMP/ingest-sink.json"

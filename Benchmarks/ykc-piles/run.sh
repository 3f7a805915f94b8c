#!/usr/bin/env bash
# YKC front-end load benchmark on loopback, with the pile simulator (Tools/chargeline-pilesim).
#
#   Benchmarks/ykc-piles/run.sh scale    # 100,000 piles via serve --ykc-processes, 10% charging:
#                                        # login storm + heartbeat latency, frames/s, memory per pile
#   Benchmarks/ykc-piles/run.sh outage   # the same load on standalone gateways; the storage node is
#                                        # stopped for OUTAGE seconds mid-run; counts what was stored
#
# PROTOCOL=ocpp16 runs the same two modes with OCPP 1.6J charge points over WebSocket instead
# (serve --ocpp --ocpp-processes, gateway --ocpp; defaults then PILES=50000 PROCESSES=3): boots as
# logins, Heartbeat and MeterValues latencies, and in the outage mode the MeterValues stored.
#
# Knobs (environment): PILES=100000 PROCESSES=6 SIM_WORKERS=6 SOURCES=8 LOGIN_RATE=2000
# CHARGING=0.1 STEADY=60 OUTAGE=60 PORT_BASE=28000 BIN_DIR=.build/release (built when absent)
# KEEP=1 (keep the work folder: data, spools, logs, the simulator's JSON).
# Every process runs on 127.0.0.x and stops by itself.
set -euo pipefail
MODE="${1:-scale}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROTOCOL="${PROTOCOL:-ykc}"
case "$PROTOCOL" in
ykc) PILES="${PILES:-100000}"; PROCESSES="${PROCESSES:-6}" ;;
ocpp16) PILES="${PILES:-50000}"; PROCESSES="${PROCESSES:-3}" ;;
*) echo "PROTOCOL must be ykc or ocpp16" >&2; exit 64 ;;
esac
SIM_WORKERS="${SIM_WORKERS:-6}"
SOURCES="${SOURCES:-8}"
LOGIN_RATE="${LOGIN_RATE:-2000}"
CHARGING="${CHARGING:-0.1}"
STEADY="${STEADY:-60}"
OUTAGE="${OUTAGE:-60}"
PORT_BASE="${PORT_BASE:-28000}"
HTTP_PORT=$((PORT_BASE + 86))
YKC_PORT=$((PORT_BASE + 768))
OCPP_PORT=$((PORT_BASE + 767))
BENCH=ykc-piles
source "$ROOT/Benchmarks/lib.sh"
chargeline_bin chargeline chargeline-pilesim
# Every process started here (storage node, gateways) is stopped on exit, then the work folder
# is removed (kept with KEEP=1).
PIDS=()
bench_temp
WORK="$TMP"
stop_all() {
    local rc=$? pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    (exit "$rc"); bench_cleanup
}
trap stop_all EXIT

if [[ "$PROTOCOL" == ocpp16 ]]; then
    SIM_TARGET="127.0.0.1:$OCPP_PORT"
    PILE_LISTENERS=(--ykc "127.0.0.1:$YKC_PORT" --ocpp "127.0.0.1:$OCPP_PORT")
    PROCESS_FLAGS=(--ykc-processes "$PROCESSES" --ocpp-processes "$PROCESSES")
else
    SIM_TARGET="127.0.0.1:$YKC_PORT"
    PILE_LISTENERS=(--ykc "127.0.0.1:$YKC_PORT")
    PROCESS_FLAGS=(--ykc-processes "$PROCESSES")
fi
ulimit -n "$(ulimit -Hn)"

rss_mb() {  # total RSS in MiB of the given pids
    local total=0 pid kb
    for pid in "$@"; do
        kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$((total + kb))
    done
    echo $((total / 1024))
}

sim() {  # runs the simulator; report in $WORK/sim.txt
    "$BIN/chargeline-pilesim" --protocol "$PROTOCOL" --target "$SIM_TARGET" --piles "$PILES" --workers "$SIM_WORKERS" \
        --sources "$SOURCES" --login-rate "$LOGIN_RATE" --charging "$CHARGING" --duration "$1" \
        --json "$WORK/sim.json" | tee "$WORK/sim.txt"
}

start_node() {
    "$BIN/chargeline" serve --data "$WORK/data" --http "127.0.0.1:$HTTP_PORT" --lp-tcp off "$@" \
        >>"$WORK/serve.log" 2>&1 &
    NODE=$!
    PIDS+=("$NODE")
    for _ in $(seq 1 100); do grep -q "stop with Ctrl-C" "$WORK/serve.log" 2>/dev/null && return; sleep 0.1; done
    die "node did not start: $(cat "$WORK/serve.log")"
}

case "$MODE" in
scale)
    start_node "${PILE_LISTENERS[@]}" "${PROCESS_FLAGS[@]}"
    sleep 3
    mapfile -t GATEWAYS < <(pgrep -P "$NODE")
    BASE=$(rss_mb "${GATEWAYS[@]}")
    RAMP=$(( PILES / LOGIN_RATE + 5 ))
    ( sleep $((RAMP + STEADY / 2)); rss_mb "${GATEWAYS[@]}" >"$WORK/rss-peak" ) &
    sim "$STEADY"
    PEAK=$(cat "$WORK/rss-peak" 2>/dev/null || echo 0)
    LOGINS=$(python3 -c "import json; print(json.load(open('$WORK/sim.json'))['logins'])")
    echo "gateway processes: $PROCESSES; RSS $BASE MiB before piles, $PEAK MiB with $LOGINS piles connected" \
         "($(( (PEAK - BASE) * 1024 * 1024 / (LOGINS > 0 ? LOGINS : 1) )) bytes per pile connection, ${CHARGING} charging)"
    grep -h "caps pile connections" "$WORK/serve.log" | head -3 || true
    ;;
outage)
    start_node
    for i in $(seq 0 $((PROCESSES - 1))); do
        "$BIN/chargeline" gateway "${PILE_LISTENERS[@]}" --upstream "127.0.0.1:$HTTP_PORT" \
            --spool "$WORK/spool/$i" --status-seconds 5 --threads $(( $(nproc) / PROCESSES > 0 ? $(nproc) / PROCESSES : 1 )) >>"$WORK/gateway-$i.log" 2>&1 &
        PIDS+=("$!")
    done
    sleep 2
    RAMP=$(( PILES / LOGIN_RATE + 5 ))
    (
        sleep $((RAMP + 15))
        echo "$(date +%T) stopping the storage node for ${OUTAGE} s" >&2
        kill -TERM "$NODE"; while kill -0 "$NODE" 2>/dev/null; do sleep 0.2; done
        sleep "$OUTAGE"
        echo "$(date +%T) restarting the storage node" >&2
        "$BIN/chargeline" serve --data "$WORK/data" --http "127.0.0.1:$HTTP_PORT" --lp-tcp off >>"$WORK/serve.log" 2>&1 &
        echo $! >"$WORK/node2.pid"
    ) &
    sim $((OUTAGE + 45))
    sleep 10
    # Stop the gateways: they forward what is left in their spools first.
    for pid in "${PIDS[@]:1}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 8
    NODE2=$(cat "$WORK/node2.pid"); PIDS+=("$NODE2")
    kill -TERM "$NODE2"; while kill -0 "$NODE2" 2>/dev/null; do sleep 0.2; done
    grep -h "gateway stopped" "$WORK"/gateway-*.log | sed 's/.*gateway stopped: /gateway: /' | cut -c1-400
    count() {  # sums the count columns of one InfluxQL count query's CSV answer
        "$BIN/chargeline" query --data "$WORK/data" --db chargeline --format csv "$1" |
            python3 -c "import csv,sys; rows=list(csv.reader(sys.stdin)); print(sum(int(float(v)) for r in rows[1:] for v in r[3:] if v))"
    }
    SENT_RT=$(python3 -c "import json; print(json.load(open('$WORK/sim.json'))['realtimeSent'])")
    if [[ "$PROTOCOL" == ocpp16 ]]; then
        # Each simulated MeterValues carries one sampled time with voltage: one telemetry point.
        # The simulator stops sending at the end and waits for the replies in flight, so what it
        # sent is what was acknowledged unless a reply never came; every acknowledged one must be
        # stored, and nothing the simulator did not send.
        TELEMETRY=$(count "SELECT count(voltage) FROM telemetry")
        ACKED_RT=$(python3 -c "import json; print(json.load(open('$WORK/sim.json'))['realtimeAcked'])")
        echo "stored: $TELEMETRY MeterValues points; $SENT_RT MeterValues sent, $ACKED_RT acknowledged"
        if [[ "$TELEMETRY" -ge "$ACKED_RT" && "$TELEMETRY" -le "$SENT_RT" ]]; then echo "zero acknowledged telemetry lost"; else echo "MISMATCH"; exit 1; fi
    else
        # One telemetry row per 0x13 frame; `fault_bits` is in every row (docs/schema.md: an
        # idle gun's frame has no voltage, current or temperature, since it measures none).
        TELEMETRY=$(count "SELECT count(fault_bits) FROM telemetry")
        BMS=$(count "SELECT count(voltage_demand), count(battery_temperature_max) FROM bms")
        SENT_BMS=$(python3 -c "import json; print(json.load(open('$WORK/sim.json'))['bmsSent'])")
        echo "stored: $TELEMETRY realtime points of $SENT_RT 0x13 frames sent; $BMS bms points of $SENT_BMS 0x23/0x25 frames sent"
        if [[ "$TELEMETRY" -eq "$SENT_RT" && "$BMS" -eq "$SENT_BMS" ]]; then echo "zero telemetry lost"; else echo "MISMATCH"; exit 1; fi
    fi
    ;;
*)
    echo "usage: $0 scale|outage" >&2; exit 64 ;;
esac

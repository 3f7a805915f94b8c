#!/usr/bin/env bash
# Ingest of two builds and VictoriaMetrics, alternated: ROUNDS rounds, each writing the same
# generated telemetry (one load.py sender, 5,000-line requests, as run.sh) to a fresh server
# of build A, of build B and (VM=1, the default) a fresh victoria-metrics, in the order A B VM
# on odd rounds and VM B A on even ones, so a shared machine's load falls on all three alike.
# Chargeline acknowledges after its WAL fdatasync, VictoriaMetrics after buffering in memory.
# Prints one line per write (values/s, the server's CPU seconds, the load average before it)
# and the medians with B/A, A/VM and B/VM.
#
#   BIN_A=/work/main/.build-rel/release BIN_B=.build-rel/release Benchmarks/live/ingest-ab.sh
#   GUNS=400 DURATION=24h ROUNDS=3 VM=1 ...
#
# Installs victoria-metrics (Debian's package, apt-get) when VM=1 and it is absent.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-400}"
DURATION="${DURATION:-24h}"
ROUNDS="${ROUNDS:-3}"
VM="${VM:-1}"
LOAD="$HERE/../http-ingest/load.py"
BENCH=ingest-ab
source "$ROOT/Benchmarks/lib.sh"
ab_binaries
[[ "$VM" == 1 ]] && install_victoria_metrics
STOP_ON_EXIT="PID"
PID=""
bench_temp

printf '[rollup]\ninterval = "1h"\n' >"$TMP/config.toml"
log "generating $GUNS guns x $DURATION every 10s ending now"
"$DATAGEN" --guns "$GUNS" --duration "$DURATION" --interval 10s --seed 1 --out "$TMP/telemetry.lp" --quiet
: >"$TMP/results.tsv"

# One write of the telemetry to a fresh server of TARGET (A, B or VM); appends
# "target values/s cpu-seconds load" to results.tsv.
write_once() {
    local target=$1 port load cpu
    port="$(free_port)"
    rm -rf "$TMP/data"
    case "$target" in
        A|B)
            local bin="BIN_$target"
            "${!bin}/chargeline" serve --data "$TMP/data" --http "127.0.0.1:$port" --lp-tcp off \
                --config "$TMP/config.toml" >"$TMP/$target.log" 2>&1 &
            ;;
        VM)
            victoria-metrics -storageDataPath="$TMP/data" -httpListenAddr="127.0.0.1:$port" -retentionPeriod=1y \
                >"$TMP/vm.log" 2>&1 &
            ;;
    esac
    PID=$!
    python3 "$LOAD" ping --port "$port" --timeout 120 >&2 || die "$target did not answer /ping"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    local create=()
    [[ "$target" == VM ]] && create=(--no-create)
    python3 "$LOAD" write --port "$port" --db bench --batch-lines 5000 --clients 1 "${create[@]}" \
        --summary "$TMP/summary.json" "$TMP/telemetry.lp" >/dev/null || die "writing to $target"
    cpu="$(cpu_seconds "$PID")"
    stop_pid "$PID"
    PID=""
    local rate
    rate="$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["valuesPerSecond"]))' "$TMP/summary.json")"
    printf '%s\t%s\t%s\t%s\n' "$target" "$rate" "$cpu" "$load" >>"$TMP/results.tsv"
    log "$target: $rate values/s, server CPU $cpu s, load $load"
}

for round in $(seq "$ROUNDS"); do
    if (( round % 2 == 1 )); then order="A B"; [[ "$VM" == 1 ]] && order="A B VM"
    else order="B A"; [[ "$VM" == 1 ]] && order="VM B A"; fi
    for target in $order; do write_once "$target"; done
done

python3 - "$TMP/results.tsv" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
by = {}
for target, rate, cpu, load in rows:
    by.setdefault(target, []).append((int(rate), float(cpu), float(load)))
print("| target | values/s per run | median | server CPU s (median) | load before |")
print("|---|---|---:|---:|---|")
med = {}
for target in ("A", "B", "VM"):
    if target not in by: continue
    runs = by[target]
    med[target] = statistics.median(r for r, _, _ in runs)
    print(f"| {target} | {', '.join(f'{r:,}' for r, _, _ in runs)} | {med[target]:,.0f} | "
          f"{statistics.median(c for _, c, _ in runs):.1f} | {', '.join(f'{l:.1f}' for _, _, l in runs)} |")
line = f"B/A {med['B'] / med['A']:.2f}x"
if "VM" in med:
    line += f", A/VM {med['A'] / med['VM']:.2f}x, B/VM {med['B'] / med['VM']:.2f}x"
print()
print(f"medians: {line}")
PY

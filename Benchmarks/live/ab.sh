#!/usr/bin/env bash
# Two builds on the same live state in the same minute: a server of each (BIN_A, BIN_B: folders
# holding `chargeline`), the same generated telemetry written to each over HTTP (so both hold
# it in their active head, as `run.sh`'s live column), then the six operations queries of
# `live.py` alternated between them N times. Prints per query both medians and minimums and
# their ratios B/A. On a shared machine the alternation puts both under the same load.
#
#   BIN_A=/work/main/.build-rel/release BIN_B=.build/release Benchmarks/live/ab.sh
#   GUNS=400 DURATION=24h N=21 ...
#
# Rollups are held back (scheduler every hour), so neither server rolls up while queried.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-400}"
DURATION="${DURATION:-24h}"
N="${N:-21}"
LOAD="$HERE/../http-ingest/load.py"
PILE="$(printf 'P%06d' $(( GUNS / 4 + 1 )))"
BENCH=live-ab
source "$ROOT/Benchmarks/lib.sh"
ab_binaries
STOP_ON_EXIT="PID_A PID_B"
PID_A=""; PID_B=""
bench_temp

printf '[rollup]\ninterval = "1h"\n' >"$TMP/config.toml"
log "generating $GUNS guns x $DURATION every 10s ending now"
"$DATAGEN" --guns "$GUNS" --duration "$DURATION" --interval 10s --seed 1 --out "$TMP/telemetry.lp" --quiet
PORT_A="$(free_port)"; PORT_B="$(free_port)"
"$BIN_A/chargeline" serve --data "$TMP/a" --http "127.0.0.1:$PORT_A" --lp-tcp off --config "$TMP/config.toml" >"$TMP/a.log" 2>&1 &
PID_A=$!
"$BIN_B/chargeline" serve --data "$TMP/b" --http "127.0.0.1:$PORT_B" --lp-tcp off --config "$TMP/config.toml" >"$TMP/b.log" 2>&1 &
PID_B=$!
for port in "$PORT_A" "$PORT_B"; do
    python3 "$LOAD" ping --port "$port" --timeout 120 || die "a server did not answer /ping"
    log "writing to 127.0.0.1:$port"
    python3 "$LOAD" write --port "$port" --db bench --batch-lines 5000 --clients 1 "$TMP/telemetry.lp" >&2 || die "writing"
done
python3 "$HERE/ab.py" --port-a "$PORT_A" --port-b "$PORT_B" --pile "$PILE" --runs "$N"

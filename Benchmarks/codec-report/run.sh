#!/usr/bin/env bash
# Codec size and throughput report (see main.swift): the package's `codec-report` product,
# built in release mode, prints Markdown tables.
#
# Usage: Benchmarks/codec-report/run.sh [guns at 10 s (200)] [guns at 1 s (50)]
#   BIN_DIR=DIR uses a prebuilt codec-report from DIR.
# The cycler files: Tests/ChargelineCodecTests/Fixtures/beep_arbin_cycler.csv and
# Benchmarks/codec-report/data/beep_maccor_cycler.csv.gz (provenance in data/README.md).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH=codec-report
source "$ROOT/Benchmarks/lib.sh"
chargeline_bin codec-report
bench_temp
gunzip -c "$HERE/data/beep_maccor_cycler.csv.gz" >"$TMP/beep_maccor_cycler.csv"
"$BIN/codec-report" "${1:-200}" "${2:-50}" \
    "$ROOT/Tests/ChargelineCodecTests/Fixtures/beep_arbin_cycler.csv" "$TMP/beep_maccor_cycler.csv"

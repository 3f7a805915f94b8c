#!/usr/bin/env bash
# Codec size and throughput report (see main.swift). Builds one optimized binary from the codec
# sources and the chargeline-datagen gun model, then prints Markdown tables.
#
# Usage: Benchmarks/codec-report/run.sh [guns at 10 s (200)] [guns at 1 s (50)]
# The cycler files: Tests/ChargelineCodecTests/Fixtures/beep_arbin_cycler.csv and
# Benchmarks/codec-report/data/beep_maccor_cycler.csv.gz (provenance in data/README.md).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${TMPDIR:-/tmp}/chargeline-codec-report.$$"
mkdir -p "$OUT"
trap 'rm -rf "$OUT"' EXIT
swiftc -O -wmo -module-name CodecReport -package-name chargeline \
    -I "$ROOT/Sources/CZstd" -I "$ROOT/Sources/CLZ4" \
    "$ROOT"/Sources/ChargelineCodec/*.swift \
    "$ROOT/Tools/chargeline-datagen/GunSimulator.swift" "$ROOT/Tools/chargeline-datagen/Xoshiro256.swift" \
    "$HERE/main.swift" -o "$OUT/codec-report" -lzstd -llz4 2>&1 | grep -v "warning:" >&2 || true
gunzip -c "$HERE/data/beep_maccor_cycler.csv.gz" >"$OUT/beep_maccor_cycler.csv"
"$OUT/codec-report" "${1:-200}" "${2:-50}" \
    "$ROOT/Tests/ChargelineCodecTests/Fixtures/beep_arbin_cycler.csv" "$OUT/beep_maccor_cycler.csv"

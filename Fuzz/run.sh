#!/usr/bin/env bash
# Runs one libFuzzer target for a while:
#
#   Fuzz/run.sh TARGET SECONDS [libFuzzer flags...]     e.g. Fuzz/run.sh LineProtocolFuzz 30
#
# Targets: LineProtocolFuzz (the line-protocol parser, as /write runs it) and InfluxQLFuzz
# (the InfluxQL parser, planner and executor on a small store). Builds the target with
# `-sanitize=fuzzer,address` (every module instrumented) in .build-fuzz/, beside the ordinary
# .build/, through the CHARGELINE_FUZZ section of Package.swift. Starts from the seed corpus in
# Fuzz/corpus/TARGET (read only) and keeps what it finds in .build-fuzz/corpus/TARGET; a crash,
# a leak or an input running over 10 s is written to .build-fuzz/artifacts/ and the script
# exits non-zero. Exec counts: libFuzzer's last `#N DONE ... exec/s` line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${1:?usage: Fuzz/run.sh TARGET SECONDS [libFuzzer flags...]}"
DURATION="${2:?usage: Fuzz/run.sh TARGET SECONDS [libFuzzer flags...]}"
shift 2
if [[ ! -d "$ROOT/Fuzz/corpus/$TARGET" ]]; then
    echo "Fuzz/run.sh: unknown target $TARGET (known: $(ls "$ROOT/Fuzz/corpus" | tr '\n' ' '))" >&2
    exit 2
fi

BUILD=(swift build --package-path "$ROOT" --scratch-path "$ROOT/.build-fuzz" --product "$TARGET"
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
CHARGELINE_FUZZ=1 "${BUILD[@]}" >&2
BIN="$(CHARGELINE_FUZZ=1 "${BUILD[@]}" --show-bin-path)/$TARGET"

mkdir -p "$ROOT/.build-fuzz/corpus/$TARGET" "$ROOT/.build-fuzz/artifacts"
# A Swift trap then reaches libFuzzer's crash handler directly; Swift's backtracer reading its
# own stack under AddressSanitizer would add a false stack-buffer-underflow report.
export SWIFT_BACKTRACE=enable=no
# -timeout: an input running 10 s is a hang (queries run under a 2 s timeout there);
# -rss_limit_mb: one input growing past 2 GB is a finding too.
exec "$BIN" -max_total_time="$DURATION" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$ROOT/.build-fuzz/artifacts/$TARGET-" "$@" \
    "$ROOT/.build-fuzz/corpus/$TARGET" "$ROOT/Fuzz/corpus/$TARGET"

#!/usr/bin/env bash
# Runs libFuzzer targets for a while:
#
#   Fuzz/run.sh TARGET SECONDS [libFuzzer flags...]     e.g. Fuzz/run.sh LineProtocolFuzz 30
#   Fuzz/run.sh all SECONDS [libFuzzer flags...]        every target, one after another
#
# Targets (Fuzz/README.md): LineProtocolFuzz, InfluxQLFuzz, YKCFuzz, ReportFuzz,
# StorageFileFuzz. Builds them with `-sanitize=fuzzer,address` (every module instrumented) in
# .build-fuzz/, beside the ordinary .build/, through the CHARGELINE_FUZZ section of
# Package.swift. Each starts from its seed corpus in Fuzz/corpus/TARGET (read only) and keeps
# what it finds in .build-fuzz/corpus/TARGET; a crash, a leak or an input running over 10 s is
# written to .build-fuzz/artifacts/ and the script exits non-zero. With `all`, every target
# runs even when one fails, its output goes to .build-fuzz/logs/TARGET.log, and one line per
# target gives the executions and the outcome (libFuzzer's `#N DONE ... exec/s` line).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALL=(LineProtocolFuzz InfluxQLFuzz YKCFuzz ReportFuzz StorageFileFuzz)
TARGET="${1:?usage: Fuzz/run.sh TARGET|all SECONDS [libFuzzer flags...]}"
DURATION="${2:?usage: Fuzz/run.sh TARGET|all SECONDS [libFuzzer flags...]}"
shift 2
if [[ "$TARGET" == all ]]; then
    TARGETS=("${ALL[@]}")
elif [[ -d "$ROOT/Fuzz/corpus/$TARGET" ]]; then
    TARGETS=("$TARGET")
else
    echo "Fuzz/run.sh: unknown target $TARGET (known: all ${ALL[*]})" >&2
    exit 2
fi

build() {
    CHARGELINE_FUZZ=1 swift build --package-path "$ROOT" --scratch-path "$ROOT/.build-fuzz" --product "$1" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library "${@:2}"
}
for t in "${TARGETS[@]}"; do build "$t" >&2; done
BIN="$(build "${TARGETS[0]}" --show-bin-path)"

mkdir -p "$ROOT/.build-fuzz/artifacts" "$ROOT/.build-fuzz/logs"
# A Swift trap then reaches libFuzzer's crash handler directly; Swift's backtracer reading its
# own stack under AddressSanitizer would add a false stack-buffer-underflow report.
export SWIFT_BACKTRACE=enable=no
# -timeout: an input running 10 s is a hang (queries run under a 2 s timeout there);
# -rss_limit_mb: one input growing past 2 GB is a finding too.
fuzz() {
    mkdir -p "$ROOT/.build-fuzz/corpus/$1"
    "$BIN/$1" -max_total_time="$DURATION" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$ROOT/.build-fuzz/artifacts/$1-" "${@:2}" \
        "$ROOT/.build-fuzz/corpus/$1" "$ROOT/Fuzz/corpus/$1"
}
if [[ "$TARGET" != all ]]; then
    fuzz "$TARGET" "$@"
    exit
fi
failed=0
for t in "${TARGETS[@]}"; do
    status=0
    fuzz "$t" "$@" >"$ROOT/.build-fuzz/logs/$t.log" 2>&1 || status=$?
    execs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$ROOT/.build-fuzz/logs/$t.log" | grep -Eo '[0-9]+$' || echo '?')"
    if [[ $status -eq 0 ]]; then
        echo "$t: $execs executions in ${DURATION} s, no finding"
    else
        failed=1
        echo "$t: FINDING (exit $status) after $execs executions; see .build-fuzz/logs/$t.log and .build-fuzz/artifacts/"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Fatal error)' "$ROOT/.build-fuzz/logs/$t.log" | head -5 || true
    fi
done
exit $failed

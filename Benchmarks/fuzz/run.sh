#!/usr/bin/env bash
# Longer fuzzing runs than CI's: every libFuzzer target (Fuzz/README.md) for SECONDS each,
# JOBS at a time, under `nice -n 10`, then one line per target with its executions and outcome,
# in the form of Fuzz/README.md's table of runs (record the lines there).
#
#   Benchmarks/fuzz/run.sh                        # every target 10 minutes, two at a time
#   SECONDS_EACH=3600 TARGETS="InfluxQLFuzz" Benchmarks/fuzz/run.sh   # the one-hour run
#   JOBS=1 SECONDS_EACH=600 Benchmarks/fuzz/run.sh
#
# Builds through Fuzz/run.sh (libFuzzer with AddressSanitizer, in .build-fuzz/), then runs each
# target's binary itself with the same flags; logs go to .build-fuzz/logs/<target>-<seconds>s.log
# and findings to .build-fuzz/artifacts/. Exits non-zero when any target found something.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SECONDS_EACH="${SECONDS_EACH:-600}"
JOBS="${JOBS:-2}"
TARGETS="${TARGETS:-LineProtocolFuzz InfluxQLFuzz YKCFuzz ReportFuzz StorageFileFuzz}"
BENCH=fuzz
source "$ROOT/Benchmarks/lib.sh"

# Build every target (a zero-second run of each builds it and checks the seeds load).
for t in $TARGETS; do "$ROOT/Fuzz/run.sh" "$t" 0 -runs=0 >/dev/null 2>&1 || die "cannot build $t (run Fuzz/run.sh $t 0 to see why)"; done
BIN="$(CHARGELINE_FUZZ=1 swift build --package-path "$ROOT" --scratch-path "$ROOT/.build-fuzz" --show-bin-path \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)"
mkdir -p "$ROOT/.build-fuzz/logs" "$ROOT/.build-fuzz/artifacts"
export SWIFT_BACKTRACE=enable=no

run() {
    local t="$1" log="$ROOT/.build-fuzz/logs/$1-${SECONDS_EACH}s.log" status=0
    mkdir -p "$ROOT/.build-fuzz/corpus/$t"
    nice -n 10 "$BIN/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$ROOT/.build-fuzz/artifacts/$t-" "$ROOT/.build-fuzz/corpus/$t" "$ROOT/Fuzz/corpus/$t" \
        >"$log" 2>&1 || status=$?
    local execs rate
    execs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')"
    rate="$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')"
    if [[ $status -eq 0 ]]; then
        echo "| $(date -u +%F) | \`$t\` | ${SECONDS_EACH} s | $execs ($rate/s) | none |"
    else
        echo "| $(date -u +%F) | \`$t\` | ${SECONDS_EACH} s | $execs ($rate/s) | FINDING (exit $status): see $log |"
    fi
    return $status
}

failed=0
pids=()
for t in $TARGETS; do
    run "$t" & pids+=($!)
    if (( ${#pids[@]} >= JOBS )); then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed

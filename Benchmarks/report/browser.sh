#!/usr/bin/env bash
# The HTML daily report in a real browser: sizes, generation times, first-screen render times
# in headless Chromium, and screenshots, for a small fleet and the README's 2,000-pile fleet.
#
#   Benchmarks/report/browser.sh                  # 20 and 2,000 piles, 5 renders each
#   PILES="20 2000" RUNS=9 OUT=/tmp/shots BIN_DIR=.build/release Benchmarks/report/browser.sh
#   KEEP=1 ...                                    # keep the temp dir (data, pages)
#
# Needs Debian's `chromium` (apt-get install -y chromium) and Python's `websockets`
# (pip install websockets).
#
# Per fleet size: chargeline-datagen --guns (2 x piles) for 2026-11-20 (UTC) at 60 s plus the
# hour before, import, compact, rollup, plus synthetic `transaction` points (docs/schema.md;
# datagen writes none) so the page shows revenue: 0-4 sessions per gun ending at random times
# of the day, 5-80 yuan each, fixed seed. Then `report daily --format html` at --level station
# and --level gun (timed, whole process), each page's size, a 1280x900 screenshot of each
# (`OUT/report-<piles>-<level>.png`), and the render time of each page.
#
# Render time, measured over the DevTools protocol (render.py next to this script): one
# headless Chromium, a fresh tab per run; `Page.navigate` to the file:// URL, wait for the
# load event, then read the page's own Paint Timing and Largest Contentful Paint entries and
# its navigation timing (all relative to the navigation start, i.e. the browser's clock, not
# the script's). "First screen" is first contentful paint (FCP) and largest contentful paint
# (LCP: the moment the largest element of the first screen is painted); the wall time from
# the navigate command to the load event is printed too. Medians over RUNS runs.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PILES="${PILES:-20 2000}"
RUNS="${RUNS:-5}"
TMP="$(mktemp -d /tmp/chargeline-report-browser.XXXXXX)"
OUT="${OUT:-$TMP}"
mkdir -p "$OUT"
log() { printf '[report-browser] %s\n' "$*" >&2; }
cleanup() { if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

command -v chromium >/dev/null || { echo "browser.sh needs chromium: apt-get install -y chromium" >&2; exit 1; }
python3 -c 'import websockets' 2>/dev/null || { echo "browser.sh needs Python websockets: pip install websockets" >&2; exit 1; }

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin

timed() {  # prints the wall seconds of "$@" (stdout of the command goes to /dev/null)
    python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.time()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(f"{time.time() - t:.3f}")
PY
}

results="$TMP/results.txt"
: >"$results"
for piles in $PILES; do
    guns=$((piles * 2))
    dir="$TMP/p$piles"
    mkdir -p "$dir"
    log "$piles piles ($guns guns): generating, importing, rolling up"
    "$BIN/chargeline-datagen" --guns "$guns" --start 2026-11-19T23:00:00Z --duration 25h --interval 60s --out "$dir/day.lp" --quiet
    python3 - "$guns" >"$dir/tx.lp" <<'PY'
import random, sys
guns = int(sys.argv[1])
rnd = random.Random(20261120)
day = 1795132800  # 2026-11-20T00:00:00Z
for g in range(guns):
    # The tags datagen gives gun g: 2 guns per pile, 10 piles per station.
    pile, station = g // 2 + 1, g // 20 + 1
    for _ in range(rnd.randint(0, 4)):
        end = day + rnd.randint(600, 86399)
        amount = round(rnd.uniform(5, 80), 2)
        print(f"transaction,station=S{station:04d},pile=P{pile:06d},gun={g % 2 + 1} "
              f"amount={amount},energy={amount / 1.2:.3f},trade=\"{g:016d}{end}\" {end}000000000")
PY
    "$BIN/chargeline" import --data "$dir/data" --fsync never "$dir/day.lp" "$dir/tx.lp" >&2
    "$BIN/chargeline" compact --data "$dir/data" >&2
    "$BIN/chargeline" rollup --data "$dir/data" --now 2026-11-22T00:00:00Z >&2
    "$BIN/chargeline" compact --data "$dir/data" >&2
    rm -f "$dir/day.lp"
    for level in station gun; do
        page="$dir/report-$level.html"
        t=$(timed "$BIN/chargeline" report daily --data "$dir/data" --date 2026-11-20 --tz UTC --format html \
            --level "$level" --out "$page")
        size=$(stat -c %s "$page")
        chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,900 \
            --screenshot="$OUT/report-$piles-$level.png" "file://$page" >/dev/null 2>&1
        render=$(python3 "$HERE/render.py" "file://$page" "$RUNS")
        echo "piles=$piles level=$level bytes=$size generate_s=$t $render" | tee -a "$results" >&2
    done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); screenshots in $OUT" | tee -a "$results" >&2
cat "$results"

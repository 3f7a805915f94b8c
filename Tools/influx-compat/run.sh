#!/usr/bin/env bash
# InfluxQL compatibility check against InfluxDB 1.x (Debian's influxdb package, 1.6.7):
#
#   Tools/influx-compat/run.sh [--filter TEXT] [--keep] [--verbose]
#
# Installs influxdb with apt-get when `influxd` is absent (sudo when not root; the packaged
# service is never started: compat.py runs influxd by hand on 127.0.0.1 with a temporary
# config and data dir), builds `chargeline` and `chargeline-datagen` (debug, enough for these
# data sizes; set CHARGELINE=/path/to/chargeline to use another build and skip building),
# then runs compat.py: same data to both servers, every query of queries.txt against both,
# JSON compared; then (without options) replay.py: Grafana's and Telegraf's recorded requests
# (fixtures/*.jsonl) against both. Prints PASS/FAIL per case and `N passed, M failed`; exits
# non-zero on a failure. Both servers are stopped and their temp dir removed on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if ! command -v influxd >/dev/null 2>&1; then
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
    echo "influx-compat: installing influxdb (InfluxDB 1.x) with apt-get" >&2
    $SUDO apt-get install -y influxdb >&2 || { $SUDO apt-get update >&2 && $SUDO apt-get install -y influxdb >&2; }
fi

if [[ -z "${CHARGELINE:-}" ]]; then
    # shellcheck source=Tools/install-deps.sh
    source "$ROOT/Tools/install-deps.sh"
    chargeline_install_deps
    swift build --package-path "$ROOT" --product chargeline >&2
    swift build --package-path "$ROOT" --product chargeline-datagen >&2
    BIN="$(swift build --package-path "$ROOT" --show-bin-path)"
    CHARGELINE="$BIN/chargeline"
    DATAGEN="${DATAGEN:-$BIN/chargeline-datagen}"
fi

args=(--chargeline "$CHARGELINE" --influxd "$(command -v influxd)")
if [[ -n "${DATAGEN:-}" && -x "${DATAGEN}" ]]; then args+=(--datagen "$DATAGEN"); fi
status=0
python3 "$HERE/compat.py" "${args[@]}" "$@" || status=1
# Grafana's and Telegraf's recorded requests (fixtures/*.jsonl) against chargeline and the live
# influxd, which must still answer as recorded.
if [[ $# -eq 0 ]]; then
    python3 "$HERE/replay.py" --chargeline "$CHARGELINE" --influxd "$(command -v influxd)" || status=1
fi
exit $status

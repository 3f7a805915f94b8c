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
# JSON compared. Prints PASS/FAIL per query and `N passed, M failed`; exits non-zero on a
# failure. Both servers are stopped and their temp dir removed on exit.
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
exec python3 "$HERE/compat.py" "${args[@]}" "$@"

#!/usr/bin/env bash
# Real InfluxDB clients against `chargeline serve` (see clients.py for the cases):
#
#   Tools/client-compat/run.sh [--filter TEXT] [--keep]
#
# Installs what it drives when absent: the `influx` CLI (Debian's influxdb-client package) with
# apt-get, the `influxdb` and `influxdb-client` Python packages with pip. Builds `chargeline`
# (debug; set CHARGELINE=/path/to/chargeline to use another build). Prints PASS/FAIL per case
# and `clients: N passed, M failed`, then replays Grafana's and Telegraf's recorded requests
# (Tools/influx-compat/replay.py, recorded answers only); exits non-zero on a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if ! command -v influx >/dev/null 2>&1; then
    echo "client-compat: installing the influx CLI (influxdb-client) with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb-client >&2 \
        || { $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq influxdb-client >&2; }
fi
if ! python3 -c 'import influxdb, influxdb_client' >/dev/null 2>&1; then
    echo "client-compat: installing the influxdb and influxdb-client Python packages with pip" >&2
    python3 -m pip install -q influxdb influxdb-client >&2
fi

if [[ -z "${CHARGELINE:-}" ]]; then
    # shellcheck source=Tools/install-deps.sh
    source "$ROOT/Tools/install-deps.sh"
    chargeline_install_deps
    swift build --package-path "$ROOT" --product chargeline >&2
    CHARGELINE="$(swift build --package-path "$ROOT" --show-bin-path)/chargeline"
fi
status=0
python3 "$HERE/clients.py" --chargeline "$CHARGELINE" "$@" || status=1
# Grafana's and Telegraf's recorded requests against the answers InfluxDB 1.6.7 gave them
# (Tools/influx-compat/fixtures; influx-compat/run.sh also replays them against a live influxd).
python3 "$ROOT/Tools/influx-compat/replay.py" --chargeline "$CHARGELINE" --no-influxd || status=1
exit $status

#!/usr/bin/env bash
# TLS on every listener against real clients (see check.py for the cases):
#
#   Tools/tls-check/run.sh [--keep]
#
# Certificates are made by openssl in a temporary folder. Installs what it drives when absent:
# openssl and the `influx` CLI (Debian's influxdb-client) with apt-get; the `influxdb`, `ocpp`
# (2.1.0) and `websockets` (>= 14) Python packages with pip (ocpp needs Python >= 3.11). Builds
# `chargeline` (debug; set CHARGELINE=/path/to/chargeline to use another build). Prints
# PASS/FAIL per case and `tls: N passed, M failed`; exits non-zero on a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

apt_install() {
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 \
        || { $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2; }
}
command -v openssl >/dev/null 2>&1 || { echo "tls-check: installing openssl with apt-get" >&2; apt_install openssl; }
command -v influx >/dev/null 2>&1 || { echo "tls-check: installing the influx CLI (influxdb-client) with apt-get" >&2; apt_install influxdb-client; }
if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "tls-check: the ocpp package needs Python >= 3.11 (found $(python3 --version))" >&2
    exit 1
fi
if ! python3 -c 'import influxdb, ocpp, websockets, sys; sys.exit(0 if int(websockets.__version__.split(".")[0]) >= 14 else 1)' 2>/dev/null; then
    echo "tls-check: installing influxdb, ocpp 2.1.0 and websockets >= 14 with pip" >&2
    python3 -m pip install -q influxdb "ocpp==2.1.0" "websockets>=14" >&2 \
        || python3 -m pip install -q --break-system-packages influxdb "ocpp==2.1.0" "websockets>=14" >&2
fi

if [[ -z "${CHARGELINE:-}" ]]; then
    # shellcheck source=Tools/install-deps.sh
    source "$ROOT/Tools/install-deps.sh"
    chargeline_install_deps
    swift build --package-path "$ROOT" --product chargeline >&2
    CHARGELINE="$(swift build --package-path "$ROOT" --show-bin-path)/chargeline"
fi
exec python3 "$HERE/check.py" --chargeline "$CHARGELINE" "$@"

#!/usr/bin/env bash
# OCPP 1.6J front-end against real charge points: the PyPI `ocpp` package (mobilityhouse) over
# `websockets` drives a live `chargeline serve --ocpp` (see check.py for the cases):
#
#   Tools/ocpp-check/run.sh [--keep]
#
# pip-installs `ocpp` (2.1.0) and `websockets` (>= 14) when absent (both need Python >= 3.11);
# builds `chargeline` (debug; set CHARGELINE=/path/to/chargeline to use another build).
# Prints PASS/FAIL per case and `ocpp: N passed, M failed`; exits non-zero on a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "ocpp-check: the ocpp package needs Python >= 3.11 (found $(python3 --version))" >&2
    exit 1
fi
if ! python3 -c 'import ocpp, websockets, sys; sys.exit(0 if int(websockets.__version__.split(".")[0]) >= 14 else 1)' 2>/dev/null; then
    echo "ocpp-check: installing ocpp 2.1.0 and websockets >= 14 with pip" >&2
    python3 -m pip install -q "ocpp==2.1.0" "websockets>=14" >&2 \
        || python3 -m pip install -q --break-system-packages "ocpp==2.1.0" "websockets>=14" >&2
fi

if [[ -z "${CHARGELINE:-}" ]]; then
    # shellcheck source=Tools/install-deps.sh
    source "$ROOT/Tools/install-deps.sh"
    chargeline_install_deps
    swift build --package-path "$ROOT" --product chargeline >&2
    CHARGELINE="$(swift build --package-path "$ROOT" --show-bin-path)/chargeline"
fi
exec python3 "$HERE/check.py" --chargeline "$CHARGELINE" "$@"

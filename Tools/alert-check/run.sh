#!/usr/bin/env bash
# Alerting against a real Alertmanager (see check.py for the cases):
#
#   Tools/alert-check/run.sh [--keep]
#
# Installs Debian's prometheus-alertmanager with apt-get when absent; builds `chargeline`
# (debug; set CHARGELINE=/path/to/chargeline to use another build). Prints PASS/FAIL per case
# and `alerts: N passed, M failed`; exits non-zero on a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if ! command -v prometheus-alertmanager >/dev/null 2>&1; then
    echo "alert-check: installing prometheus-alertmanager with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager >&2 \
        || { $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager >&2; }
fi

if [[ -z "${CHARGELINE:-}" ]]; then
    # shellcheck source=Tools/install-deps.sh
    source "$ROOT/Tools/install-deps.sh"
    chargeline_install_deps
    swift build --package-path "$ROOT" --product chargeline >&2
    CHARGELINE="$(swift build --package-path "$ROOT" --show-bin-path)/chargeline"
fi
exec python3 "$HERE/check.py" --chargeline "$CHARGELINE" "$@"

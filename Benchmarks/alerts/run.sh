#!/usr/bin/env bash
# Alerting benchmark: 20 rules over 20,000 guns evaluated every 15 s inside serve, while the
# guns report every 15 s. Prints serve's CPU with and without the rules (the difference is what
# evaluation costs, as a share of one core) and the latency from the sample that crosses a
# threshold to a real Alertmanager (Debian prometheus-alertmanager) holding the alert.
#
#   Benchmarks/alerts/run.sh [MINUTES]      (default 3 minutes per phase)
#
# Builds release binaries (BIN_DIR=... uses prebuilt ones). Run with `nice -n 10` on a shared machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=Benchmarks/lib.sh
source "$ROOT/Benchmarks/lib.sh"
chargeline_bin
exec python3 "$ROOT/Benchmarks/alerts/bench.py" --chargeline "$BIN/chargeline" --minutes "${1:-3}"

# Shared by the end-to-end benchmark scripts: `source "$ROOT/Benchmarks/lib.sh"`.

# Sets BIN to the folder holding the products named (default: chargeline and
# chargeline-datagen): BIN_DIR when set (prebuilt binaries, nothing is built), else a release
# build of each in ROOT/.build/release.
#   chargeline_bin                                # chargeline, chargeline-datagen
#   chargeline_bin chargeline chargeline-pilesim
chargeline_bin() {
    local products=("$@") p named=$#
    (( named )) || products=(chargeline chargeline-datagen)
    if [[ -n "${BIN_DIR:-}" ]]; then
        BIN="$(cd "$BIN_DIR" && pwd)"
    else
        for p in "${products[@]}"; do swift build --package-path "$ROOT" -c release --product "$p" >&2; done
        BIN="$ROOT/.build/release"
    fi
    (( named )) || return 0
    for p in "${products[@]}"; do [[ -x "$BIN/$p" ]] || die "$BIN/$p is missing (build it, or point BIN_DIR at a folder holding it)"; done
}

# Progress and failure lines on stderr, prefixed with BENCH (the script's short name).
log() { printf '[%s] %s\n' "${BENCH:-bench}" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Stops process `pid` (if running): SIGTERM, up to 120 s to exit (a server flushes its head),
# then SIGKILL; reaps it.
stop_pid() {
    local pid="$1"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Makes TMP, a temporary folder named after BENCH, and arranges that on exit the processes
# whose pids the variables named in STOP_ON_EXIT hold are stopped and TMP is removed (kept
# with KEEP=1).
bench_temp() {
    TMP="$(mktemp -d "${TMPDIR:-/tmp}/chargeline-$BENCH.XXXXXX")"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}
bench_cleanup() {
    local rc=$? var
    for var in ${STOP_ON_EXIT:-}; do stop_pid "${!var:-}"; done
    if [[ "${KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}

# A process's CPU time so far (user + system, seconds), from /proc/PID/stat.
cpu_seconds() {
    python3 - "$1" <<'PY'
import os, sys
text = open(f"/proc/{sys.argv[1]}/stat").read()
fields = text[text.rindex(")") + 2:].split()
print((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
PY
}

# For A/B scripts: checks that BIN_A and BIN_B name folders holding chargeline and sets
# DATAGEN to a chargeline-datagen from either.
ab_binaries() {
    [[ -n "${BIN_A:-}" && -n "${BIN_B:-}" ]] || die "set BIN_A and BIN_B (folders holding chargeline)"
    DATAGEN="$BIN_A/chargeline-datagen"
    [[ -x "$DATAGEN" ]] || DATAGEN="$BIN_B/chargeline-datagen"
}

# Installs victoria-metrics from Debian's package (apt-get) when it is not on PATH.
install_victoria_metrics() {
    command -v victoria-metrics >/dev/null && return 0
    log "installing victoria-metrics (apt-get)"
    local sudo=""; [[ "$(id -u)" == 0 ]] || sudo=sudo
    $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq victoria-metrics >&2 || die "apt-get install victoria-metrics"
}

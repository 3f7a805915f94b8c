# Shared by the end-to-end benchmark scripts: `source "$ROOT/Benchmarks/lib.sh"`.

# Sets BIN to the folder holding chargeline and chargeline-datagen: BIN_DIR when set (prebuilt
# binaries, nothing is built), else a release build of both in ROOT/.build/release.
chargeline_bin() {
    if [[ -n "${BIN_DIR:-}" ]]; then
        BIN="$(cd "$BIN_DIR" && pwd)"
    else
        swift build --package-path "$ROOT" -c release --product chargeline >&2
        swift build --package-path "$ROOT" -c release --product chargeline-datagen >&2
        BIN="$ROOT/.build/release"
    fi
}

#!/usr/bin/env bash
# Builds Benchmarks/head/inprocess/main.swift in release against ROOT's storage and query
# modules only (a scratch package of symlinks: no NIO, no server, minutes instead of the full
# release build) and runs it.
#
#   Benchmarks/head/inprocess.sh [ROOT] [GUNS] [HOURS] [REPEAT]     # defaults: this repo, 200 6 5
#
# ROOT may be another checkout (e.g. `git archive <commit> | tar -x -C DIR`) to compare commits:
# main.swift uses only APIs both sides have.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${1:-$HERE/../..}" && pwd)"
GUNS="${2:-200}" HOURS="${3:-6}" REPEAT="${4:-5}"
BENCH=head-inprocess
source "$HERE/../lib.sh"
PKG="${PKG:-$(mktemp -d /tmp/chargeline-head-inprocess.XXXXXX)}"
command -v pkg-config >/dev/null && pkg-config --exists libzstd liblz4 || {
    log "installing pkg-config, libzstd-dev, liblz4-dev (apt-get)"
    apt-get update -qq && apt-get install -y -qq pkg-config libzstd-dev liblz4-dev >/dev/null || die "apt-get install pkg-config libzstd-dev liblz4-dev"
}
mkdir -p "$PKG/Sources/head-bench"
for m in CZstd CLZ4 CCRC32C ChargelineCore ChargelineCodec ChargelineStorage ChargelineRegex ChargelineQuery; do ln -sfn "$ROOT/Sources/$m" "$PKG/Sources/$m"; done
ln -sfn "$HERE/inprocess/main.swift" "$PKG/Sources/head-bench/main.swift"
cat >"$PKG/Package.swift" <<'SWIFT'
// swift-tools-version:6.1
import PackageDescription
let s: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("InternalImportsByDefault")]
let package = Package(
    name: "head-bench", platforms: [.macOS(.v14)],
    dependencies: [.package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
                   .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0")],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd"), .systemLibrary(name: "CLZ4", pkgConfig: "liblz4"),
        .target(name: "CCRC32C"),
        .target(name: "ChargelineCore", dependencies: ["CCRC32C"], swiftSettings: s),
        .target(name: "ChargelineCodec", dependencies: ["CZstd", "CLZ4"], swiftSettings: s),
        .target(name: "ChargelineStorage", dependencies: ["ChargelineCore", "ChargelineCodec", .product(name: "Logging", package: "swift-log"),
                                                          .product(name: "CoreMetrics", package: "swift-metrics")], swiftSettings: s),
        .target(name: "ChargelineRegex", swiftSettings: s),
        .target(name: "ChargelineQuery", dependencies: ["ChargelineCore", "ChargelineStorage", "ChargelineRegex"], swiftSettings: s),
        .executableTarget(name: "head-bench", dependencies: ["ChargelineCore", "ChargelineStorage", "ChargelineQuery",
                                                             .product(name: "Logging", package: "swift-log")], swiftSettings: s),
    ])
SWIFT
swift build --package-path "$PKG" -c release --product head-bench >&2
"$PKG/.build/release/head-bench" "$GUNS" "$HOURS" "$REPEAT" "$PKG/data"

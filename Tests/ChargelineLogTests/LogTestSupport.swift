import Foundation
@testable import ChargelineLog

/// A temporary folder removed by `cleanup()` (call it in a `defer`).
struct LogTempDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "chargeline-log-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        _ = FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }
}

/// A small segment: the header of `kind` version 2, then one record per payload. Returns the
/// bytes and where each record starts (plus the end).
func makeSegment(_ payloads: [[UInt8]], kind: LogKind = .spool, version: UInt8 = 2) -> (bytes: [UInt8], starts: [Int]) {
    var bytes = LogSegmentHeader(kind: kind, version: version).bytes
    var starts: [Int] = []
    for p in payloads {
        starts.append(bytes.count)
        p.withUnsafeBytes { LogRecord.append(payload: $0, to: &bytes) }
    }
    starts.append(bytes.count)
    return (bytes, starts)
}

/// Payloads of assorted sizes from a fixed-seed generator (1 to 300 bytes; never empty).
func samplePayloads(_ count: Int, seed: UInt64 = 42) -> [[UInt8]] {
    var state = seed
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    return (0..<count).map { i in
        let n = [1, 7, 300, 20, 64, 2][i % 6]
        return (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

/// Every record a scan of `bytes` yields before it stops, and the corruption it stopped at.
func scanAll(_ bytes: [UInt8], path: String = "seg", segment: UInt64 = 1) -> (payloads: [[UInt8]], stop: LogCorruption?) {
    bytes.withUnsafeBytes { raw in
        var scanner = LogScanner(raw, path: path, segment: segment)
        var out: [[UInt8]] = []
        do throws(LogCorruption) {
            while let r = try scanner.next() { out.append(Array(raw[r.payload])) }
            return (out, nil)
        } catch {
            return (out, error)
        }
    }
}

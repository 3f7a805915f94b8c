import ChargelineCore
@testable import ChargelineStorage

/// The version-2 golden segment (`SegmentFormatTests.versionTwoGoldenSegmentStillReads`):
/// `00000000000000000002.seg`, written by commit 4ca53d5 (segment version 2, residual
/// predictors 0-2 only) with `chargeline import` and `chargeline compact` from the line
/// protocol that ``lineProtocol()`` prints. Never regenerate it: a failure means version-2
/// files no longer read.
enum SegmentV2Fixture {
    static let base64 =
        "Q0xTRwIAAAAAAKdExZfpGAAA9tVZ5ukYAQAAAAAAAAAEAAAAp0TFl+kYCRQF1wQAAgIArBUE0grWBI+WAwCKbgcAIkrQG7Yb" +
        "tku/S7+KsZexTvGXSZs3pGlHaTbEgX/CyuBnZMAMWHciDmR95Zqnxkk3nXf9rxj5VlfCRTDIOLjlF5AZmXlfmk6SVxMAAQAJ" +
        "2AQAAAcAxQQBjQkAxQQAiwkCxQQWCW8JkQP9X14B86/nADi0/FjeHj+rjJTfqwzyfIFTsllOFV3b56TPa+jS3XSE0ZSyIqDT" +
        "YrBAHePW4bmSibDTddPBqgFzePpGdHLhSIwTvaetRdjY7HT79lvUj6JZrOdzVOpxJBmsYXa6W0Cbzu3u7BdOlowqL8DpqO4Y" +
        "LIjeR9wBFsyaEUECWii1L/0gWs0AAIgCBAhpZGxlY2hhcmdpbmcA/wIAgkgAwRK+yvtxMAJLKLUv/SBLZQAAKN577733AQAD" +
        "tGgBlL4RYiMAABQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUIqpg" +
        "1yMABMgBApADV9NxMRMC6gEotS/9IOqVAgCUBAEAAdgEpD8FA4XRqilMGU25wmjVFKaMplxhtGoKU0ZTrjBaNYUpoylXGK2a" +
        "wpTRlCuMVk1hymjKFUarpjBlNOUKo1VTmDKacgIBAIhHoEIUNejWMQQAAACnRMWX6RgJFAXXBAACAgCsFQTSCtYEj5YDAIpu" +
        "BwAiStAbthu2S79Lv4qxl7FO8ZdJmzekaUdpNsSBf8LK4GdkwAxYdyIOZH3lmqfGSTedd/2vGPlWV8JFMMg4uOUXkBmZeV+a" +
        "TpJXEwABAAnYBAAABwDFBAGNCQDFBACLCQLFBBYJbwmRA/1fXgHzr+cAOLT8WN4eP6uMlN+rDPJ8gVOyWU4VXdvnpM9r6NLd" +
        "dITRlLIioNNisEAd49bhuZKJsNN108GqAXN4+kZ0cuFIjBO9p61F2NjsdPv2W9SPolms53NU6nEkGaxhdrpbQJvO7e7sF06W" +
        "jCovwOmo7hgsiN5H3AEWzJoRQQJaKLUv/SBazQAAiAIECGlkbGVjaGFyZ2luZwD/AgCCSADBEr7K+3EwAksotS/9IEtlAAAo" +
        "3nvvvfcBAAO0aAGUvhFiIwAAFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQCFAIUAhQC" +
        "FAIUAhQiqmDXIwAEyAECkANX03ExEwLqASi1L/0g6pUCAJQEAQAB2ASIQAUDhdGqKUwZTbnCaNUUpoymXGG0agpTRlOuMFo1" +
        "hSmjKVcYrZrClNGUK4xWTWHKaMoVRqumMGU05QqjVVOYMppyAgEAiEegQhR+wh+xtAQAACi1L/1gtAOlCQCkCwIAAAAPAHRl" +
        "bGVtZXRyeSxndW49MQYABwBjdXJyZW50AAEAAACLAJ8AAABYAqdExZfpGABGFCg4nekYZsZiQF9mZma2TO1AAMBiQAAgAGsA" +
        "AAAEAG5vdGUEKgEpAgIAb2sDUwAAABwA4CADAHNvYwFvAAAAQh38IR0GAHN0YXR1c7EMAgNABgIDBwB2b2x0YWdlvWNOeZB6" +
        "QPz///+TZA5BAFB5QDOLejICAgMCAwIDAgMCA57gU8Kg2z4gIIOZEbcBBsLJTG6GyE6SWaSgB7KCiu8KytBS0KuwgoqYb0si" +
        "oVwE46xFl69exO5tXD1kOzYmSCrdhVFmMlFvjpWFmBYkgstE7AQH8wkQNCuuyBTgMiAjqCILwW4C43If6IjjuDXW00ZhHiDT" +
        "NsENKDXltnyATyAEAAAAAAAAQgEAAICoIacCAAAADAAAAAIAAQBDTFNH"

    static let bytes = 1410
    static let minTime: Int64 = 1_795_132_800_000_000_000
    static let maxTime: Int64 = 1_795_138_791_000_000_000

    /// Row `k` of gun `g`: 10 s cadence with whole-second jitter, a voltage ramp under a
    /// repeating noise pattern, a current that starts after 200 rows, integers, a string and a
    /// boolean. 600 rows per gun, so the float and timestamp blocks use residual streams.
    static func columns() -> [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])] {
        let noise: [Int64] = [0, 2, -1, 1, -2, 0, 1]
        return [1, 2].map { (g: Int64) in
            var voltage = ColumnData(type: .float)
            var current = ColumnData(type: .float)
            var soc = ColumnData(type: .integer)
            var status = ColumnData(type: .integer)
            var note = ColumnData(type: .string)
            var ok = ColumnData(type: .boolean)
            for k in Int64(0)..<600 {
                let t = SegmentV1Fixture.partition.start + k * 10_000_000_000
                    + (k > 0 ? ((k * 7 + g * 3) % 3 - 1) * 1_000_000_000 : 0)
                for column in [0, 1, 2, 3, 5] {
                    switch column {
                    case 0: voltage.timestamps.append(t)
                    case 1: current.timestamps.append(t)
                    case 2: soc.timestamps.append(t)
                    case 3: status.timestamps.append(t)
                    default: ok.timestamps.append(t)
                    }
                }
                voltage.bits.append((Double(4000 + g * 50 + k / 3 + noise[Int(k % 7)]) / 10).bitPattern)
                current.bits.append((Double(k < 200 ? 0 : 1500 + noise[Int(k * 3 % 7)]) / 10).bitPattern)
                soc.bits.append(UInt64(k / 20))
                status.bits.append(k < 200 ? 2 : 3)
                note.timestamps.append(t)
                note.appendString(Array((k < 200 ? "idle" : "charging").utf8))
                ok.bits.append(k % 5 == 0 ? 0 : 1)
            }
            return (Array("telemetry,gun=\(g)".utf8), [
                (Array("current".utf8), current), (Array("note".utf8), note), (Array("ok".utf8), ok),
                (Array("soc".utf8), soc), (Array("status".utf8), status), (Array("voltage".utf8), voltage),
            ])
        }
    }
}

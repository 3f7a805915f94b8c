import ChargelineCore
@testable import ChargelineStorage
import ChargelineTestSupport

/// Deterministic columns the segment tests write and read back, and the golden segment
/// fixtures are written from (`SegmentGoldenTests`).
enum SegmentTestData {
    /// The partition every test segment is written for (a UTC day).
    static let partition = TimeRange(start: 1_795_132_800_000_000_000, end: 1_795_132_800_000_000_000 + 86_400_000_000_000)

    /// The columns of a small segment: one series with a float, integer, unsigned, boolean and
    /// string field sharing 40 timestamps, and one with a float field of odd values (NaN,
    /// -0.0, a subnormal, infinity) at its own timestamps.
    static func columns() -> [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])] {
        var rng = SplitMix64(seed: 2026)
        let base = partition.start
        var ts: [Int64] = []
        var t = base
        for _ in 0..<40 {
            ts.append(t)
            t += 10_000_000_000 + Int64(rng.next() % 2001) * 1_000_000 - 1_000_000_000
        }
        var voltage = ColumnData(type: .float)
        var soc = ColumnData(type: .integer)
        var status = ColumnData(type: .unsigned)
        var ok = ColumnData(type: .boolean)
        var note = ColumnData(type: .string)
        for (i, time) in ts.enumerated() {
            voltage.timestamps.append(time)
            voltage.bits.append((Double(4000 + Int(rng.next() % 5) - 2) / 10).bitPattern)
            soc.timestamps.append(time)
            soc.bits.append(UInt64(bitPattern: Int64(20 + i / 4)))
            status.timestamps.append(time)
            status.bits.append(i < 30 ? 3 : 2)
            ok.timestamps.append(time)
            ok.bits.append(i % 7 == 0 ? 0 : 1)
            note.timestamps.append(time)
            note.appendString(Array((i < 30 ? "charging" : "idle").utf8))
        }
        var odd = ColumnData(type: .float)
        for (k, v) in [401.5, -0.0, Double.nan, 1e-310, Double.infinity].enumerated() {
            odd.timestamps.append(base + Int64(k) * 1_000_000_000)
            odd.bits.append(v.bitPattern)
        }
        return [
            (Array("telemetry,gun=1".utf8), [
                (Array("voltage".utf8), voltage), (Array("soc".utf8), soc), (Array("status".utf8), status),
                (Array("ok".utf8), ok), (Array("note".utf8), note),
            ]),
            (Array("telemetry,gun=2".utf8), [(Array("voltage".utf8), odd)]),
        ]
    }

    /// Row `k` of gun `g`: 10 s cadence with whole-second jitter, a voltage ramp under a
    /// repeating noise pattern, a current that starts after 200 rows, integers, a string and a
    /// boolean. 600 rows per gun, so the float and timestamp blocks use residual streams.
    static func wideColumns() -> [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])] {
        let noise: [Int64] = [0, 2, -1, 1, -2, 0, 1]
        return [1, 2].map { (g: Int64) in
            var voltage = ColumnData(type: .float)
            var current = ColumnData(type: .float)
            var soc = ColumnData(type: .integer)
            var status = ColumnData(type: .integer)
            var note = ColumnData(type: .string)
            var ok = ColumnData(type: .boolean)
            for k in Int64(0)..<600 {
                let t = partition.start + k * 10_000_000_000
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

    /// What the golden fixtures (`SegmentGoldenTests`) hold: `columns()` and a third series
    /// whose integer sums overflow (block meta flag bit 0), with a copy of that field
    /// (`energy_min`: its value blocks are the same bytes, written once) and nanosecond
    /// durations of whole milliseconds (`charging_ns`: `int-decimal`), written with blocks of
    /// at most `goldenBlockRows` rows so that fields have several blocks.
    static func goldenColumns() -> [(key: [UInt8], columns: [(name: [UInt8], data: ColumnData)])] {
        var energy = ColumnData(type: .integer)
        var charging = ColumnData(type: .integer)
        for k in Int64(0)..<20 {
            let t = partition.start + 3_600_000_000_000 + k * 60_000_000_000
            energy.timestamps.append(t)
            energy.bits.append(UInt64(bitPattern: Int64.max - 10_000 + k * 100))
            charging.timestamps.append(t)
            charging.bits.append(UInt64(k * k * 7_919 % 60_000) * 1_000_000)
        }
        return columns() + [(Array("telemetry,gun=3".utf8), [(Array("energy".utf8), energy), (Array("energy_min".utf8), energy),
                                                             (Array("charging_ns".utf8), charging)])]
    }
    static let goldenBlockRows = 16
}

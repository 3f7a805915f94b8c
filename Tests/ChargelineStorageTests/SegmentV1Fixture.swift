import ChargelineCore
@testable import ChargelineStorage
import ChargelineTestSupport

/// The columns of the version-1 golden segment (SegmentV1GoldenTests): deterministic, so the
/// test can compare what the file decodes to with what was written.
enum SegmentV1Fixture {
    static let partition = TimeRange(start: 1_795_132_800_000_000_000, end: 1_795_132_800_000_000_000 + 86_400_000_000_000)

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
}

import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// The head's chunked columns: full tails seal into compressed chunks whose statistics equal
/// their values; out-of-order points and overwrites (inside a tail and across chunks) read back
/// as the last write; a snapshot does not see values appended after it.
@Suite struct HeadColumnTests {
    static let t0: Int64 = 1_763_596_800_000_000_000
    static let key = Array("telemetry,gun=1".utf8)

    static func point(_ t: Int64, _ v: Double) -> WriteBatch {
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "telemetry", tags: ["gun": "1"], timestamp: t, fields: [("voltage", .float(v))])
        return b.finish()
    }

    static func read(_ head: Head, _ range: TimeRange = .all) throws -> [(Int64, Double)] {
        let snapshot = head.snapshot(matching: { _ in true }, wanted: { _ in true })
        let reader = try MergedReader(segments: [], heads: [snapshot], fields: .present(nil), range: range, listKeys: true) { _ in true }
        var scratch = MergedReader.Scratch()
        guard let c = try reader.columns(of: key, scratch: &scratch)?.first else { return [] }
        return (0..<c.count).map { (c.timestamps[$0], Double(bitPattern: c.bits(at: $0))) }
    }

    @Test func lateAndRepeatedPointsAcrossSealedChunksReadAsTheLastWrite() throws {
        let head = Head()
        var schema = Schema()
        var model: [Int64: Double] = [:]
        var rng = SplitMix64(seed: 11)
        for i in 0..<1_000 {
            // Mostly in order, every fifth point late, and a small grid so times repeat.
            let slot = i % 5 == 0 ? Int64.random(in: 0..<400, using: &rng) : Int64(i / 2)
            let t = Self.t0 + slot * 10_000_000_000
            let v = Double(i) / 10
            model[t] = v
            #expect(head.apply(Self.point(t, v), schema: &schema).isEmpty)
        }
        let column = head.columns(of: 0)[0]
        #expect(column.sealed.count == 1_000 / HeadColumn.chunkValues)
        #expect(try Self.read(head).map { "\($0.0)=\($0.1)" } == model.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        let range = TimeRange(start: Self.t0 + 1_000_000_000_000, end: Self.t0 + 2_000_000_000_000)
        #expect(try Self.read(head, range).map(\.0) == model.keys.filter { range.contains($0) }.sorted())
        for chunk in column.sealed {
            let d = chunk.decode()
            let values = d.bits.map { Double(bitPattern: $0) }
            #expect(d.count == chunk.count && d.timestamps == d.timestamps.sorted() && Set(d.timestamps).count == d.count)
            #expect(chunk.minTime == d.timestamps.first && chunk.maxTime == d.timestamps.last)
            #expect(Double(bitPattern: chunk.stats.min) == values.min() && Double(bitPattern: chunk.stats.max) == values.max())
            #expect(Double(bitPattern: chunk.stats.sum) == values.reduce(0, +))
            #expect(chunk.stats.first == d.bits.first && chunk.stats.last == d.bits.last)
        }
    }

    @Test func aSnapshotDoesNotSeeLaterAppendsAndStringsSealToo() throws {
        let head = Head()
        var schema = Schema()
        for i in 0..<10 { _ = head.apply(Self.point(Self.t0 + Int64(i), Double(i)), schema: &schema) }
        let before = head.snapshot(matching: { _ in true }, wanted: { _ in true })
        for i in 10..<300 { _ = head.apply(Self.point(Self.t0 + Int64(i), Double(i)), schema: &schema) }
        _ = head.apply(Self.point(Self.t0 + 5, -1), schema: &schema)  // overwrite after the snapshot
        let old = try MergedReader(segments: [], heads: [before], fields: .present(nil), range: .all, listKeys: true) { _ in true }
        var scratch = MergedReader.Scratch()
        let c = try #require(try old.columns(of: Self.key, scratch: &scratch)?.first)
        #expect(c.timestamps == (0..<10).map { Self.t0 + Int64($0) })
        #expect(Double(bitPattern: c.bits(at: 5)) == 5)
        #expect(try Self.read(head).count == 300)
        #expect(try Self.read(head)[5].1 == -1)

        var b = WriteBatchBuilder()
        for i in 0..<500 {
            b.addPoint(measurement: "events", tags: ["gun": "1"], timestamp: Self.t0 + Int64(i % 300), fields: [("code", .string("E\(i)"))])
        }
        _ = head.apply(b.finish(), schema: &schema)
        let snapshot = head.snapshot(matching: { $0.starts(with: Array("events".utf8)) }, wanted: { _ in true })
        #expect(!snapshot.columns[0][0].sealed.isEmpty)
        let reader = try MergedReader(segments: [], heads: [snapshot], fields: .present(nil), range: .all, listKeys: true) { _ in true }
        let s = try #require(try reader.columns(of: Array("events,gun=1".utf8), scratch: &scratch)?.first)
        #expect(s.count == 300)
        #expect(s.value(at: 0) == .string("E300") && s.value(at: 199) == .string("E499") && s.value(at: 299) == .string("E299"))
    }

    /// Regular 10 s telemetry with one decimal: what the head holds per value once its chunks
    /// are sealed (the tail and the objects included).
    @Test func sealedChunksHoldAFewBytesPerValue() {
        let head = Head()
        var schema = Schema()
        var b = WriteBatchBuilder()
        for i in 0..<(HeadColumn.chunkValues * 10) {
            b.addPoint(measurement: "telemetry", tags: ["gun": "1"], timestamp: Self.t0 + Int64(i) * 10_000_000_000,
                       fields: [("voltage", .float(400 + Double(i % 37) / 10)), ("soc", .integer(Int64(i / 60)))])
        }
        _ = head.apply(b.finish(), schema: &schema)
        let perValue = Double(head.memoryBytes) / Double(head.valueCount)
        #expect(perValue <= 4, "\(perValue) B/value")
    }
}

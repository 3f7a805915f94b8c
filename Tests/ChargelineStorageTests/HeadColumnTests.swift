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
        let snapshot = head.snapshot(matching: { _ in true }, wanted: nil)
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
        #expect(column.sealed.count >= 1_000 / HeadColumn.chunkValues)
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
        let before = head.snapshot(matching: { _ in true }, wanted: nil)
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
        let snapshot = head.snapshot(matching: { $0.starts(with: Array("events".utf8)) }, wanted: nil)
        #expect(!snapshot.columns[0][0].sealed.isEmpty)
        let reader = try MergedReader(segments: [], heads: [snapshot], fields: .present(nil), range: .all, listKeys: true) { _ in true }
        let s = try #require(try reader.columns(of: Array("events,gun=1".utf8), scratch: &scratch)?.first)
        #expect(s.count == 300)
        #expect(s.value(at: 0) == .string("E300") && s.value(at: 199) == .string("E499") && s.value(at: 299) == .string("E299"))
    }

    /// Chunks sealed in time order stay ascending and apart from a chunk holding a late point
    /// (after which in-order chunks join the ordered ones again); the open tail carries exact
    /// statistics while its times strictly increase, none after a repeat; reads and `latest`
    /// over every range boundary equal the last writes.
    @Test func inOrderChunksStayAscendingLateOnesApartAndTailsKeepStatistics() throws {
        let head = Head()
        var schema = Schema()
        var model: [Int64: Double] = [:]
        let n = HeadColumn.chunkValues
        func put(_ slot: Int, _ v: Double) {
            let t = Self.t0 + Int64(slot) * 10_000_000_000
            model[t] = v
            #expect(head.apply(Self.point(t, v), schema: &schema).isEmpty)
        }
        for i in 0..<(2 * n) { put(i, Double(i)) }
        put(5, -5)  // late: the third chunk holds it
        for i in (2 * n)..<(5 * n) { put(i, Double(i)) }
        put(5 * n, 1e300); put(5 * n + 1, -1e300); put(5 * n + 2, 0.5)
        var column = head.columns(of: 0)[0]
        #expect(column.ordered.count == 4 && column.late.count == 1)
        #expect(column.late[0].minTime == Self.t0 + 50_000_000_000)
        for (a, b) in zip(column.ordered, column.ordered.dropFirst()) { #expect(a.maxTime < b.minTime) }
        // In-order chunks end at the hour (slot 360 is 01:00): the chunk reaching it holds
        // 104 values, not 128, and none straddles an hour.
        let hour = HeadColumn.cutInterval
        #expect(column.ordered.map { ($0.minTime - Self.t0) / 10_000_000_000 } == [0, 128, 360, 488])
        for c in column.ordered { #expect((c.minTime - Self.t0) / hour == (c.maxTime - Self.t0) / hour) }
        let tail = try #require(column.snapshot().tail)
        let stats = try #require(tail.stats)
        let data = tail.data(in: .all)
        #expect(data.count == 5 * n + 3 - 616 && stats == BlockMeta.stats(of: data, 0..<data.count, offset: 0, length: 0))
        // Reads through the merging reader, at every chunk boundary.
        let times = model.keys.sorted()
        let snapshot = head.snapshot(matching: { _ in true }, wanted: nil)
        // A scan hands the tail over with its statistics (what value-bound pruning and
        // aggregates read instead of its values).
        let all = try MergedReader(segments: [], heads: [snapshot], fields: .ordered(["voltage"]), range: .all, listKeys: false) { _ in true }
        var scanScratch = MergedReader.Scratch()
        let scanned = try #require(try all.scan(Self.key, scratch: &scanScratch)[0])
        #expect(scanned.chunks.last?.exactStats == stats)
        for chunk in column.ordered + column.late {
            for start in [chunk.minTime, chunk.minTime + 1, chunk.maxTime, chunk.maxTime + 1] {
                for end in [chunk.maxTime, chunk.maxTime + 1, Self.t0 + Int64(5 * n + 2) * 10_000_000_000, Int64.max] where start < end {
                    let range = TimeRange(start: start, end: end)
                    let want = times.filter { range.contains($0) }
                    #expect(try Self.read(head, range).map(\.0) == want)
                    let reader = try MergedReader(segments: [], heads: [snapshot], fields: .ordered(["voltage"]), range: range,
                                                  listKeys: false) { _ in true }
                    var scratch = MergedReader.Scratch()
                    var slots: [LatestPoint?] = [nil]
                    try reader.latest(Self.key, scratch: &scratch, into: &slots, at: 0)
                    #expect(slots[0] == want.last.map { LatestPoint(time: $0, value: .float(model[$0]!)) })
                }
            }
        }
        // A repeat of the newest time: the tail's statistics would count an overwritten value.
        put(5 * n + 2, 7)
        column = head.columns(of: 0)[0]
        #expect(column.snapshot().tail?.stats == nil)
        #expect(try Self.read(head).map { "\($0.0)=\($0.1)" } == model.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
    }

    /// The chunks of `ordered` overlapping a range (found by galloping from the newest, then
    /// binary search) are exactly those a filter over all of them keeps, for columns of 0 to
    /// 40 chunks and ranges before, inside, across and after them (fixed seed).
    @Test func orderedChunksOverlappingARangeEqualAFilterOverAll() throws {
        var rng = SplitMix64(seed: 31)
        for chunks in [0, 1, 2, 3, 5, 8, 17, 40] {
            let head = Head()
            var schema = Schema()
            // In time order with random gaps: every chunk joins `ordered`.
            var t = Self.t0
            for _ in 0..<(chunks * HeadColumn.chunkValues) {
                t += Int64.random(in: 1...30, using: &rng) * 1_000_000_000
                #expect(head.apply(Self.point(t, 1), schema: &schema).isEmpty)
            }
            let column = chunks == 0 ? HeadColumnSnapshot(name: [], type: .float, ordered: [], late: [], tail: nil)
                : try #require(head.snapshot(matching: { _ in true }, wanted: nil).columns.first?.first)
            #expect(column.ordered.count >= chunks - 1 && column.late.isEmpty)
            let edges = column.ordered.flatMap { [$0.minTime, $0.maxTime] }
            var points: [Int64] = [Int64.min, Int64.max, Self.t0, t + 1]
            for e in edges { points += [e - 1, e, e + 1] }
            for _ in 0..<200 {
                let a = points.randomElement(using: &rng)!, b = points.randomElement(using: &rng)!
                guard a < b else { continue }
                let range = TimeRange(start: a, end: b)
                let want = column.ordered.indices.filter { range.overlaps(minTime: column.ordered[$0].minTime, maxTime: column.ordered[$0].maxTime) }
                let got = column.orderedOverlapping(range)
                #expect(Array(got) == want, "\(chunks) chunks, range \(a)..<\(b)")
            }
        }
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
        let sealed = Double(head.memoryBytes) / Double(head.valueCount)
        head.sealing.wait()
        let perValue = Double(head.memoryBytes) / Double(head.valueCount)
        #expect(perValue <= 4, "\(perValue) B/value")
        #expect(perValue < sealed, "compressing gave nothing back: \(sealed) -> \(perValue) B/value")
        #expect(head.columns(of: 0).allSatisfy { $0.sealed.allSatisfy(\.isCompressed) })
    }

    /// A chunk reads the same values before and after it is compressed, whichever the reader
    /// meets (the writer seals, `HeadSealing` compresses on another thread).
    @Test func aChunkReadsTheSameBeforeAndAfterCompression() {
        var rng = SplitMix64(seed: 5)
        for type in [FieldType.float, .integer, .boolean, .string] {
            var data = ColumnData(type: type)
            var t = Self.t0
            for i in 0..<HeadColumn.chunkValues {
                t += Int64.random(in: 1...20_000_000_000, using: &rng)
                data.timestamps.append(t)
                switch type {
                case .string: data.appendString(Array("state \(i % 7)".utf8))
                case .boolean: data.bits.append(UInt64(i % 3 == 0 ? 1 : 0))
                case .integer: data.bits.append(UInt64(bitPattern: Int64.random(in: -1_000...1_000, using: &rng)))
                default: data.bits.append((400 + Double(Int.random(in: 0...99, using: &rng)) / 10).bitPattern)
                }
            }
            let chunk = HeadChunk(data)
            let before = chunk.decode()
            #expect(!chunk.isCompressed)
            #expect(chunk.compress() > 0)
            #expect(chunk.isCompressed && chunk.compress() == 0)
            let after = chunk.decode()
            #expect(before.timestamps == data.timestamps && after.timestamps == data.timestamps, "\(type)")
            #expect(before.bits == data.bits && after.bits == data.bits, "\(type)")
            #expect(after.stringBytes == data.stringBytes && after.stringEnds == data.stringEnds, "\(type)")
        }
    }
    /// A wide series (more columns than `Head.indexedColumnsThreshold`, as a rollup tier's)
    /// read for a few fields finds them by name: the same columns, in column order, as a
    /// filter over every column, for the active head and one that no further write extends
    /// (its name index covering all but the last column added).
    @Test func aWideSeriesSnapshotFindsTheWantedColumnsByName() throws {
        let head = Head()
        var schema = Schema()
        let n = Head.indexedColumnsThreshold + 9
        for j in 0..<n {  // one new field per point: the name index lags the last one
            var b = WriteBatchBuilder()
            b.addPoint(measurement: "rollup", tags: ["gun": "1"], timestamp: Self.t0 + Int64(j),
                       fields: [("f\(j)", .float(Double(j)))])
            #expect(head.apply(b.finish(), schema: &schema).isEmpty)
        }
        let all = head.snapshot(matching: { _ in true }, wanted: nil).columns[0].map { String(decoding: $0.name, as: UTF8.self) }
        #expect(all.count == n)
        for names in [["f\(n - 1)", "f0"], ["f5", "f\(n - 2)", "absent"], ["f\(n - 1)"], ["absent"]] {
            let wanted = Set(names.map { Array($0.utf8) })
            let got = head.snapshot(matching: { _ in true }, wanted: wanted).columns.first?.map { String(decoding: $0.name, as: UTF8.self) } ?? []
            #expect(got == all.filter { names.contains($0) }, "\(names)")
        }
    }
}

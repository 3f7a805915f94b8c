import ChargelineCore
import ChargelineTestSupport
import Testing
@testable import ChargelineStorage

@Suite struct HeadTests {
    /// A point with 65,535 fields cost 9.8 s of CPU: each new field looked for its column by
    /// scanning every column added before it (2 billion name comparisons). Lookups in a wide
    /// series now go through a name index: a constant number of comparisons per field.
    @Test func aPointWith65535FieldsCostsLinearWork() throws {
        var b = WriteBatchBuilder()
        let fields = (0..<65_535).map { ("f\($0)", FieldValue.float(Double($0))) }
        b.addPoint(measurement: "m", tags: ["gun": "1"], timestamp: 1_000, fields: fields)
        let batch = b.finish()
        let head = Head()
        var schema = Schema()
        #expect(head.apply(batch, schema: &schema).isEmpty)
        #expect(head.valueCount == 65_535)
        #expect(head.columnProbes < 2 * 65_535, "\(head.columnProbes) name comparisons")
        // The same fields again in reverse order (no hint helps): still linear.
        var r = WriteBatchBuilder()
        r.addPoint(measurement: "m", tags: ["gun": "1"], timestamp: 2_000, fields: fields.reversed())
        let before = head.columnProbes
        #expect(head.apply(r.finish(), schema: &schema).isEmpty)
        #expect(head.valueCount == 2 * 65_535)
        #expect(head.columnProbes - before < 2 * 65_535, "\(head.columnProbes - before) name comparisons")
        #expect(head.columns(of: 0).count == 65_535)
    }

    /// The head remembers which days hold data, so a rollup run can step over the gap.
    @Test func earliestTimeAtOrAfterSkipsEmptyDays() {
        let day = Head.dayLength
        var b = WriteBatchBuilder()
        for t in [0, 5 * day + 7, -day - 1] {
            b.addPoint(measurement: "m", tags: [:], timestamp: t, fields: [("v", .float(1))])
        }
        let head = Head()
        var schema = Schema()
        _ = head.apply(b.finish(), schema: &schema)
        #expect(head.earliestTime(atOrAfter: -3 * day) == -day - 1)
        #expect(head.earliestTime(atOrAfter: -day / 2) == 0)  // day -1 is empty
        #expect(head.earliestTime(atOrAfter: 1) == 1)  // day 0 may hold more: a bound
        #expect(head.earliestTime(atOrAfter: day) == 5 * day)
        #expect(head.earliestTime(atOrAfter: 5 * day + 8) == nil)
    }

    /// A raw database takes at most 65,535 fields per measurement (`Database.fieldLimit`): two
    /// points of one series with 40,000 different fields each once made a flush trap. The
    /// point that would pass 65,535 fields in its measurement is refused instead.
    @Test func aMeasurementPast65535FieldsIsRefusedNotFatal() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        defer { try? store.close() }
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "m", tags: [:], timestamp: 1, fields: (0..<40_000).map { ("a\($0)", .float(1)) })
        b.addPoint(measurement: "m", tags: [:], timestamp: 2, fields: (0..<40_000).map { ("b\($0)", .float(2)) })
        b.addPoint(measurement: "m", tags: [:], timestamp: 3, fields: [("a7", .float(3))])
        let outcome = store.writeAndWait(database: "db", batch: b.finish())
        #expect(outcome.failure == nil)
        #expect(outcome.rejected.map(\.pointIndex) == [1])
        #expect(outcome.rejected.first?.message.contains("more than 65535 distinct fields") == true)
        try store.flush()
        let series = try store.read(database: "db", measurement: "m", fields: ["a7", "b0"])
        #expect(series.first?.columns.map(\.name) == ["a7"])
        #expect(series.first?.columns.first?.count == 2)
    }

    /// `apply` visits a batch's points series by series (for the cache) and defers the points
    /// that need a new column to a pass in batch order. Whatever the interleaving, the head,
    /// the schema and the refusals must equal those of applying the points one at a time:
    /// series interleaved, repeated and late timestamps, fields new to the schema in several
    /// series of one measurement with clashing types, the field limit, points outside the
    /// storable range, enough values per column to seal chunks.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func applyingABatchEqualsApplyingItsPointsOneByOne(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let storable: ClosedRange<Int64> = -1_000_000...1_000_000_000_000
        let names = ["v", "i", "t", "soc", "e", "x", "y", "z", "w"]
        let types: [FieldType] = [.float, .integer, .boolean, .string, .unsigned]
        let grouped = Head(), oneByOne = Head()
        var groupedSchema = Schema(), oneByOneSchema = Schema()
        var clock: Int64 = 0
        for _ in 0..<12 {
            var b = WriteBatchBuilder()
            let points = Int.random(in: 1...400, using: &rng)
            for _ in 0..<points {
                let measurement = Bool.random(using: &rng) ? "m" : "n"
                let gun = Int.random(in: 0..<(Bool.random(using: &rng) ? 3 : 12), using: &rng)
                clock += Int64.random(in: 0...3, using: &rng) * 1_000_000_000
                var t = clock - Int64.random(in: 0...2, using: &rng) * 1_000_000_000  // repeats and late points
                if Int.random(in: 0..<150, using: &rng) == 0 { t = storable.upperBound + 1 }
                var fields: [(String, FieldValue)] = []
                for name in names.shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng)) {
                    // Rarely another type than the field usually has: a clash with its column or
                    // with what another series of the measurement made it.
                    let type = Int.random(in: 0..<40, using: &rng) == 0 ? types.randomElement(using: &rng)!
                        : types[(names.firstIndex(of: name)! + (measurement == "m" ? 0 : 1)) % types.count]
                    let x = Int64.random(in: -50...50, using: &rng)
                    switch type {
                    case .float: fields.append((name, .float(Double(x) / 4)))
                    case .integer: fields.append((name, .integer(x)))
                    case .unsigned: fields.append((name, .unsigned(UInt64(x + 50))))
                    case .boolean: fields.append((name, .boolean(x > 0)))
                    case .string: fields.append((name, .string("s\(x)")))
                    }
                }
                b.addPoint(measurement: measurement, tags: ["gun": "\(gun)"], timestamp: t, fields: fields)
            }
            let batch = b.finish()
            let rejected = grouped.apply(batch, schema: &groupedSchema, storable: storable, maxFieldsPerMeasurement: 7)
            var expected: [(pointIndex: Int, message: String)] = []
            try batch.bytes.withUnsafeBytes { raw in
                var offset = 0, index = 0
                while offset < raw.count {
                    let (point, next) = WriteBatch.point(at: offset, in: raw)
                    let one = try WriteBatch(validating: Array(raw[offset..<next]))
                    #expect(one.pointCount == 1 && one.valueCount == point.fieldCount)
                    for r in oneByOne.apply(one, schema: &oneByOneSchema, storable: storable, maxFieldsPerMeasurement: 7) {
                        expected.append((index, r.message))
                    }
                    offset = next
                    index += 1
                }
            }
            #expect(rejected.map(\.pointIndex) == expected.map(\.pointIndex))
            #expect(rejected.map(\.message) == expected.map(\.message))
            #expect(groupedSchema == oneByOneSchema)
            grouped.sealing.wait()
            oneByOne.sealing.wait()
            #expect(grouped.valueCount == oneByOne.valueCount && grouped.memoryBytes == oneByOne.memoryBytes)
            #expect(grouped.minTime == oneByOne.minTime && grouped.maxTime == oneByOne.maxTime)
            #expect(contents(of: grouped) == contents(of: oneByOne))
        }
        #expect(grouped.seriesCount == 24)
    }

    /// Every series' key and, per column, its name, type and each sealed chunk's and the open
    /// tail's values, in the order the head keeps them.
    private func contents(of head: Head) -> [String] {
        var out: [String] = []
        for si in 0..<head.seriesCount {
            for column in head.columns(of: si) {
                let snapshot = column.snapshot()
                var parts = [String(decoding: head.key(of: si), as: UTF8.self), String(decoding: column.name, as: UTF8.self),
                             "\(column.type)"]
                for data in snapshot.ordered.map({ $0.decode() }) + ["|"].map({ _ in ColumnData(type: column.type) })
                    + snapshot.late.map({ $0.decode() }) + [snapshot.tail?.data(in: .all) ?? ColumnData(type: column.type)] {
                    parts.append("\(data.timestamps)\(data.bits)\(data.stringBytes)\(data.stringEnds)")
                }
                out.append(parts.joined(separator: " "))
            }
        }
        return out
    }
}

import ChargelineCore
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

    /// A raw database writes version-3 segments, whose index stores a series' field count in
    /// a u16: two points of one series with 40,000 different fields each made a flush trap.
    /// The point that would pass 65,535 fields in its measurement is refused instead.
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
}

import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage

/// `max-series-per-database`: new series past the quota are refused per point, existing ones
/// keep writing, the rest of the batch is stored, and series in segments count after a reopen.
@Suite struct SeriesQuotaTests {
    /// One point per series name in `names`, field `v` (integer), at `t`.
    static func points(_ names: [String], t: Int64 = 1_000_000_000, value: FieldValue = .integer(1)) -> WriteBatch {
        var b = WriteBatchBuilder()
        for n in names { b.addPoint(measurement: "m", tags: ["s": n], timestamp: t, fields: [("v", value)]) }
        return b.finish()
    }

    static func options(limit: Int) -> StorageOptions {
        var o = testOptions()
        o.maxSeriesPerDatabase = limit
        return o
    }

    static func seriesNames(_ store: Store, _ db: String) throws -> Set<String> {
        Set(try store.read(database: db, measurement: "m").map(\.key))
    }

    @Test func newSeriesPastTheQuotaAreRefusedPerPointAndTheRestStored() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: Self.options(limit: 3), logger: quietLogger)
        defer { try? store.close() }
        let first = store.writeAndWait(database: "db", batch: Self.points(["a", "b", "c", "d", "a", "e"]))
        #expect(first.failure == nil && first.rejected.isEmpty)
        #expect(first.seriesQuotaDrop == SeriesQuotaDrop(points: 2, values: 2, limit: 3))
        #expect(first.seriesQuotaDrop?.message == "max-series-per-database limit exceeded: (3) dropped=2")
        #expect(first.pointsStored(of: 6) == 4)
        #expect(try Self.seriesNames(store, "db") == ["m,s=a", "m,s=b", "m,s=c"])
        // Existing series keep writing; a batch of only new ones stores nothing and fails nothing.
        let known = store.writeAndWait(database: "db", batch: Self.points(["c"], t: 2_000_000_000))
        #expect(known.failure == nil && known.seriesQuotaDrop == nil)
        let onlyNew = store.writeAndWait(database: "db", batch: Self.points(["f", "g"]))
        #expect(onlyNew.failure == nil && onlyNew.seriesQuotaDrop?.points == 2)
        #expect(try Self.seriesNames(store, "db") == ["m,s=a", "m,s=b", "m,s=c"])
        // Another database has its own count.
        #expect(store.writeAndWait(database: "other", batch: Self.points(["x", "y", "z"])).seriesQuotaDrop == nil)
    }

    @Test func refusedPointsDoNotShiftTheIndicesOfOtherRejections() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: Self.options(limit: 2), logger: quietLogger)
        defer { try? store.close() }
        store.writeAndWait(database: "db", batch: Self.points(["a", "b"]))
        // Points 0 and 2 are new series (refused); point 3 conflicts with v's type (integer).
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "m", tags: ["s": "new1"], timestamp: 5, fields: [("v", .integer(1))])
        b.addPoint(measurement: "m", tags: ["s": "a"], timestamp: 5, fields: [("v", .integer(2))])
        b.addPoint(measurement: "m", tags: ["s": "new2"], timestamp: 5, fields: [("v", .integer(3))])
        b.addPoint(measurement: "m", tags: ["s": "b"], timestamp: 5, fields: [("v", .string("x"))])
        let outcome = store.writeAndWait(database: "db", batch: b.finish())
        #expect(outcome.seriesQuotaDrop?.points == 2)
        #expect(outcome.rejected.map(\.pointIndex) == [3])
    }

    /// A deleted series stops counting once the delete is applied (the compaction after it):
    /// a database at its quota can take a new series then, without a restart.
    @Test func deletedSeriesGiveTheirPlaceBackOnceCompacted() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: Self.options(limit: 2), logger: quietLogger)
        defer { try? store.close() }
        store.writeAndWait(database: "db", batch: Self.points(["a", "b"]))
        #expect(store.writeAndWait(database: "db", batch: Self.points(["c"])).seriesQuotaDrop?.points == 1)
        try store.delete(database: "db", measurement: "m", seriesKeys: [Array("m,s=a".utf8)], range: .all)
        _ = try store.compact()
        let after = store.writeAndWait(database: "db", batch: Self.points(["c"], t: 2_000_000_000))
        #expect(after.seriesQuotaDrop == nil)
        #expect(try Self.seriesNames(store, "db") == ["m,s=b", "m,s=c"])
        // And the quota holds again at two.
        #expect(store.writeAndWait(database: "db", batch: Self.points(["d"])).seriesQuotaDrop?.points == 1)
    }

    @Test func seriesInSegmentsCountAfterAReopen() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        do {
            let store = try Store(directory: dir.path, options: Self.options(limit: 0), logger: quietLogger)
            store.writeAndWait(database: "db", batch: Self.points(["a", "b", "c"]))
            try store.flush()
            store.writeAndWait(database: "db", batch: Self.points(["a", "b", "c"], t: 2_000_000_000))
            try store.flush()  // two segments holding the same three series
            try store.close()
        }
        let store = try Store(directory: dir.path, options: Self.options(limit: 4), logger: quietLogger)
        defer { try? store.close() }
        // The manifest's estimate (6) is past 4: the segments' keys are read, 3 series are found.
        let one = store.writeAndWait(database: "db", batch: Self.points(["d"]))
        #expect(one.seriesQuotaDrop == nil)
        let two = store.writeAndWait(database: "db", batch: Self.points(["e", "a"], t: 3_000_000_000))
        #expect(two.seriesQuotaDrop?.points == 1)
        #expect(try Self.seriesNames(store, "db") == ["m,s=a", "m,s=b", "m,s=c", "m,s=d"])
    }

    @Test func zeroMeansNoLimit() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: Self.options(limit: 0), logger: quietLogger)
        defer { try? store.close() }
        let outcome = store.writeAndWait(database: "db", batch: Self.points((0..<2_000).map { "s\($0)" }))
        #expect(outcome.seriesQuotaDrop == nil && outcome.pointsStored(of: 2_000) == 2_000)
    }
}

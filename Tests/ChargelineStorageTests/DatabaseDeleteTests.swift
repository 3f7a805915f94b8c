import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Deletes (tombstones): every read through the one merge equals a brute-force model in which
/// a delete removes the points that exist when it is made and later writes stay; rollups
/// follow; compaction removes the bytes and then the tombstones; `DROP DATABASE` removes the
/// folder while other databases keep serving.
@Suite struct DatabaseDeleteTests {
    typealias M = MergedReaderTests

    /// Removes from the model what a delete of `keys` (nil: all) in `range` removes.
    static func modelDelete(_ model: inout Model, keys: [[UInt8]]?, range: TimeRange) {
        for key in model.keys where keys.map({ $0.contains(Array(key.utf8)) }) ?? true {
            for field in model[key]!.keys {
                model[key]![field] = model[key]![field]!.filter { !range.contains($0.key) }
            }
        }
    }

    /// Seeds 1-4: random writes, deletes (some series or all, a time range or all time),
    /// freezes, flushes, compactions and restarts; reads, scans and `latest` checked against
    /// the model after every step. Writes after a delete land in its range too (they stay).
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func readsWithDeletesEqualABruteForceModel(seed: UInt64) throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var rng = SplitMix64(seed: seed)
        var store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var model: Model = [:]
        var deletes = 0, sawFrozenAfterDelete = false, sawSegmentsUnderTombstone = false
        let first = M.batch(&rng, round: 0, points: 300)
        modelApply(&model, first)
        store.writeAndWait(database: "db", batch: first)
        for round in 1..<36 {
            let op = Int.random(in: 0..<24, using: &rng)
            let db = try #require(store.openDatabase("db"))
            switch op {
            case 0..<12:
                let b = M.batch(&rng, round: round, points: Int.random(in: 50..<300, using: &rng))
                modelApply(&model, b)
                let outcome = store.writeAndWait(database: "db", batch: b)
                #expect(outcome.failure == nil && outcome.rejected.isEmpty)
            case 12..<17:
                var keys: [[UInt8]]? = nil
                if Int.random(in: 0..<4, using: &rng) > 0 {
                    keys = M.keys.filter { _ in Bool.random(using: &rng) }
                }
                var range = TimeRange.all
                if Int.random(in: 0..<4, using: &rng) > 0 {
                    let a = M.base + Int64.random(in: -M.day / 2..<(3 * M.day), using: &rng)
                    range = TimeRange(start: a, end: a + Int64.random(in: 1..<(M.day + M.day / 2), using: &rng))
                }
                try store.delete(database: "db", measurement: "telemetry", seriesKeys: keys, range: range)
                Self.modelDelete(&model, keys: keys, range: range)
                deletes += 1
            case 17..<19: db.freezeActiveHead()
            case 19..<21: try store.flush()
            case 21: _ = try store.compact()
            default:
                try store.close()
                store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
            }
            let current = try #require(store.openDatabase("db"))
            current.lock.lock()
            let tombstones = current.segmentSet.manifestCopy.tombstones ?? []
            sawFrozenAfterDelete = sawFrozenAfterDelete || (!current.frozen.isEmpty && !tombstones.isEmpty)
            sawSegmentsUnderTombstone = sawSegmentsUnderTombstone
                || tombstones.contains { t in current.segmentSet.partitions.values.joined().contains { $0.info.seq < t.seq } }
            current.lock.unlock()
            try M.check(current, model, &rng, "seed \(seed) round \(round) op \(op)")
        }
        // Always also: a delete over segments, then writes into its range held in a frozen head
        // and the active head beside it.
        let before = M.batch(&rng, round: 90, points: 300)
        modelApply(&model, before)
        store.writeAndWait(database: "db", batch: before)
        try store.flush()
        let range = TimeRange(start: M.base + M.day / 2, end: M.base + 2 * M.day)
        try store.delete(database: "db", measurement: "telemetry", seriesKeys: [M.keys[0], M.keys[2]], range: range)
        Self.modelDelete(&model, keys: [M.keys[0], M.keys[2]], range: range)
        deletes += 1
        for round in 91..<93 {
            let b = M.batch(&rng, round: round, points: 300)
            modelApply(&model, b)
            store.writeAndWait(database: "db", batch: b)
            if round == 91 { try #require(store.openDatabase("db")).freezeActiveHead() }
        }
        let mixed = try #require(store.openDatabase("db"))
        mixed.lock.lock()
        sawFrozenAfterDelete = !mixed.frozen.isEmpty && !(mixed.segmentSet.manifestCopy.tombstones ?? []).isEmpty
        sawSegmentsUnderTombstone = sawSegmentsUnderTombstone || !mixed.segmentSet.partitions.isEmpty
        mixed.lock.unlock()
        try M.check(mixed, model, &rng, "seed \(seed) frozen and active heads after a delete")
        #expect(deletes >= 3 && sawFrozenAfterDelete && sawSegmentsUnderTombstone,
                "the mix must cover deletes over segments and frozen heads written after them")
        // Compaction applies every tombstone and then forgets it; the data stays the model's.
        _ = try store.compact()
        let db = try #require(store.openDatabase("db"))
        db.lock.lock()
        let left = db.segmentSet.manifestCopy.tombstones
        db.lock.unlock()
        #expect(left == nil, "tombstones applied everywhere are dropped: \(String(describing: left))")
        try M.check(db, model, &rng, "seed \(seed) after the final compaction")
        try store.close()
    }

    /// A point written after a delete, at a timestamp inside the deleted range, is visible
    /// (InfluxDB: a delete affects the data that exists when it runs), also after a restart.
    @Test func aWriteAfterADeleteInItsRangeStays() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        let t = M.base + 1_000
        store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<2, times: [t, t + 10]))
        try store.delete(database: "db", measurement: "telemetry", seriesKeys: nil, range: .all)
        #expect(try store.read(database: "db", measurement: "telemetry").isEmpty)
        store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<1, times: [t]))
        var rows = try store.read(database: "db", measurement: "telemetry")
        #expect(rows.count == 1 && rows[0].columns.allSatisfy { $0.count == 1 })
        try store.close()
        store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        rows = try store.read(database: "db", measurement: "telemetry")
        #expect(rows.count == 1 && rows[0].columns.allSatisfy { $0.count == 1 }, "after the WAL replay")
        try store.close()
    }

    /// Compaction rewrites the partition without the deleted points: the segment shrinks, the
    /// tombstone goes, a dropped series leaves the catalog and a dropped measurement the schema.
    @Test func compactionRemovesTheDeletedBytes() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        let times = (0..<2_000).map { M.base + Int64($0) * 10_000_000_000 }
        // Random values (fixed seed): they take room on disk, so what leaves it shows.
        var rng = SplitMix64(seed: 5)
        var points = WriteBatchBuilder()
        for t in times {
            for g in 0..<8 {
                points.addPoint(measurement: "telemetry", tags: ["pile": "P\(g / 2)", "gun": "\(g % 2 + 1)"], timestamp: t,
                                fields: [("voltage", .float(Double.random(in: 300..<400, using: &rng))),
                                         ("soc", .integer(Int64.random(in: 0..<1_000_000, using: &rng)))])
            }
        }
        store.writeAndWait(database: "db", batch: points.finish())
        var other = WriteBatchBuilder()
        other.addPoint(measurement: "other", tags: ["x": "1"], timestamp: M.base, fields: [("v", .integer(1))])
        store.writeAndWait(database: "db", batch: other.finish())
        _ = try store.compact()
        let db = try #require(store.openDatabase("db"))
        func bytes() -> Int { db.lock.lock(); defer { db.lock.unlock() }; return db.segmentSet.manifestCopy.segments.reduce(0) { $0 + $1.bytes } }
        let before = bytes()
        // Half the guns (piles P0, P1) for all time, and the others' first half.
        let piles = try store.catalog(database: "db", measurement: "telemetry")!.series.map(\.key).filter {
            let s = String(decoding: $0, as: UTF8.self)
            return s.contains("pile=P0") || s.contains("pile=P1")
        }
        #expect(piles.count == 4)
        try store.delete(database: "db", measurement: "telemetry", seriesKeys: piles, range: .all)
        try store.delete(database: "db", measurement: "telemetry", seriesKeys: nil, range: TimeRange(start: M.base, end: times[1_000]))
        try store.dropMeasurement(database: "db", measurement: "other")
        #expect(try store.catalog(database: "db", measurement: "telemetry")!.series.count == 4, "dropped series leave the catalog at once")
        #expect(try store.measurements(database: "db") == ["telemetry"])
        #expect(bytes() == before, "nothing is rewritten before compaction")
        #expect(try store.compact() == 1)
        let after = bytes()
        #expect(after < before / 2, "segment bytes \(before) -> \(after)")
        db.lock.lock()
        #expect(db.segmentSet.manifestCopy.tombstones == nil)
        db.lock.unlock()
        let rows = try store.read(database: "db", measurement: "telemetry")
        #expect(rows.count == 4 && rows.allSatisfy { $0.columns.allSatisfy { $0.count == 1_000 && $0.timestamps[0] == times[1_000] } })
        #expect(try store.read(database: "db", measurement: "other").isEmpty)
        try store.close()
    }

    /// Rollups follow a delete: the rows of the hours it touched are recomputed from the raw
    /// data left (the deleted points are in no aggregate), a dropped series has no rows left,
    /// and all rollup rows still equal raw aggregation.
    @Test func rollupsOfTheAffectedHoursAreRecomputed() throws {
        let tests = RollupTests()
        let dir = TempDirectory(); defer { dir.cleanup() }
        var store = try Store(directory: dir.path, options: tests.options(), logger: quietLogger)
        store.writeAndWait(database: "db", batch: tests.randomBatch(seed: 11, guns: 3, hours: 30))
        try store.flush()
        let now = RollupTests.t0 + 40 * RollupTests.hour
        _ = try store.runRollups(now: now)
        let h = RollupTests.t0 + 5 * RollupTests.hour
        let before = try tests.rollups(store)
        let gun0 = Array("telemetry,gun=0".utf8), gun2 = Array("telemetry,gun=2".utf8)
        // Gun 0 from 17 minutes into hour 5 to 3 minutes into hour 9; gun 2 entirely.
        try store.delete(database: "db", measurement: "telemetry", seriesKeys: [gun0],
                         range: TimeRange(start: h + 17 * 60_000_000_000, end: h + 4 * RollupTests.hour + 3 * 60_000_000_000))
        try store.delete(database: "db", measurement: "telemetry", seriesKeys: [gun2], range: .all)
        let after = try tests.rollups(store)
        let count = { (rows: [String: [String: FieldValue]], t: Int64) in rows["telemetry,gun=0@\(t)"]?["voltage_count"]?.doubleValue ?? 0 }
        #expect(count(after, h) < count(before, h) && count(after, h) > 0, "hour 5 keeps its first 17 minutes only")
        #expect(after["telemetry,gun=0@\(h + 2 * RollupTests.hour)"] == nil, "hour 7 had only deleted points")
        #expect(!after.keys.contains { $0.hasPrefix("telemetry,gun=2@") })
        tests.assertClose(after, try tests.reference(store))
        // The same after a restart and a compaction of both databases.
        try store.close()
        store = try Store(directory: dir.path, options: tests.options(), logger: quietLogger)
        _ = try store.compact()
        _ = try store.runRollups(now: now)
        tests.assertClose(try tests.rollups(store), try tests.reference(store))
        try store.close()
    }

    /// `dropDatabase` removes the folder (rollups and settings with it) while another database
    /// keeps taking writes and reads; the name can be used again; a trash folder left by a
    /// crash is removed at the next start.
    @Test func dropDatabaseRemovesItsFolderWhileOthersServe() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        let t = M.base
        store.writeAndWait(database: "gone", batch: telemetryBatch(guns: 0..<4, times: [t, t + 1]))
        store.writeAndWait(database: "kept", batch: telemetryBatch(guns: 0..<4, times: [t]))
        try store.flush()
        store.writeAndWait(database: "gone", batch: telemetryBatch(guns: 0..<4, times: [t + 2]))
        let serving = store
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for k in 1...200 { serving.writeAndWait(database: "kept", batch: telemetryBatch(guns: 0..<4, times: [t + Int64(k)])) }
            done.signal()
        }
        #expect(try store.dropDatabase("gone"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/gone"))
        #expect(!store.databaseNames().contains("gone"))
        #expect(try !store.dropDatabase("gone"), "a second drop finds nothing")
        done.wait()
        #expect(try store.read(database: "kept", measurement: "telemetry").allSatisfy { $0.columns[0].count == 201 })
        store.writeAndWait(database: "gone", batch: telemetryBatch(guns: 0..<1, times: [t + 5]))
        #expect(try store.read(database: "gone", measurement: "telemetry").count == 1, "a new database of the same name starts empty")
        try store.close()
        // A crash after the rename: the trash folder is removed at the next start.
        try FileManager.default.createDirectory(atPath: dir.path + "/.trash-x-1/wal", withIntermediateDirectories: true)
        store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/.trash-x-1"))
        #expect(store.databaseNames() == ["gone", "kept"])
        try store.close()
    }

    /// A tombstone WAL record whose manifest update a crash cut short is replayed: the delete
    /// holds after the restart.
    @Test func aTombstoneRecordIsReplayedWhenTheManifestMissedIt() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var killed: Store? = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        let t = M.base
        killed!.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<2, times: [t, t + 1]))
        try killed!.flush()
        let db = try #require(killed!.openDatabase("db"))
        let saved = try #require(try Manifest.load(directory: db.directory))
        try killed!.delete(database: "db", measurement: "telemetry", seriesKeys: nil, range: TimeRange(start: t, end: t + 1))
        killed!.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<1, times: [t]))
        db.wal.close()  // as if killed: the WAL holds the tombstone and the later write
        try saved.store(directory: db.directory)  // the manifest as before the delete
        killed = nil  // releases the data directory's lock
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        let rows = try store.read(database: "db", measurement: "telemetry")
        #expect(rows.map { $0.columns[0].timestamps } == [[t, t + 1], [t + 1]], "the delete holds; the write after it stays")
        try store.close()
    }
}

import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

@Suite struct StoreTests {
    @Test func writeReadAcrossHeadFlushAndReopen() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var model: Model = [:]
        do {
            let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
            let b1 = telemetryBatch(guns: 0..<20, times: (0..<50).map { Int64($0) * 10_000_000_000 })
            modelApply(&model, b1)
            #expect(store.writeAndWait(database: "db", batch: b1).failure == nil)
            #expect(try storeContent(store, database: "db") == model)
            try store.flush()
            #expect(try storeContent(store, database: "db") == model)
            let b2 = telemetryBatch(guns: 0..<20, times: (50..<80).map { Int64($0) * 10_000_000_000 })
            modelApply(&model, b2)
            store.writeAndWait(database: "db", batch: b2)
            #expect(try storeContent(store, database: "db") == model)
            try store.close()
        }
        let reopened = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        #expect(try storeContent(reopened, database: "db") == model)
        try reopened.close()
    }

    @Test func lastWriteWinsAcrossSegmentsAndHead() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        func write(_ v: Double) {
            var b = WriteBatchBuilder()
            b.addPoint(measurement: "m", tags: ["k": "a"], timestamp: 1_000, fields: [("f", .float(v))])
            store.writeAndWait(database: "db", batch: b.finish())
        }
        func value() throws -> FieldValue? {
            try store.read(database: "db", measurement: "m").first?.columns.first?.value(at: 0)
        }
        write(1); try store.flush()
        write(2); try store.flush()
        #expect(try value() == .float(2))
        write(3)
        write(4)
        #expect(try value() == .float(4))
        try store.compact()
        #expect(try value() == .float(4))
        #expect(try store.read(database: "db", measurement: "m")[0].columns[0].count == 1)
        try store.close()
    }

    @Test func lateAndOutOfOrderRowsMergeAcrossPartitions() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var model: Model = [:]
        var rng = SplitMix64(seed: 42)
        let day: Int64 = 86_400_000_000_000
        let now: Int64 = 20_000 * day
        for round in 0..<6 {
            // Mostly current data, plus rows up to five days late, in shuffled order.
            var times = (0..<30).map { now + Int64(round * 30 + $0) * 10_000_000_000 }
            times += (0..<10).map { _ in now - Int64.random(in: 0..<(5 * day), using: &rng) }
            times.shuffle(using: &rng)
            let batch = telemetryBatch(guns: 0..<4, times: times, base: Double(round))
            modelApply(&model, batch)
            store.writeAndWait(database: "db", batch: batch)
            if round % 2 == 1 { try store.flush() }
        }
        #expect(try storeContent(store, database: "db") == model)
        let report = try store.report()
        #expect(report.databases[0].partitions.count >= 2)
        try store.compact()
        #expect(try storeContent(store, database: "db") == model)
        #expect(try store.report().databases[0].partitions.allSatisfy { $0.segments == 1 })
        try store.close()
        let reopened = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        #expect(try storeContent(reopened, database: "db") == model)
        try reopened.close()
    }

    /// Reads of sub-ranges across partitions written in reverse time order, rewritten rows and
    /// the head (blocks reaching past the range, parts combined per field): each range gives
    /// exactly the model's rows in it, newest write winning.
    @Test func rangeReadsAcrossPartitionsSegmentsAndHead() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var model: Model = [:]
        let day: Int64 = 86_400_000_000_000, hour: Int64 = 3_600_000_000_000
        let start = 20_000 * day
        func write(_ times: [Int64], base: Double, flush: Bool) throws {
            let batch = telemetryBatch(guns: 0..<3, times: times, base: base)
            modelApply(&model, batch)
            store.writeAndWait(database: "db", batch: batch)
            if flush { try store.flush() }
        }
        // The second day first, then the first day (older partition written later), then
        // rewrites across midnight (overlapping both), then rows left in the head.
        try write((0..<24).map { start + day + Int64($0) * hour }, base: 1, flush: true)
        try write((0..<24).map { start + Int64($0) * hour }, base: 2, flush: true)
        try write((20..<28).map { start + Int64($0) * hour }, base: 3, flush: true)
        try write((22..<26).map { start + Int64($0) * hour + 1 }, base: 4, flush: false)
        for compacted in [false, true] {
            if compacted { try store.compact() }
            for (lo, hi) in [(0, 48), (23, 25), (23, 48), (0, 25), (21, 27), (24, 24), (5, 6)] {
                let range = TimeRange(start: start + Int64(lo) * hour, end: start + Int64(hi) * hour)
                var want: Model = [:]
                for (key, fields) in model {
                    for (name, values) in fields {
                        for (t, v) in values where t >= range.start && t < range.end { want[key, default: [:]][name, default: [:]][t] = v }
                    }
                }
                var got: Model = [:]
                for series in try store.read(database: "db", measurement: "telemetry", range: range) {
                    for c in series.columns {
                        #expect(zip(c.timestamps, c.timestamps.dropFirst()).allSatisfy { $0 < $1 })
                        for i in 0..<c.count { got[series.key, default: [:]][c.name, default: [:]][c.timestamps[i]] = c.value(at: i) }
                    }
                }
                #expect(got == want, "hours \(lo)..<\(hi), compacted \(compacted)")
            }
        }
        try store.close()
    }

    /// Keys of a read come from every source, sorted and once each: two measurements in the
    /// same segments (only some series match, only their fields are columns) and the head.
    @Test func readKeysAndFieldsAcrossMeasurementsSegmentsAndHead() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        func write(_ m: String, _ k: String, _ field: String, _ t: Int64) {
            var b = WriteBatchBuilder()
            b.addPoint(measurement: m, tags: ["k": k], timestamp: t, fields: [(field, .float(Double(t)))])
            store.writeAndWait(database: "db", batch: b.finish())
        }
        write("a", "2", "x", 1); write("b", "1", "y", 1); write("a", "4", "x", 2)
        try store.flush()
        write("a", "1", "x", 3); write("a", "4", "x", 4); write("b", "3", "z", 3)
        try store.flush()
        write("a", "3", "w", 5); write("a", "2", "x", 6)
        let a = try store.read(database: "db", measurement: "a")
        #expect(a.map(\.key) == ["a,k=1", "a,k=2", "a,k=3", "a,k=4"])
        #expect(a.map { $0.columns.map(\.name) } == [["x"], ["x"], ["w"], ["x"]])
        #expect(a[1].columns[0].timestamps == [1, 6] && a[3].columns[0].timestamps == [2, 4])
        let b = try store.read(database: "db", measurement: "b")
        #expect(b.map(\.key) == ["b,k=1", "b,k=3"] && b.map { $0.columns.map(\.name) } == [["y"], ["z"]])
        #expect(Database.mergeSorted([[1], [3], [5]], [[2], [3], [6], [7]]) == [[1], [2], [3], [5], [6], [7]])
        #expect(Database.mergeSorted([], [[1, 2]]) == [[1, 2]] && Database.mergeSorted([[1], [1, 0]], [[1]]) == [[1], [1, 0]])
        try store.close()
    }

    @Test func fieldTypeConflictRejectsThePointOnly() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "m", tags: ["k": "a"], timestamp: 1, fields: [("f", .float(1))])
        b.addPoint(measurement: "m", tags: ["k": "b"], timestamp: 2, fields: [("f", .integer(1)), ("g", .boolean(true))])
        b.addPoint(measurement: "m", tags: ["k": "a"], timestamp: 3, fields: [("f", .float(2)), ("s", .string("x y"))])
        let outcome = store.writeAndWait(database: "db", batch: b.finish())
        #expect(outcome.rejected.map(\.pointIndex) == [1])
        #expect(outcome.rejected.first?.message.contains("field type conflict") == true)
        let series = try store.read(database: "db", measurement: "m")
        #expect(series.count == 1)
        #expect(series[0].rows().count == 2)
        #expect(series[0].columns.map(\.name) == ["f", "s"])
        try store.close()
    }

    @Test func timeRangeAndSeriesSelection() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<3, times: (0..<100).map { Int64($0) * 1_000 }))
        try store.flush()
        let all = try store.read(database: "db", measurement: "telemetry", range: TimeRange(start: 10_000, end: 20_000))
        #expect(all.count == 3)
        #expect(all.allSatisfy { $0.columns.allSatisfy { $0.timestamps.first == 10_000 && $0.timestamps.last == 19_000 } })
        let one = try store.read(database: "db", measurement: "telemetry", seriesKey: all[1].key, fields: ["soc"])
        #expect(one.count == 1 && one[0].columns.map(\.name) == ["soc"] && one[0].columns[0].count == 100)
        #expect(try store.read(database: "db", measurement: "other").isEmpty)
        try store.close()
    }

    @Test func secondWriterIsRefusedButReadOnlyOpens() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<2, times: [1, 2, 3]))
        #expect(throws: ChargelineError.self) { try Store(directory: dir.path, options: testOptions(), logger: quietLogger) }
        let reader = try Store(directory: dir.path, options: testOptions(), readOnly: true, logger: quietLogger)
        #expect(try storeContent(reader, database: "db").count == 2)
        try store.close()
    }

    @Test func invalidDatabaseNamesAreRejected() throws {
        for bad in ["", "a/b", "..", ".hidden", "x\0y"] {
            #expect(throws: ChargelineError.self) { try Store.validate(databaseName: bad) }
        }
        try Store.validate(databaseName: "telemetry_2026")
    }
}

@Suite struct StoreLimitsTests {
    @Test func timestampsOutsideStorablePartitionsAreRefusedNotFatal() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "m", tags: [:], timestamp: Int64.min + 2, fields: [("v", .float(1))])
        b.addPoint(measurement: "m", tags: [:], timestamp: 0, fields: [("v", .float(2))])
        b.addPoint(measurement: "m", tags: [:], timestamp: Int64.max - 1, fields: [("v", .float(3))])
        let outcome = store.writeAndWait(database: "db", batch: b.finish())
        #expect(outcome.rejected.map(\.pointIndex) == [0, 2])
        #expect(outcome.rejected.first?.message.contains("outside the storable range") == true)
        try store.flush()
        #expect(try store.read(database: "db", measurement: "m")[0].columns[0].count == 1)
        try store.close()
    }

    @Test func writersWaitForFlushesAndAllArriveUnderTinyMemoryLimits() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var options = StorageOptions()
        options.headFlushBytes = 64 << 10
        options.headHardLimitBytes = 128 << 10
        let store = try Store(directory: dir.path, options: options, logger: quietLogger)
        var model: Model = [:]
        let batches = (0..<40).map { round in
            telemetryBatch(guns: 0..<50, times: (0..<10).map { Int64(round * 10 + $0) * 1_000_000_000 })
        }
        for b in batches { modelApply(&model, b) }
        let group = DispatchGroup()
        for b in batches {
            group.enter()
            store.write(database: "db", batch: b) { outcome in
                precondition(outcome.failure == nil && outcome.rejected.isEmpty)
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 60) == .success, "queued writes were never admitted")
        #expect(try storeContent(store, database: "db") == model)
        #expect(try store.report().databases[0].partitions.reduce(0) { $0 + $1.segments } > 1, "the limits forced flushes")
        try store.close()
    }
}

import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// `Database.latest` (newest point per series and field from metadata) must answer exactly as
/// a full scan does, whatever the data went through: late and out-of-order writes,
/// overwrites at the same timestamp, flushes, compactions, retention drops and restarts.
@Suite struct DatabaseLatestTests {
    static let day: Int64 = 86_400_000_000_000
    static let base: Int64 = 20_000 * day
    static let fields = ["code", "soc", "voltage", "missing"]

    /// The reference: every value scanned and decoded, the last one in range kept.
    static func scanned(_ db: Database, keys: [[UInt8]], range: TimeRange) throws -> [[LatestPoint?]] {
        try db.scan(keys: keys, fields: fields, range: range).map { s in
            try s.fields.map { f -> LatestPoint? in
                guard let f else { return nil }
                let d = try f.decodeAll()
                guard d.count > 0 else { return nil }
                return LatestPoint(time: d.timestamps[d.count - 1], value: d.value(at: d.count - 1))
            }
        }
    }

    /// Random points for `guns` guns over three daily partitions; some fields missing, some
    /// timestamps repeated (overwrites).
    static func batch(_ rng: inout SplitMix64, round: Int, guns: Int = 6) -> WriteBatch {
        var b = WriteBatchBuilder()
        for _ in 0..<40 {
            let g = Int.random(in: 0..<guns, using: &rng)
            // Whole seconds in a small set, so the same timestamp is written again later.
            let t = base + Int64.random(in: 0..<(3 * 86_400 / 600), using: &rng) * 600_000_000_000
            var fields: [(String, FieldValue)] = [("voltage", .float(Double(round * 1000 + Int.random(in: 0..<1000, using: &rng))))]
            if Bool.random(using: &rng) { fields.append(("soc", .integer(Int64(round)))) }
            if Int.random(in: 0..<4, using: &rng) == 0 { fields.append(("code", .string("E\(round)-\(g)"))) }
            b.addPoint(measurement: "telemetry", tags: ["gun": "\(g)"], timestamp: t, fields: fields)
        }
        return b.finish()
    }

    static func keys(guns: Int = 7) -> [[UInt8]] {
        (0..<guns).map { Array("telemetry,gun=\($0)".utf8) }  // gun 6 is never written
    }

    static func ranges(_ rng: inout SplitMix64) -> [TimeRange] {
        var out: [TimeRange] = [.all, TimeRange(start: base + day, end: base + 2 * day)]
        for _ in 0..<6 {
            let a = base + Int64.random(in: -day..<(4 * day), using: &rng)
            let b = a + Int64.random(in: 1..<(2 * day), using: &rng)
            out.append(TimeRange(start: a, end: b))
        }
        return out
    }

    static func check(_ db: Database, _ rng: inout SplitMix64, _ when: String) throws {
        for range in ranges(&rng) {
            let want = try scanned(db, keys: keys(), range: range)
            let flat = try db.latest(keys: keys(), fields: fields, range: range)
            let got = stride(from: 0, to: flat.count, by: fields.count).map { Array(flat[$0..<($0 + fields.count)]) }
            #expect(got == want, "\(when), range \(range.start)..<\(range.end)")
        }
    }

    @Test func matchesAScanThroughWritesFlushesCompactionRetentionAndRestart() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var rng = SplitMix64(seed: 7)
        var store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        for round in 0..<12 {
            store.writeAndWait(database: "db", batch: Self.batch(&rng, round: round))
            let db = try #require(store.openDatabase("db"))
            try Self.check(db, &rng, "round \(round) before flush")
            if round % 3 == 2 { try store.flush() }
            if round == 5 { _ = try store.compact() }
            if round == 8 {
                // A restart with data in the head: the WAL replays it.
                try store.close()
                store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
            }
            try Self.check(try #require(store.openDatabase("db")), &rng, "round \(round)")
        }
        // Retention drops the newest partition: the latest points fall back to older ones.
        try store.flush()
        let db = try #require(store.openDatabase("db"))
        try db.dropPartition(Self.base + 2 * Self.day)
        try Self.check(db, &rng, "after dropping the newest partition")
        let all = try db.latest(keys: Self.keys(), fields: Self.fields, range: .all)
        #expect(all.contains { $0 != nil })
        #expect(all.allSatisfy { $0 == nil || $0!.time < Self.base + 2 * Self.day })
        try store.close()
        store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        try Self.check(try #require(store.openDatabase("db")), &rng, "after restart")
        try store.close()
    }

    @Test func lateWriteOlderThanTheNewestPointLeavesItAndSameTimeOverwriteReplacesIt() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        func write(_ t: Int64, _ v: Double) {
            var b = WriteBatchBuilder()
            b.addPoint(measurement: "telemetry", tags: ["gun": "0"], timestamp: t, fields: [("voltage", .float(v))])
            store.writeAndWait(database: "db", batch: b.finish())
        }
        let key = [Array("telemetry,gun=0".utf8)]
        func latest() throws -> LatestPoint? {
            try #require(store.openDatabase("db")).latest(keys: key, fields: ["voltage"], range: .all)[0]
        }
        write(Self.base + 100, 1)
        try store.flush()
        write(Self.base + 50, 2)  // late: older than the flushed point
        #expect(try latest() == LatestPoint(time: Self.base + 100, value: .float(1)))
        write(Self.base + 100, 3)  // same time, in the head: the newer write wins
        #expect(try latest() == LatestPoint(time: Self.base + 100, value: .float(3)))
        try store.flush()  // now both in segments: the later segment wins
        #expect(try latest() == LatestPoint(time: Self.base + 100, value: .float(3)))
        _ = try store.compact()
        #expect(try latest() == LatestPoint(time: Self.base + 100, value: .float(3)))
        try store.close()
    }
}

import ChargelineCore
@testable import ChargelineReports
@testable import ChargelineStorage
import Foundation
import Testing
import ChargelineTestSupport

/// The usage rollup extension: a store without it registered writes no `usage_*` fields and
/// the same generic ones; with it, exactly the `usage_*` fields of docs/format.md; its reach
/// (the max gap) marks the hour before a late row stale.
@Suite struct UsageRollupExtensionTests {
    static let second: Int64 = 1_000_000_000
    static let hour: Int64 = 3600 * second
    static let t0: Int64 = 20_400 * 24 * hour  // a UTC midnight

    static func options(usage: Bool) -> StorageOptions {
        var o = StorageOptions()
        o.backgroundMaintenance = false
        o.rollup.grace = 0
        if usage { UsageRollupExtension.register(in: &o.rollup) } else { o.rollup.counters = ["energy"] }
        return o
    }

    static func temporaryPath() -> String {
        let path = NSTemporaryDirectory() + "chargeline-usage-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Rollup rows as (series, bucket) -> field -> value.
    static func rollups(_ store: Store) throws -> [String: [String: FieldValue]] {
        var out: [String: [String: FieldValue]] = [:]
        for s in try store.readRollup(database: "db", rollup: "1h", measurement: "telemetry") {
            for row in s.rows() {
                for (c, v) in zip(s.columns, row.values) where v != nil { out["\(s.key)@\(row.timestamp)", default: [:]][c.name] = v }
            }
        }
        return out
    }

    /// One gun over two hours (times in seconds after t0): status 3 at 0 and 60, 2 at 120,
    /// 3 at 1800 (a session start, held 300 s: the next sample is past the max gap), 1 (fault)
    /// at 3540 held to 3660 (60 s in the hour, 60 s past it), 2 at 3660; voltage x current
    /// 400 V x 100 A at 60 (no power there: 40 kW), power 50 kW beside 500 V x 200 A at 1800.
    static func batch() -> WriteBatch {
        var b = WriteBatchBuilder()
        func add(_ s: Int64, _ fields: [(String, FieldValue)]) {
            b.addPoint(measurement: "telemetry", tags: ["gun": "1"], timestamp: t0 + s * second, fields: fields)
        }
        add(0, [("status", .integer(3))])
        add(60, [("status", .integer(3)), ("voltage", .float(400)), ("current", .float(100))])
        add(120, [("status", .integer(2))])
        add(1800, [("status", .integer(3)), ("power", .float(50)), ("voltage", .float(500)), ("current", .float(200))])
        add(3540, [("status", .integer(1))])
        add(3660, [("status", .integer(2))])
        // Another measurement: the extension does not apply to it.
        b.addPoint(measurement: "weather", tags: ["site": "a"], timestamp: t0, fields: [("status", .integer(3))])
        return b.finish()
    }

    @Test func withoutTheExtensionNoUsageFieldsWithItExactlyTheDocumentedOnes() throws {
        var rows: [Bool: [String: [String: FieldValue]]] = [:]
        var weather: [Bool: [String]] = [:]
        for usage in [false, true] {
            let path = Self.temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let store = try Store(directory: path, options: Self.options(usage: usage))
            defer { try? store.close() }
            #expect(store.writeAndWait(database: "db", batch: Self.batch()).failure == nil)
            _ = try store.runRollups(now: Self.t0 + 3 * Self.hour)
            rows[usage] = try Self.rollups(store)
            weather[usage] = try store.readRollup(database: "db", rollup: "1h", measurement: "weather").flatMap { $0.columns.map(\.name) }
        }
        let without = try #require(rows[false]), with = try #require(rows[true])
        let h0 = "telemetry,gun=1@\(Self.t0)", h1 = "telemetry,gun=1@\(Self.t0 + Self.hour)"
        #expect(Set(without.keys) == [h0, h1] && Set(with.keys) == [h0, h1])
        #expect(!without.values.contains { $0.keys.contains { $0.hasPrefix("usage_") } }, "no extension, no usage fields")
        #expect(weather[true] == weather[false] && weather[true]?.contains { $0.hasPrefix("usage_") } == false)
        // The generic aggregates are the same either way.
        for key in [h0, h1] {
            #expect(with[key]?.filter { !$0.key.hasPrefix("usage_") } == without[key], "\(key)")
        }
        func usage(_ key: String) -> [String: FieldValue] { with[key]?.filter { $0.key.hasPrefix("usage_") } ?? [:] }
        let s = Self.second
        #expect(usage(h0) == [
            "usage_charging_ns": .integer(420 * s), "usage_charging_spill_ns": .integer(0),
            "usage_fault_ns": .integer(60 * s), "usage_fault_spill_ns": .integer(60 * s),
            "usage_online_ns": .integer(180 * s), "usage_online_spill_ns": .integer(60 * s),
            "usage_session_starts": .integer(1), "usage_max_gap": .integer(300 * s), "usage_vc_peak_kw": .float(40),
        ])
        #expect(usage(h1) == [
            "usage_charging_ns": .integer(0), "usage_charging_spill_ns": .integer(0),
            "usage_fault_ns": .integer(0), "usage_fault_spill_ns": .integer(0),
            "usage_online_ns": .integer(0), "usage_online_spill_ns": .integer(0),
            "usage_session_starts": .integer(0), "usage_max_gap": .integer(300 * s),
        ])
    }

    /// A row just past the watermark cuts short the held time of the last sample before it
    /// (the extension's reach, the max gap): it marks that hour stale and enters the late log,
    /// which survives a restart; the recomputed hour has the shorter spill.
    @Test func rowJustPastTheWatermarkMarksTheHourBeforeAndTheLateLog() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = "telemetry,gun=1"
        func point(_ t: Int64) -> WriteBatch {
            var b = WriteBatchBuilder()
            b.addPoint(measurement: "telemetry", tags: ["gun": "1"], timestamp: t, fields: [("status", .integer(3))])
            return b.finish()
        }
        let minute: Int64 = 60_000_000_000
        let h1 = Self.t0 + Self.hour, w = Self.t0 + 2 * Self.hour
        do {
            let store = try Store(directory: path, options: Self.options(usage: true))
            for m in stride(from: Int64(0), to: 120, by: 1) { store.writeAndWait(database: "db", batch: point(Self.t0 + m * minute + 30_000_000_000)) }
            _ = try store.runRollups(now: w)
            func spill() throws -> FieldValue? { try Self.rollups(store)["\(key)@\(h1)"]?["usage_charging_spill_ns"] }
            // The last sample (01:59:30) had no successor: it holds 5 minutes, 4.5 past the hour.
            #expect(try spill() == .integer(270 * 1_000_000_000))
            #expect(store.lateData(database: "db", after: 0) == LateDataSnapshot(watermark: w, bucket: Self.hour, buckets: [], sequence: 0))
            store.writeAndWait(database: "db", batch: point(w + 2 * minute))  // 02:02, not before the watermark
            #expect(store.lateData(database: "db", after: 0)?.buckets == [h1])
            #expect(store.rollupCoverage(database: "db")?.covers(Array(key.utf8), bucketStart: h1) == false)
            _ = try store.runRollups(now: w)
            #expect(try spill() == .integer(120 * 1_000_000_000))
            try store.flush()
            try store.close()
        }
        let store = try Store(directory: path, options: Self.options(usage: true))
        #expect(store.lateData(database: "db", after: 0) == LateDataSnapshot(watermark: w, bucket: Self.hour, buckets: [h1], sequence: 1))
        #expect(store.lateData(database: "db", after: 1)?.buckets == [])
        try store.close()
    }

    /// The raw path and the extension take the same rules: a store registered with other rules
    /// (another max gap) does not answer a report of the default ones from rollups.
    @Test func rollupsAnswerOnlyReportsOfTheRegisteredRules() throws {
        var o = Self.options(usage: false)
        UsageRollupExtension.register(in: &o.rollup, rules: DailyUsageRules(maxGap: 120 * Self.second))
        #expect(UsageRollupExtension.registered(in: o.rollup)?.rules.maxGap == 120 * Self.second)
        #expect(o.rollup.counters.contains("energy"))
        var again = o.rollup
        UsageRollupExtension.register(in: &again)
        #expect(again.extensions.count == 1 && UsageRollupExtension.registered(in: again)?.rules == DailyUsageRules())
        #expect(again != o.rollup)
    }
}

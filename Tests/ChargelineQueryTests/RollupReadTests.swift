import ChargelineCore
import ChargelineQuery
import ChargelineStorage
import Foundation
import Logging
import Testing
import ChargelineTestSupport

/// Transparent reads: aggregates read from hourly rollups (where materialised and not stale)
/// plus raw data (edges, stale buckets, the unmaterialised tail) equal the same aggregates
/// read from raw data alone; ranges whose raw data retention dropped still answer; explicit
/// `FROM "1h"."telemetry"` reads rollup rows.
@Suite struct RollupReadTests {
    static let hour: Int64 = 3_600_000_000_000
    static let day: Int64 = 86_400_000_000_000
    static let t0: Int64 = 20_412 * day  // 2025-11-20T00:00:00Z, a UTC midnight

    /// A store with rollups (grace 0) and no background maintenance.
    final class Fixture {
        let path = NSTemporaryDirectory() + "chargeline-rollupq-" + UUID().uuidString
        let store: Store
        let rollups: QueryEngine
        let raw: QueryEngine

        init(retention: RetentionPolicy = RetentionPolicy()) throws {
            var o = StorageOptions()
            o.backgroundMaintenance = false
            o.rollup.grace = 0
            o.rollup.counters = ["energy"]  // the test data's cumulative register
            o.retention.defaultPolicy = retention
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            store = try Store(directory: path, options: o, logger: logger)
            rollups = QueryEngine(store: store)
            raw = QueryEngine(store: store, useRollups: false)
        }

        func write(_ batch: WriteBatch) throws {
            if let f = store.writeAndWait(database: "db", batch: batch).failure { throw f }
        }

        deinit {
            try? store.close()
            try? FileManager.default.removeItem(atPath: path)
        }
    }


    /// Irregular telemetry (20-40 s apart, occasional gaps) of `guns` guns on 3 piles in 2
    /// stations over [from, to): float temperature and energy, integer status and soc.
    static func telemetry(seed: UInt64, guns: Range<Int>, from: Int64, to: Int64, every: ClosedRange<Int64> = 20...40) -> WriteBatch {
        var rng = SplitMix64(seed: seed)
        var b = WriteBatchBuilder()
        for g in guns {
            var t = from + Int64.random(in: 0..<30, using: &rng) * 1_000_000_000 + Int64.random(in: 0..<1_000_000, using: &rng)
            var energy = Double(Int.random(in: 0..<1000, using: &rng))
            while t < to {
                energy += Double(Int.random(in: 0..<50, using: &rng)) / 10
                b.addPoint(measurement: "telemetry",
                           tags: ["station": "S\(g % 2)", "pile": "P\(g % 3)", "gun": "\(g)"], timestamp: t,
                           fields: [("temperature", .float(Double(Int.random(in: -200...900, using: &rng)) / 10 + 0.05)),
                                    ("energy", .float(energy)),
                                    ("status", .integer(Int64.random(in: 0...3, using: &rng))),
                                    ("soc", .integer(Int64.random(in: -5...100, using: &rng)))])
                t += Int.random(in: 0..<150, using: &rng) == 0 ? Int64.random(in: 600...5_400, using: &rng) * 1_000_000_000
                                                               : Int64.random(in: every, using: &rng) * 1_000_000_000 + 7
            }
        }
        return b.finish()
    }

    /// Same series, columns and values; floats may differ in the last bits where summation
    /// order differs (sum, mean), everything else exactly.
    static func expectSame(_ a: [StatementResult], _ b: [StatementResult], _ query: String) {
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.error == nil && y.error == nil, "\(query): \(x.error ?? y.error ?? "")")
            #expect(x.series.count == y.series.count, "\(query): \(x.series.count) vs \(y.series.count) series")
            for (s, r) in zip(x.series, y.series) {
                #expect(s.name == r.name && s.tags == r.tags && s.columns == r.columns, "\(query)")
                #expect(s.values.count == r.values.count, "\(query) \(s.tags): \(s.values.count) vs \(r.values.count) rows")
                for (row1, row2) in zip(s.values, r.values) {
                    for (c, (v1, v2)) in zip(row1, row2).enumerated() {
                        let loose = ["sum", "mean"].contains { s.columns[c].hasPrefix($0) }
                        if case .float(let d1) = v1, case .float(let d2) = v2, loose {
                            #expect(abs(d1 - d2) <= 1e-9 * max(1, abs(d1)), "\(query) \(s.tags) \(s.columns[c]): \(d1) vs \(d2)")
                        } else {
                            #expect(v1 == v2, "\(query) \(s.tags) \(row1[0]) \(s.columns[c]): \(v1) vs \(v2)")
                        }
                    }
                }
            }
        }
    }

    static func rfc(_ t: Int64) -> String { "'" + CivilTime(nanoseconds: t).rfc3339 + "'" }

    static let aggregates = ["count", "sum", "mean", "min", "max", "spread", "first", "last"]

    // MARK: - Equality with raw

    @Test(arguments: [UInt64(1), 2, 3])
    func rollupsPlusRawEqualRaw(seed: UInt64) throws {
        let f = try Fixture()
        // 60 hours of data, in segments; rollups up to hour 48; then late rows in hours 0-40
        // (in the head) make some buckets stale; hours 48-60 are not materialised.
        try f.write(Self.telemetry(seed: seed, guns: 0..<6, from: Self.t0, to: Self.t0 + 60 * Self.hour))
        try f.store.flush()
        let report = try f.store.runRollups(database: "db", now: Self.t0 + 48 * Self.hour)
        #expect(report.first?.report.watermark == Self.t0 + 48 * Self.hour)
        try f.write(Self.telemetry(seed: seed &+ 100, guns: 1..<4, from: Self.t0 + 5 * Self.hour, to: Self.t0 + 40 * Self.hour,
                                   every: 3_000...9_000))
        let from = Self.t0 + 30 * 60_000_000_000 + 123, to = Self.t0 + 59 * Self.hour + 20 * 60_000_000_000
        let range = "time >= \(Self.rfc(from)) AND time < \(Self.rfc(to))"
        var queries: [String] = []
        for fn in Self.aggregates {
            for field in ["temperature", "status"] {
                queries.append("SELECT \(fn)(\(field)) FROM telemetry WHERE \(range) GROUP BY time(1h), pile")
                queries.append("SELECT \(fn)(\(field)) FROM telemetry WHERE \(range) GROUP BY time(1d) tz('Asia/Shanghai')")
            }
        }
        queries.append("SELECT count(energy), mean(energy), spread(energy), first(soc), last(soc), min(soc), max(soc), sum(soc) FROM telemetry WHERE \(range) AND station = 'S1' GROUP BY time(2h, 1h), gun fill(none)")
        queries.append("SELECT max(temperature) - min(temperature), mean(soc) FROM telemetry WHERE \(range) GROUP BY time(1d), station fill(0)")
        for q in queries {
            let a = try f.rollups.execute(q, database: "db", now: Self.t0 + 61 * Self.hour)
            let b = try f.raw.execute(q, database: "db", now: Self.t0 + 61 * Self.hour)
            Self.expectSame(a, b, q)
            #expect(a[0].statistics.rollupRows > 0, "\(q) did not read rollups: \(a[0].statistics)")
            #expect(b[0].statistics.rollupRows == 0)
        }
    }

    // MARK: - Retention

    @Test func answersFromRollupsWhereRetentionDroppedRaw() throws {
        let f = try Fixture(retention: RetentionPolicy(raw: Self.day))
        try f.write(Self.telemetry(seed: 7, guns: 0..<4, from: Self.t0, to: Self.t0 + 3 * Self.day))
        // A gun that only reported on the first day: after retention only its rollups remain.
        try f.write(Self.telemetry(seed: 8, guns: 9..<10, from: Self.t0, to: Self.t0 + 20 * Self.hour))
        try f.store.flush()
        _ = try f.store.runRollups(database: "db", now: Self.t0 + 3 * Self.day)
        let range = "time >= \(Self.rfc(Self.t0)) AND time < \(Self.rfc(Self.t0 + 3 * Self.day))"
        let queries = [
            "SELECT max(temperature), count(temperature), first(status), last(status) FROM telemetry WHERE \(range) GROUP BY time(1h), gun",
            "SELECT spread(energy), mean(soc), sum(status) FROM telemetry WHERE \(range) GROUP BY time(1d), station tz('Asia/Shanghai')",
        ]
        let now = Self.t0 + 3 * Self.day
        let before = try queries.map { q in try f.raw.execute(q, database: "db", now: now) }
        for (q, want) in zip(queries, before) { Self.expectSame(try f.rollups.execute(q, database: "db", now: now), want, q) }

        let actions = try f.store.applyRetention(database: "db", now: now, dryRun: false)
        #expect(actions.filter { $0.kind == .drop && $0.tier == "raw" }.count == 2, "\(actions)")
        for (q, want) in zip(queries, before) {
            let got = try f.rollups.execute(q, database: "db", now: now)
            Self.expectSame(got, want, q)
            #expect(got[0].series.contains { $0.tags.contains(ResultSeries.Tag("gun", "9")) } || !q.contains("gun"))
            // Raw data alone no longer answers the first two days.
            #expect(try f.raw.execute(q, database: "db", now: now) != want, "\(q)")
        }
    }

    // MARK: - Which path

    @Test func readsRawWhereRollupsDoNotAnswerExactly() throws {
        let f = try Fixture()
        try f.write(Self.telemetry(seed: 11, guns: 0..<3, from: Self.t0, to: Self.t0 + 30 * Self.hour))
        _ = try f.store.runRollups(database: "db", now: Self.t0 + 30 * Self.hour)
        let range = "time >= \(Self.rfc(Self.t0)) AND time < \(Self.rfc(Self.t0 + 30 * Self.hour))"
        let rawOnly = [
            "SELECT max(temperature) FROM telemetry WHERE \(range) AND temperature > 10 GROUP BY time(1h)",  // field condition
            "SELECT max(temperature) FROM telemetry WHERE \(range) GROUP BY time(30m)",                    // not whole hours
            "SELECT max(temperature) FROM telemetry WHERE \(range) GROUP BY time(1h, 30m)",                // offset
            "SELECT max(temperature) FROM telemetry WHERE \(range) GROUP BY time(1d) tz('Asia/Kolkata')",   // +05:30
            "SELECT median(temperature) FROM telemetry WHERE \(range) GROUP BY time(1h)",                  // not in rollups
            "SELECT max(temperature), median(soc) FROM telemetry WHERE \(range) GROUP BY time(1h)",        // all or none
            "SELECT max(temperature) FROM telemetry WHERE \(range)",                                       // no GROUP BY time
        ]
        for q in rawOnly {
            let a = try f.rollups.execute(q, database: "db", now: Self.t0 + 31 * Self.hour)
            #expect(a[0].error == nil, "\(q): \(a[0].error ?? "")")
            #expect(a[0].statistics.rollupRows == 0, "\(q): \(a[0].statistics)")
            Self.expectSame(a, try f.raw.execute(q, database: "db", now: Self.t0 + 31 * Self.hour), q)
        }
        // Without a lower time bound, buckets start at the first point, rollups or raw.
        let unbounded = "SELECT max(temperature), count(soc) FROM telemetry WHERE time < \(Self.rfc(Self.t0 + 30 * Self.hour)) GROUP BY time(1h), gun"
        let u = try f.rollups.execute(unbounded, database: "db", now: Self.t0 + 31 * Self.hour)
        #expect(u[0].statistics.rollupRows > 0, "\(u[0].statistics)")
        Self.expectSame(u, try f.raw.execute(unbounded, database: "db", now: Self.t0 + 31 * Self.hour), unbounded)
        let q = "SELECT max(temperature) FROM telemetry WHERE \(range) GROUP BY time(1h)"
        let r = try f.rollups.execute(q, database: "db", now: Self.t0 + 31 * Self.hour)[0].statistics
        // At most 3 guns x 30 hours (fewer where a gap spans an hour), one field, nothing decoded.
        #expect(r.rollupRows > 60 && r.rollupRows <= 90 && r.pointsDecoded == 0 && r.path == "rollups", "\(r)")
    }

    // MARK: - Explicit access

    @Test func explicitRetentionPolicyReadsRollupRows() throws {
        let f = try Fixture()
        try f.write(Self.telemetry(seed: 21, guns: 0..<2, from: Self.t0, to: Self.t0 + 3 * Self.hour))
        _ = try f.store.runRollups(database: "db", now: Self.t0 + 3 * Self.hour)
        let now = Self.t0 + 4 * Self.hour
        func run(_ q: String) throws -> StatementResult { try f.rollups.execute(q, database: "db", now: now)[0] }

        let rows = try run("SELECT temperature_max, temperature_count FROM \"1h\".\"telemetry\" WHERE gun = '0'")
        #expect(rows.error == nil, "\(rows.error ?? "")")
        #expect(rows.series.first?.columns == ["time", "temperature_max", "temperature_count"])
        #expect(rows.series.first?.values.count == 3)
        let viaDB = try run("SELECT temperature_max, temperature_count FROM \"db\".\"1h\".\"telemetry\" WHERE gun = '0'")
        #expect(viaDB == rows)
        // The hourly max from rollup rows is the raw hourly max.
        let raw = try run("SELECT max(temperature) FROM \"autogen\".telemetry WHERE gun = '0' AND time >= \(Self.rfc(Self.t0)) AND time < \(Self.rfc(Self.t0 + 3 * Self.hour)) GROUP BY time(1h)")
        #expect(raw.series.first?.values.map { $0[1] } == rows.series.first?.values.map { $0[1] })

        let policies = try run("SHOW RETENTION POLICIES")
        #expect(policies.series.first?.values.map { $0[0] } == [.string("autogen"), .string("1h")])
        let fields = try run("SHOW FIELD KEYS FROM \"1h\".\"telemetry\"")
        let names = fields.series.first?.values.map { $0[0] } ?? []
        #expect(names.contains(.string("temperature_mean")) && names.contains(.string("energy_increase")) && names.contains(.string("soc_sum")))
        #expect(fields.series.first?.values.first { $0[0] == .string("soc_sum") }?[1] == .string("integer"))
        let unknown = try run("SELECT * FROM \"5m\".\"telemetry\"")
        #expect(unknown.error?.contains("retention policy \"5m\" not found") == true, "\(unknown.error ?? "")")
    }
}

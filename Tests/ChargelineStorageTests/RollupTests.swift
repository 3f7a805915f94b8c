import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Rollups equal raw aggregation; late rows change exactly their buckets; retention never
/// drops what rollups do not cover; an interrupted run resumes to the same result.
@Suite struct RollupTests {
    static let hour: Int64 = 3_600_000_000_000
    static let day: Int64 = 86_400_000_000_000
    static let t0: Int64 = 20_400 * day  // a UTC midnight

    func options() -> StorageOptions {
        var o = testOptions()
        o.rollup.grace = 0
        return o
    }

    /// Irregular samples with jitter, gaps and counter resets for a few guns over `hours`.
    func randomBatch(seed: UInt64, guns: Int, hours: Int, start: Int64 = t0) -> WriteBatch {
        var rng = SplitMix64(seed: seed)
        var b = WriteBatchBuilder()
        for g in 0..<guns {
            var t = start + Int64.random(in: 0..<60_000_000_000, using: &rng)
            var energy = Double(Int.random(in: 0..<1000, using: &rng))
            let end = start + Int64(hours) * Self.hour
            while t < end {
                energy += Double(Int.random(in: 0..<50, using: &rng)) / 10
                if Int.random(in: 0..<200, using: &rng) == 0 { energy = 0 }  // meter reset
                b.addPoint(measurement: "telemetry", tags: ["gun": "\(g)"], timestamp: t,
                           fields: [("voltage", .float(Double(Int.random(in: 3800...4100, using: &rng)) / 10)),
                                    ("energy", .float(energy)), ("status", .integer(Int64.random(in: 0...3, using: &rng)))])
                // 10 s +- 1 s, with an occasional gap of up to 20 minutes.
                t += Int.random(in: 0..<100, using: &rng) == 0 ? Int64.random(in: 60...1_200, using: &rng) * 1_000_000_000
                                                               : Int64.random(in: 9_000...11_000, using: &rng) * 1_000_000
            }
        }
        return b.finish()
    }

    /// Rollup rows as (series, bucket) -> field -> value. Storage alone registers no extension
    /// (UsageRollupExtensionTests checks the reports module's, RollupDailyReaderTests that
    /// reports from rollups equal reports from raw).
    func rollups(_ store: Store) throws -> [String: [String: FieldValue]] {
        var out: [String: [String: FieldValue]] = [:]
        for s in try store.readRollup(database: "db", rollup: "1h", measurement: "telemetry") {
            for row in s.rows() {
                for (c, v) in zip(s.columns, row.values) where v != nil { out["\(s.key)@\(row.timestamp)", default: [:]][c.name] = v }
            }
        }
        return out
    }

    /// An independent reference: the definitions in RollupBucket's documentation, from raw rows.
    func reference(_ store: Store) throws -> [String: [String: FieldValue]] {
        var out: [String: [String: FieldValue]] = [:]
        for s in try store.read(database: "db", measurement: "telemetry") {
            for c in s.columns {
                let ts = c.timestamps
                let vs = (0..<c.count).map { c.value(at: $0).doubleValue! }
                var i = 0
                while i < ts.count {
                    let h = ts[i] - ((ts[i] % Self.hour) + Self.hour) % Self.hour
                    var j = i
                    while j < ts.count && ts[j] < h + Self.hour { j += 1 }
                    var row: [String: FieldValue] = [:]
                    let name = c.name
                    let slice = Array(vs[i..<j])
                    row["\(name)_count"] = .integer(Int64(j - i))
                    if c.type == .integer {
                        let ints = (i..<j).map { Int64(bitPattern: c.bits(at: $0)) }
                        row["\(name)_sum"] = .integer(ints.reduce(0, &+))
                        row["\(name)_min"] = .integer(ints.min()!)
                        row["\(name)_max"] = .integer(ints.max()!)
                        row["\(name)_first"] = .integer(ints.first!)
                        row["\(name)_last"] = .integer(ints.last!)
                    } else {
                        row["\(name)_sum"] = .float(slice.reduce(0, +))
                        row["\(name)_min"] = .float(slice.min()!)
                        row["\(name)_max"] = .float(slice.max()!)
                        row["\(name)_first"] = .float(slice.first!)
                        row["\(name)_last"] = .float(slice.last!)
                    }
                    row["\(name)_first_time"] = .integer(ts[i])
                    row["\(name)_last_time"] = .integer(ts[j - 1])
                    let prev = i > 0 && ts[i - 1] >= h - Self.hour ? i - 1 : nil
                    var weighted = 0.0, covered: Int64 = 0, increase = 0.0
                    if let p = prev { weighted += vs[p] * Double(ts[i] - h); covered += ts[i] - h }
                    for k in i..<j {
                        let holdEnd = k + 1 < j ? ts[k + 1] : h + Self.hour
                        weighted += vs[k] * Double(holdEnd - ts[k]); covered += holdEnd - ts[k]
                        if let a = k > i ? vs[k - 1] : prev.map({ vs[$0] }) { increase += vs[k] >= a ? vs[k] - a : vs[k] }
                    }
                    row["\(name)_mean"] = .float(weighted / Double(covered))
                    if name == "energy" { row["\(name)_increase"] = .float(increase) }
                    out["\(s.key)@\(h)", default: [:]].merge(row) { _, b in b }
                    i = j
                }
            }
        }
        return out
    }

    func assertClose(_ a: [String: [String: FieldValue]], _ b: [String: [String: FieldValue]]) {
        #expect(a.count == b.count, "bucket rows: \(a.count) vs \(b.count)")
        for (k, row) in b {
            guard let got = a[k] else { Issue.record("missing rollup row \(k)"); continue }
            #expect(Set(got.keys) == Set(row.keys), "\(k): fields differ")
            for (f, v) in row {
                switch (got[f], v) {
                case (.float(let x)?, .float(let y)):
                    #expect(abs(x - y) <= 1e-9 * max(1, abs(y)), "\(k) \(f): \(x) vs \(y)")
                default:
                    #expect(got[f] == v, "\(k) \(f)")
                }
            }
        }
    }

    @Test func rollupsEqualRawAggregationOnRandomData() throws {
        for seed: UInt64 in [1, 2, 3] {
            let dir = TempDirectory(); defer { dir.cleanup() }
            let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
            store.writeAndWait(database: "db", batch: randomBatch(seed: seed, guns: 3, hours: 30))
            if seed == 2 { try store.flush() }
            let report = try store.runRollups(now: Self.t0 + 40 * Self.hour)
            #expect(report[0].report.bucketsWritten > 80)
            assertClose(try rollups(store), try reference(store))
            try store.close()
        }
    }

    /// Enough series that a run splits them over threads (parts of contiguous series, each
    /// with its own batches): the same rows as the raw aggregation, every bucket written once.
    @Test func aRunOverManySeriesSplitAcrossThreadsEqualsRawAggregation() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        defer { try? store.close() }
        store.writeAndWait(database: "db", batch: randomBatch(seed: 9, guns: 48, hours: 5))
        let report = try store.runRollups(now: Self.t0 + 8 * Self.hour)[0].report
        #expect(report.bucketsWritten == 48 * 5)
        let got = try rollups(store)
        #expect(got.count == 48 * 5)
        assertClose(got, try reference(store))
    }

    /// A stored raw field whose name leaves no room for the rollup's suffixes (line protocol
    /// refuses it now; a store may hold one from before) is left out of the rollup instead of
    /// stopping the process; the series' other fields are rolled up.
    @Test func aFieldNameTooLongForRollupColumnsIsLeftOut() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        defer { try? store.close() }
        let long = String(repeating: "f", count: 65_530)  // + "_integral" is past 65,535
        var b = WriteBatchBuilder()
        for i in 0..<3 {
            b.addPoint(measurement: "m", tags: [:], timestamp: Self.t0 + Int64(i) * 60_000_000_000,
                       fields: [(long, .float(Double(i))), ("voltage", .float(400))])
        }
        store.writeAndWait(database: "db", batch: b.finish())
        let report = try store.runRollups(now: Self.t0 + 2 * Self.hour)
        #expect(report[0].report.bucketsWritten == 1)
        let rows = try store.readRollup(database: "db", rollup: "1h", measurement: "m", fields: ["voltage_count", long + "_min"])
        #expect(rows.first?.columns.map(\.name) == ["voltage_count"])
    }

    /// One point with 10,922 fields in a past hour: its rollup row has 6 columns per field
    /// plus 5 shared ones (65,537), more than one point can carry. The hourly rollup stopped
    /// the process on it, at every restart; the row is now split over points of the same
    /// series and hour, stored, flushed and read back whole.
    @Test func aRowWithMoreColumnsThanOnePointHoldsIsSplit() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        var b = WriteBatchBuilder()
        let fields = (0..<10_922).map { ("f\($0)", FieldValue.float(Double($0))) }
        b.addPoint(measurement: "m", tags: [:], timestamp: Self.t0 + 60_000_000_000, fields: fields)
        store.writeAndWait(database: "db", batch: b.finish())
        let report = try store.runRollups(now: Self.t0 + 2 * Self.hour)
        #expect(report[0].report.bucketsWritten == 1)
        // The rollup database flushes its 65,537-column series to a segment and reads it back.
        try store.close()
        store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        defer { try? store.close() }
        let rows = try store.readRollup(database: "db", rollup: "1h", measurement: "m",
                                        fields: ["f0_max", "f10921_max", "f10921_count", "f5000_mean"])
        let row = try #require(rows.first?.rows().first)
        #expect(row.timestamp == Self.t0)
        #expect(rows[0].columns.map(\.name) == ["f0_max", "f10921_count", "f10921_max", "f5000_mean"])
        #expect(row.values.map { $0 } == [.float(0), .integer(1), .float(10_921), .float(5_000)])
    }

    /// One point at 1970 and the rest today: the first run walked every hour between them
    /// (500,000 empty hours, 16 s); it now reads only the hours samples reach.
    @Test func aRunStepsOverTheEmptyHoursBetweenFarApartPoints() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        defer { try? store.close() }
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "m", tags: [:], timestamp: 0, fields: [("v", .float(1))])
        for i in 0..<3 {
            b.addPoint(measurement: "m", tags: [:], timestamp: Self.t0 + Int64(i) * 60_000_000_000, fields: [("v", .float(2))])
        }
        store.writeAndWait(database: "db", batch: b.finish())
        var report = try store.runRollups(now: Self.t0 + 2 * Self.hour)[0].report
        // A day's chunk at each end (the one at 1970 and the one before now).
        #expect(report.bucketsVisited <= 2 * 24 + 2, "visited \(report.bucketsVisited) hours")
        #expect(report.bucketsWritten == 2)
        #expect(report.watermark == Self.t0 + 2 * Self.hour)
        let rows = try store.readRollup(database: "db", rollup: "1h", measurement: "m", fields: ["v_count"])
        #expect(rows.first?.rows().map(\.timestamp) == [0, Self.t0])
        // The same from segments (spans known by the manifest), after a backfill of all of it.
        try store.flush()
        report = try store.runRollups(now: Self.t0 + 2 * Self.hour, backfill: TimeRange(start: 0, end: Self.t0 + Self.hour))[0].report
        #expect(report.bucketsVisited <= 2 * 24 + 2, "visited \(report.bucketsVisited) hours")
        // Below the watermark, so rewritten: recomputed, not new.
        #expect(report.bucketsRecomputed == 2)
        #expect(report.bucketsWritten == 0)
    }

    @Test func rowsThreeDaysLateChangeExactlyTheirBuckets() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        store.writeAndWait(database: "db", batch: randomBatch(seed: 7, guns: 4, hours: 4 * 24))
        try store.flush()
        let now = Self.t0 + 4 * Self.day + Self.hour
        _ = try store.runRollups(now: now)
        let before = try rollups(store)

        // Gun 2's pile uploads a buffered minute from 3 days ago (inside hour h).
        let h = Self.t0 + 25 * Self.hour
        var late = WriteBatchBuilder()
        for k in 0..<6 {
            late.addPoint(measurement: "telemetry", tags: ["gun": "2"], timestamp: h + 30 * 60_000_000_000 + Int64(k) * 10_000_000_000 + 5_000_000,
                          fields: [("voltage", .float(500)), ("energy", .float(1)), ("status", .integer(1))])
        }
        store.writeAndWait(database: "db", batch: late.finish())
        let report = try store.runRollups(now: now)
        #expect(report[0].report.bucketsWritten == 0)
        #expect(report[0].report.bucketsRecomputed == 2, "the late hour and the next one, nothing else")
        let after = try rollups(store)
        let changed = Set(after.keys.filter { after[$0] != before[$0] })
        #expect(changed.isSubset(of: ["telemetry,gun=2@\(h)", "telemetry,gun=2@\(h + Self.hour)"]))
        #expect(changed.contains("telemetry,gun=2@\(h)"))
        assertClose(after, try reference(store))
        // The late marks were consumed.
        #expect(try store.report().databases[0].rollup?.staleBuckets == 0)
        try store.close()
    }

    /// Late rows for several guns, some with the same stale hours (read with one plan) and
    /// some with others, across two days: every recomputed bucket equals raw aggregation
    /// and buckets of guns without late rows stay as they were.
    @Test func lateRowsOfManyGunsRecomputeInGroups() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        store.writeAndWait(database: "db", batch: randomBatch(seed: 11, guns: 6, hours: 3 * 24))
        try store.flush()
        let now = Self.t0 + 3 * Self.day + Self.hour
        _ = try store.runRollups(now: now)
        let before = try rollups(store)

        // Guns 0, 1 and 2 upload the same hour (one group); gun 3 two hours a day apart; gun 4
        // the same hour as 0-2 plus another (a group of its own). Gun 5 sends nothing.
        let h = Self.t0 + 10 * Self.hour
        var late = WriteBatchBuilder()
        func add(_ gun: Int, _ hour: Int64) {
            for k in 0..<3 {
                late.addPoint(measurement: "telemetry", tags: ["gun": "\(gun)"], timestamp: hour + 20 * 60_000_000_000 + Int64(k) * 7_000_000_000 + 3_000_000,
                              fields: [("voltage", .float(470.5)), ("energy", .float(2.5)), ("status", .integer(3))])
            }
        }
        for g in 0..<3 { add(g, h) }
        add(3, h + 5 * Self.hour); add(3, h + 29 * Self.hour)
        add(4, h); add(4, h + 40 * Self.hour)
        store.writeAndWait(database: "db", batch: late.finish())
        let report = try store.runRollups(now: now)
        #expect(report[0].report.bucketsWritten == 0)
        // Each late hour marks itself and the next: 3 x 2 + 2 x 2 + 2 x 2.
        #expect(report[0].report.bucketsRecomputed == 14)
        let after = try rollups(store)
        assertClose(after, try reference(store))
        for key in before.keys where key.hasPrefix("telemetry,gun=5@") { #expect(after[key] == before[key]) }
        #expect(try store.report().databases[0].rollup?.staleBuckets == 0)
        try store.close()
    }

    @Test func lateMarksSurviveARestartBeforeTheRun() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        do {
            let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
            store.writeAndWait(database: "db", batch: randomBatch(seed: 9, guns: 2, hours: 10))
            _ = try store.runRollups(now: Self.t0 + 12 * Self.hour)
            store.writeAndWait(database: "db", batch: randomBatch(seed: 10, guns: 1, hours: 1, start: Self.t0 + 3 * Self.hour))
            try store.flush()  // the WAL holding the late rows is gone; the marks must be on disk
            try store.close()
        }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        #expect(try store.report().databases[0].rollup?.staleBuckets ?? 0 >= 1)
        _ = try store.runRollups(now: Self.t0 + 12 * Self.hour)
        assertClose(try rollups(store), try reference(store))
        try store.close()
    }

    /// A damaged segment stopped a whole retention pass (and a whole `chargeline compact`) at
    /// its partition, every time. It is now skipped and reported; the other partitions are
    /// processed.
    @Test func aDamagedPartitionIsSkippedAndReportedByRetentionAndCompaction() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var o = options()
        o.rollup.enabled = false
        o.retention.defaultPolicy = RetentionPolicy(raw: Self.day)
        let store = try Store(directory: dir.path, options: o, logger: quietLogger)
        defer { try? store.close() }
        store.writeAndWait(database: "db", batch: randomBatch(seed: 5, guns: 2, hours: 48))
        try store.flush()
        store.writeAndWait(database: "db", batch: randomBatch(seed: 6, guns: 2, hours: 48))
        try store.flush()
        // Cut the newest segment of the first day short: its footer is gone.
        let day0 = dir.path + "/db/partitions/" + FileNames.partition(start: Self.t0)
        let victim = try #require(FileIO.list(day0).last { $0.hasSuffix(FileNames.segmentSuffix) })
        let fd = try FileIO.open(day0 + "/" + victim, O_WRONLY)
        try FileIO.truncate(fd, to: 100, path: victim)
        FileIO.close(fd)
        #expect(throws: ChargelineError.self) { _ = try store.compact() }
        let day1 = dir.path + "/db/partitions/" + FileNames.partition(start: Self.t0 + Self.day)
        #expect(FileIO.list(day1).filter { $0.hasSuffix(FileNames.segmentSuffix) }.count == 1, "the good partition was compacted")
        let actions = try store.applyRetention(now: Self.t0 + 3 * Self.day, dryRun: false)
        #expect(actions.contains { $0.partition == FileNames.partition(start: Self.t0) && $0.kind == .keep && $0.reason.contains("could not be processed") })
        #expect(actions.contains { $0.partition == FileNames.partition(start: Self.t0 + Self.day) && $0.kind == .drop })
    }

    /// A damaged segment made every rollup run throw at the same chunk: the watermark never
    /// moved again. The damaged range is skipped and reported; the run goes on.
    @Test func aRollupRunSkipsAndReportsDamagedData() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        defer { try? store.close() }
        store.writeAndWait(database: "db", batch: randomBatch(seed: 7, guns: 2, hours: 24))
        try store.flush()
        store.writeAndWait(database: "db", batch: randomBatch(seed: 8, guns: 2, hours: 48, start: Self.t0 + Self.day))
        try store.flush()
        let day0 = dir.path + "/db/partitions/" + FileNames.partition(start: Self.t0)
        let victim = try #require(FileIO.list(day0).last { $0.hasSuffix(FileNames.segmentSuffix) })
        let fd = try FileIO.open(day0 + "/" + victim, O_WRONLY)
        try FileIO.truncate(fd, to: 100, path: victim)
        FileIO.close(fd)
        let report = try store.runRollups(now: Self.t0 + 3 * Self.day)[0].report
        // Day 0, and day 1 whose first hour reads day 0's last sample.
        #expect(report.problems.count == 2)
        #expect(report.problems.first?.contains(victim) == true)
        #expect(report.watermark == Self.t0 + 3 * Self.day)
        #expect(try rollups(store).keys.contains { $0.hasSuffix("@\(Self.t0 + 2 * Self.day)") }, "day 2 is rolled up")
    }

    @Test func retentionNeverDropsWhatRollupsDoNotCover() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var o = options()
        o.retention.defaultPolicy = RetentionPolicy(raw: Self.day)
        let store = try Store(directory: dir.path, options: o, logger: quietLogger)
        store.writeAndWait(database: "db", batch: randomBatch(seed: 11, guns: 2, hours: 72))
        let now = Self.t0 + 3 * Self.day + Self.hour
        // Before any rollup run: past retention, but nothing is rolled up, so nothing goes.
        let kept = try store.applyRetention(now: now, dryRun: false)
        #expect(kept.allSatisfy { $0.kind == .keep } && kept.count == 2)
        #expect(try store.report().databases[0].partitions.count == 3)
        _ = try store.runRollups(now: now)
        let dry = try store.applyRetention(now: now, dryRun: true)
        #expect(dry.filter { $0.kind == .drop }.count == 2)
        #expect(try store.report().databases[0].partitions.count == 3, "a dry run changes nothing")
        let done = try store.applyRetention(now: now, dryRun: false)
        #expect(done.filter { $0.kind == .drop }.count == 2)
        #expect(done.allSatisfy { $0.kind != .drop || ($0.rows > 0 && $0.bytes > 0) })
        let report = try store.report().databases[0]
        #expect(report.partitions.count == 1)
        #expect(report.rollup?.droppedPartitions == 2)
        // The rollups of the dropped days are still there.
        #expect(try rollups(store).keys.contains { $0.hasSuffix("@\(Self.t0)") })
        try store.close()
    }

    @Test func perMeasurementRetentionRewritesThePartition() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var o = options()
        o.retention.defaultPolicy = RetentionPolicy(raw: nil, measurements: ["debug": Self.hour])
        let store = try Store(directory: dir.path, options: o, logger: quietLogger)
        store.writeAndWait(database: "db", batch: randomBatch(seed: 12, guns: 2, hours: 5))
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "debug", tags: [:], timestamp: Self.t0 + 1, fields: [("x", .float(1))])
        store.writeAndWait(database: "db", batch: b.finish())
        let now = Self.t0 + 2 * Self.day
        _ = try store.runRollups(now: now)
        let actions = try store.applyRetention(now: now, dryRun: false)
        #expect(actions.map(\.kind) == [.rewrite])
        #expect(try store.read(database: "db", measurement: "debug").isEmpty)
        #expect(try store.read(database: "db", measurement: "telemetry").count == 2)
        try store.close()
    }

    @Test func anInterruptedRunResumesToTheSameRollups() throws {
        let source = TempDirectory(); defer { source.cleanup() }
        do {
            let store = try Store(directory: source.path, options: options(), logger: quietLogger)
            store.writeAndWait(database: "db", batch: randomBatch(seed: 21, guns: 3, hours: 4 * 24))
            try store.close()
        }
        let now = Self.t0 + 4 * Self.day
        // Uninterrupted run on one copy.
        let clean = TempDirectory(); defer { clean.cleanup() }
        try FileManager.default.removeItem(atPath: clean.path)
        try FileManager.default.copyItem(atPath: source.path, toPath: clean.path)
        let a = try Store(directory: clean.path, options: options(), logger: quietLogger)
        _ = try a.runRollups(now: now)
        let expected = try rollups(a)
        try a.close()

        // Another copy: the run "crashes" after its second day; the directory as it is then is
        // what a kill -9 leaves. Reopen that image and run again.
        let work = TempDirectory(); defer { work.cleanup() }
        let image = TempDirectory(); defer { image.cleanup() }
        try FileManager.default.removeItem(atPath: work.path)
        try FileManager.default.copyItem(atPath: source.path, toPath: work.path)
        let b = try Store(directory: work.path, options: options(), logger: quietLogger)
        struct Crash: Error {}
        b.openDatabase("db")!.rollupChunkHook = { done in
            if done >= 24 {
                try FileManager.default.removeItem(atPath: image.path)
                try FileManager.default.copyItem(atPath: work.path, toPath: image.path)
                throw Crash()
            }
        }
        #expect(throws: Crash.self) { try b.runRollups(now: now) }
        try? FileManager.default.removeItem(atPath: image.path + "/LOCK")
        let c = try Store(directory: image.path, options: options(), logger: quietLogger)
        let state = try c.report().databases[0].rollup
        #expect(state?.watermark != nil, "progress was persisted before the crash")
        _ = try c.runRollups(now: now)
        #expect(try rollups(c) == expected)
        try c.close()
        try b.close()
    }

    /// Five months of one meter at 1-minute samples: a run's chunks grow while they read
    /// little, so the fixed cost of a chunk (a read plan, a durable write of rows and state)
    /// is paid a few times, not once per day (150 times).
    @Test func aLongSparseSeriesIsRolledUpInFewChunks() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        defer { try? store.close() }
        let days: Int64 = 150
        var b = WriteBatchBuilder()
        // One sample every 20 minutes keeps the test small; what matters is the span.
        var t = Self.t0
        var energy = 0.0
        while t < Self.t0 + days * Self.day {
            energy += 0.5
            b.addPoint(measurement: "telemetry", tags: ["gun": "m1"], timestamp: t,
                       fields: [("voltage", .float(230 + Double(t / 1_200_000_000_000 % 7) / 10)), ("energy", .float(energy))])
            t += 1_200_000_000_000
        }
        store.writeAndWait(database: "db", batch: b.finish())
        try store.flush()
        var chunks = 0
        store.openDatabase("db")!.rollupChunkHook = { _ in chunks += 1 }
        let report = try store.runRollups(now: Self.t0 + days * Self.day)[0].report
        #expect(report.bucketsWritten == Int(days * 24))
        #expect(chunks <= 10, "\(chunks) chunks for \(days) days")
        assertClose(try rollups(store), try reference(store))
    }

    /// A run checks `isCancelled` between series, not only between chunks: a shutdown during
    /// a run over a day of many series waits for one series, not the whole day. The cancelled
    /// chunk leaves the watermark where it was; the next run produces the same rollups as an
    /// uninterrupted one.
    @Test func aRunStopsBetweenSeriesWhenCancelled() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        defer { try? store.close() }
        store.writeAndWait(database: "db", batch: randomBatch(seed: 5, guns: 4, hours: 6))
        let now = Self.t0 + 8 * Self.hour
        let asked = Asked()
        // The first answers: the chunk loop, then series 1 and 2; series 3 is cancelled.
        let cancelled = try store.runRollups(now: now, isCancelled: { asked.next() > 3 })[0].report
        #expect(cancelled.cancelled)
        #expect(cancelled.bucketsWritten == 0)
        #expect(cancelled.watermark == nil, "the cancelled chunk is not counted as done")
        #expect(asked.count <= 5, "asked \(asked.count) times")
        let report = try store.runRollups(now: now)[0].report
        #expect(!report.cancelled)
        #expect(report.bucketsWritten == 4 * 6)
        assertClose(try rollups(store), try reference(store))
    }
}

/// Counts the questions a run asks its `isCancelled` (asked from the run's threads).
private final class Asked: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    /// Counts one more question; returns how many so far.
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        n += 1
        return n
    }
    var count: Int {
        lock.lock(); defer { lock.unlock() }
        return n
    }
}

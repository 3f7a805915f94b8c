import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Rollup row layout 3 (docs/format/rollup-state.md, "Rollup rows"): the row's shared times are stored
/// once; in a row whose fields disagree only the fields that differ store their own times; a
/// rewritten row never reads times an older version left behind; rows of layout 1 still read.
@Suite struct RollupLayoutTests {
    static let hour: Int64 = 3_600_000_000_000
    static let t0: Int64 = 20_400 * 86_400_000_000_000
    static let key = "telemetry,gun=1"

    func open(_ dir: TempDirectory) throws -> Store {
        var o = testOptions()
        o.rollup.grace = 0
        return try Store(directory: dir.path, options: o, logger: quietLogger)
    }

    /// Points `(offset from t0 in s, [(field, value)])` of one series.
    func batch(_ points: [(Int64, [(String, Double)])]) -> WriteBatch {
        var b = WriteBatchBuilder()
        for (s, fields) in points {
            b.addPoint(measurement: "telemetry", tags: ["gun": "1"], timestamp: Self.t0 + s * 1_000_000_000,
                       fields: fields.map { ($0.0, FieldValue.float($0.1)) })
        }
        return b.finish()
    }

    /// Stored columns of the rollup database (no logical rebuilding) at bucket `start`.
    func stored(_ store: Store, at start: Int64) throws -> [String: FieldValue] {
        let child = try #require(store.allDatabases().first { $0.name == "db" }?.rollupChild)
        var out: [String: FieldValue] = [:]
        for s in try child.read(measurement: "telemetry", range: TimeRange(start: start, end: start + 1)) {
            for c in s.columns where c.count > 0 { out[c.name] = c.value(at: 0) }
        }
        return out
    }

    /// Logical rows through `readRollup` and through `scanRollup` (the query path), which must agree.
    func logical(_ store: Store, at start: Int64) throws -> [String: FieldValue] {
        var out: [String: FieldValue] = [:]
        for s in try store.readRollup(database: "db", rollup: "1h", measurement: "telemetry", range: TimeRange(start: start, end: start + 1)) {
            for c in s.columns where c.count > 0 { out[c.name] = c.value(at: 0) }
        }
        let names = out.keys.sorted()
        let scans = try store.scanRollup(database: "db", keys: [Array(Self.key.utf8)], fields: names, range: TimeRange(start: start, end: start + 1))
        for (name, f) in zip(names, scans[0].fields) {
            let data = try #require(try f?.decodeAll(), "\(name) missing from the scan")
            #expect(data.count == 1 && data.value(at: 0) == out[name], "\(name): scan \(data.count > 0 ? "\(data.value(at: 0))" : "-") vs read \(out[name]!)")
        }
        return out
    }

    func time(_ s: Int64) -> FieldValue { .integer(Self.t0 + s * 1_000_000_000) }

    @Test func sharedTimesAreStoredOncePerRow() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try open(dir)
        store.writeAndWait(database: "db", batch: batch([(10, [("a", 1.5), ("b", 2)]), (20, [("a", 2.5), ("b", 3)])]))
        _ = try store.runRollups(now: Self.t0 + Self.hour)
        let s = try stored(store, at: Self.t0)
        // Shared times as seconds after the bucket start (float-decimal keeps 10.0 as 10).
        #expect(s["_first_offset"] == .float(10) && s["_last_offset"] == .float(20) && s["_own_times"] == .integer(0))
        #expect(s["_count"] == .integer(2) && s["_covered"] == .integer(3590 * 1_000_000_000))
        #expect(s["a_first_time"] == nil && s["b_last_time"] == nil && s["a_count"] == nil && s["a_covered"] == nil)
        // Held 1.5 for 10 s and 2.5 for the remaining 3580 s; no earlier sample, so the
        // first 10 s are not covered. Stored exactly; the mean is derived on read.
        #expect(s["a_integral"] == .float(8965) && s["a_mean"] == nil)
        let l = try logical(store, at: Self.t0)
        #expect(l["a_first_time"] == time(10) && l["b_first_time"] == time(10) && l["a_last_time"] == time(20))
        #expect(l["a_sum"] == .float(4) && l["a_count"] == .integer(2) && l["_own_times"] == nil && l["_first_offset"] == nil)
        #expect(l["a_mean"] == .float(8965 * 1e9 / 3.59e12) && l["a_integral"] == nil && l["_covered"] == nil)
        try store.close()
    }

    @Test func offsetsGiveBackEveryNanosecond() {
        var rng = SplitMix64(seed: 5)
        let start = Self.t0 + 7 * Self.hour
        for _ in 0..<100_000 {
            let t = start + Int64.random(in: 0..<Self.hour, using: &rng)
            let x = RollupLayout.offset(t, start: start)
            #expect(x != nil && RollupLayout.time(offset: x!, start: start) == t)
        }
        // Millisecond-aligned offsets are short decimals (what the codec stores cheaply).
        #expect(RollupLayout.offset(start + 9_579_000_000, start: start) == 9.579)
        #expect(RollupLayout.offset(start + (1 << 51) - 1, start: start) != nil)
        #expect(RollupLayout.offset(start + (1 << 52), start: start) == nil)
        #expect(RollupLayout.time(offset: .nan, start: start) == nil && RollupLayout.time(offset: 1e300, start: start) == nil)
    }

    @Test func sumsAndCounterIncreasesAreExactDecimals() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try open(dir)
        // 0.1 -> 0.3 -> 0.1 (a meter reset) -> 0.7: increase 0.2 + 0.1 + 0.6 = 0.9 (a running
        // double sum gives 0.8999999999999999), sum 1.2.
        store.writeAndWait(database: "db", batch: batch([(10, [("energy", 0.1)]), (20, [("energy", 0.3)]),
                                                         (30, [("energy", 0.1)]), (40, [("energy", 0.7)])]))
        _ = try store.runRollups(now: Self.t0 + Self.hour)
        let s = try stored(store, at: Self.t0)
        #expect(s["energy_increase"] == .float(0.9) && s["energy_sum"] == .float(1.2))
        // Held 0.1 for 10 s, 0.3 for 10 s, 0.1 for 10 s, 0.7 for the 3560 s to the end.
        #expect(s["energy_integral"] == .float(2497))
        try store.close()
    }

    @Test func onlyFieldsThatDisagreeStoreTheirOwnTimes() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try open(dir)
        store.writeAndWait(database: "db", batch: batch([(10, [("a", 1), ("b", 2), ("c", 5)]), (20, [("a", 2), ("c", 6)])]))
        _ = try store.runRollups(now: Self.t0 + Self.hour)
        let s = try stored(store, at: Self.t0)
        // a and c agree: theirs are the row's times; b stores its own.
        #expect(s["_own_times"] == .integer(-1) && s["_first_offset"] == .float(10) && s["_last_offset"] == .float(20) && s["_count"] == .integer(2))
        #expect(s["a_count"] == .integer(0) && s["c_count"] == .integer(0) && s["a_first_offset"] == nil && s["a_covered"] == nil)
        #expect(s["b_count"] == .integer(1) && s["b_covered"] == .integer(3590 * 1_000_000_000))
        #expect(s["b_first_offset"] == .float(10) && s["b_last_offset"] == .float(10) && s["b_last_time"] == nil)
        let l = try logical(store, at: Self.t0)
        #expect(l["a_last_time"] == time(20) && l["b_last_time"] == time(10) && l["a_first_time"] == time(10) && l["c_last_time"] == time(20))
        #expect(l["a_count"] == .integer(2) && l["b_count"] == .integer(1) && l["b_mean"] == .float(2))
        #expect(l["b_first_offset"] == nil && l["a_covered"] == nil)
        try store.close()
    }

    @Test func aRewrittenMixedRowIgnoresOwnTimesAnOlderVersionLeft() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try open(dir)
        store.writeAndWait(database: "db", batch: batch([(10, [("a", 1), ("b", 2), ("c", 5)]), (20, [("a", 2), ("c", 6)])]))
        _ = try store.runRollups(now: Self.t0 + 2 * Self.hour)
        // Late: b at 20 s (now it has the row's times) and c at 30 s (now c differs); b's own
        // offsets (10 s) of the first version stay on disk.
        store.writeAndWait(database: "db", batch: batch([(20, [("b", 3)]), (30, [("c", 7)])]))
        let report = try store.runRollups(now: Self.t0 + 2 * Self.hour)
        #expect(report[0].report.bucketsRecomputed >= 1)
        try store.compact()
        let s = try stored(store, at: Self.t0)
        #expect(s["_own_times"] == .integer(-1) && s["b_count"] == .integer(0) && s["b_last_offset"] == .float(10) && s["c_count"] == .integer(3))
        let l = try logical(store, at: Self.t0)
        #expect(l["b_last_time"] == time(20) && l["b_count"] == .integer(2) && l["b_sum"] == .float(5))
        #expect(l["c_last_time"] == time(30) && l["c_count"] == .integer(3) && l["a_last_time"] == time(20))
        try store.close()
    }

    @Test func rowsOfLayoutTwoWithOwnTimesStillRead() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try open(dir)
        store.writeAndWait(database: "db", batch: batch([(10, [("a", 1)])]))
        _ = try store.runRollups(now: Self.t0 + Self.hour)
        // A row whose fields disagree as layout 2 wrote it: every field with its own times.
        var fields: [(String, FieldValue)] = [("_own_times", .integer(2))]
        for (f, n, last) in [("a", 2, Int64(20)), ("b", 1, Int64(10))] {
            fields += [(f + "_count", .integer(Int64(n))), (f + "_first_time", .integer(Self.t0 - Self.hour + 10_000_000_000)),
                       (f + "_last_time", .integer(Self.t0 - Self.hour + last * 1_000_000_000)), (f + "_covered", .integer(3_590_000_000_000)),
                       (f + "_sum", .float(2)), (f + "_min", .float(1)), (f + "_max", .float(1)), (f + "_first", .float(1)),
                       (f + "_last", .float(1)), (f + "_integral", .float(3590))]
        }
        try writeRollupRow(store, at: Self.t0 - Self.hour, fields)
        let old = try logical(store, at: Self.t0 - Self.hour)
        #expect(old["a_last_time"] == .integer(Self.t0 - Self.hour + 20_000_000_000) && old["b_count"] == .integer(1) && old["a_count"] == .integer(2))
        #expect(old["b_mean"] == .float(1))
        try store.close()
    }

    @Test func aRewrittenRowIgnoresTimesAnOlderVersionLeft() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try open(dir)
        store.writeAndWait(database: "db", batch: batch([(10, [("a", 1), ("b", 2)]), (20, [("a", 2)])]))
        _ = try store.runRollups(now: Self.t0 + 2 * Self.hour)
        // Late: b at 20 s as well, so both fields now share their times; the old own
        // b_last_time (10 s) stays on disk.
        store.writeAndWait(database: "db", batch: batch([(20, [("b", 3)])]))
        let report = try store.runRollups(now: Self.t0 + 2 * Self.hour)
        #expect(report[0].report.bucketsRecomputed >= 1)
        try store.compact()
        let s = try stored(store, at: Self.t0)
        #expect(s["_own_times"] == .integer(0) && s["b_last_offset"] == .float(10) && s["b_count"] == .integer(1))
        let l = try logical(store, at: Self.t0)
        #expect(l["b_last_time"] == time(20) && l["b_count"] == .integer(2) && l["b_sum"] == .float(5))
        // The rollup database keeps no block statistics (StorageOptions.blockStatistics).
        let child = try #require(store.allDatabases().first { $0.name == "db" }?.rollupChild)
        child.lock.lock()
        let segments = child.segmentSet.overlapping(.all)
        child.lock.unlock()
        let metas = try segments.flatMap { try $0.loadIndex().series.flatMap { $0.fields.flatMap(\.blocks) } }
        #expect(!metas.isEmpty && metas.allSatisfy { $0.flags == BlockMeta.noStats && $0.min == 0 && $0.sum == 0 && $0.last == 0 })
        try store.close()
    }

    @Test func rowsOfLayoutOneStillRead() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try open(dir)
        store.writeAndWait(database: "db", batch: batch([(10, [("a", 1)])]))
        _ = try store.runRollups(now: Self.t0 + Self.hour)
        // A row as the first release wrote it: every field with its own times, no `_own_times`.
        try writeRollupRow(store, at: Self.t0 - Self.hour,
                           [("a_count", .integer(1)), ("a_sum", .float(7)), ("a_min", .float(7)), ("a_max", .float(7)),
                            ("a_first", .float(7)), ("a_last", .float(7)), ("a_first_time", .integer(Self.t0 - 5)),
                            ("a_last_time", .integer(Self.t0 - 5)), ("a_mean", .float(7))])
        let old = try logical(store, at: Self.t0 - Self.hour)
        #expect(old["a_first_time"] == .integer(Self.t0 - 5) && old["a_mean"] == .float(7) && old["a_sum"] == .float(7))
        let new = try logical(store, at: Self.t0)
        #expect(new["a_first_time"] == time(10))
        let catalog = try #require(try store.rollupCatalog(database: "db", measurement: "telemetry"))
        #expect(catalog.fields["a_first_time"] == .integer && catalog.fields["_own_times"] == nil && catalog.fields["_first_offset"] == nil)
        try store.close()
    }
    /// Writes one hand-made row of gun 1 straight into the rollup database (as an older
    /// layout wrote it) and waits until it is applied.
    func writeRollupRow(_ store: Store, at timestamp: Int64, _ fields: [(String, FieldValue)]) throws {
        let child = try #require(store.allDatabases().first { $0.name == "db" }?.rollupChild)
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "telemetry", tags: ["gun": "1"], timestamp: timestamp, fields: fields)
        let done = DispatchSemaphore(value: 0)
        child.write(b.finish()) { _ in done.signal() }
        done.wait()
    }
}

import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// The one read path (`MergedReader`): reads, scans and `latest` through it must equal a
/// brute-force model (every write applied in order, the later one replacing the earlier at
/// the same series, field and timestamp), whatever mix of active head (open tails and sealed
/// chunks), frozen heads, segments, compactions, late points and overwrites holds the data;
/// and a query racing writes, flushes and compactions sees one consistent moment.
@Suite struct MergedReaderTests {
    static let day: Int64 = 86_400_000_000_000
    static let base: Int64 = 20_100 * day
    static let fields = ["code", "ok", "soc", "voltage"]
    static let guns = 4

    /// Random points over three daily partitions on a 60 s grid (so timestamps repeat:
    /// overwrites), in no time order (late points), some fields missing.
    /// With `clock`, in time order instead: each point one minute after the one before
    /// (`clock` counts the minutes), except that one in 150 goes back to a random earlier minute
    /// (a late point) and one in 150 repeats the newest minute (an overwrite of the newest): the
    /// head then seals most chunks in order, some out of order, and its tails are mostly
    /// strictly increasing (exact statistics) and sometimes not.
    static func batch(_ rng: inout SplitMix64, round: Int, points: Int, clock: UnsafeMutablePointer<Int64>? = nil) -> WriteBatch {
        var b = WriteBatchBuilder()
        for _ in 0..<points {
            let g = Int.random(in: 0..<guns, using: &rng)
            var minute = Int64.random(in: 0..<(3 * 1440), using: &rng)
            if let clock {
                switch Int.random(in: 0..<150, using: &rng) {
                case 0: minute = Int64.random(in: 0...clock.pointee, using: &rng)
                case 1: minute = clock.pointee
                default: clock.pointee += 1; minute = clock.pointee
                }
            }
            let t = base + minute * 60_000_000_000
            var fields: [(String, FieldValue)] = [("voltage", .float(Double(round * 10_000 + Int.random(in: 0..<10_000, using: &rng)) / 10))]
            if Int.random(in: 0..<3, using: &rng) > 0 { fields.append(("soc", .integer(Int64(round * 100 + g)))) }
            if Int.random(in: 0..<5, using: &rng) == 0 { fields.append(("code", .string("E\(round)-\(Int.random(in: 0..<9, using: &rng))"))) }
            if Bool.random(using: &rng) { fields.append(("ok", .boolean(Bool.random(using: &rng)))) }
            b.addPoint(measurement: "telemetry", tags: ["gun": "\(g)"], timestamp: t, fields: fields)
        }
        return b.finish()
    }

    static let keys: [[UInt8]] = (0...guns).map { Array("telemetry,gun=\($0)".utf8) }  // the last is never written

    static func ranges(_ rng: inout SplitMix64) -> [TimeRange] {
        var out: [TimeRange] = [.all]
        for _ in 0..<3 {
            let a = base + Int64.random(in: -day..<(4 * day), using: &rng)
            out.append(TimeRange(start: a, end: a + Int64.random(in: 1..<(2 * day), using: &rng)))
        }
        return out
    }

    /// The model's values of one series and field in `range`, by time.
    static func expected(_ model: Model, _ key: [UInt8], _ field: String, _ range: TimeRange) -> [(Int64, FieldValue)] {
        (model[String(decoding: key, as: UTF8.self)]?[field] ?? [:]).filter { range.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static func values(_ d: ColumnData) -> [(Int64, FieldValue)] {
        (0..<d.count).map { (d.timestamps[$0], d.value(at: $0)) }
    }

    static func same(_ a: [(Int64, FieldValue)], _ b: [(Int64, FieldValue)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    static func check(_ db: Database, _ model: Model, _ rng: inout SplitMix64, _ when: String) throws {
        for range in ranges(&rng) {
            let what = "\(when), range \(range.start &- base)..<\(range.end &- base)"
            // read / readMap
            var readKeys: [[UInt8]] = []
            for s in try db.read(measurement: "telemetry", range: range) {
                readKeys.append(s.keyBytes)
                for f in fields {
                    let got = s.columns.first { $0.name == f }.map { values($0.data) } ?? []
                    #expect(same(got, expected(model, s.keyBytes, f, range)), "read \(s.key) \(f): \(what)")
                }
            }
            let wantKeys = keys.filter { k in fields.contains { !expected(model, k, $0, range).isEmpty } }
            #expect(readKeys == wantKeys, "read keys: \(what)")
            // scan: disjoint ascending chunks whose values are the model's
            let scans = try db.scan(keys: keys, fields: fields, range: range)
            for (k, s) in scans.enumerated() {
                for (f, field) in s.fields.enumerated() {
                    let want = expected(model, keys[k], fields[f], range)
                    guard let field else { #expect(want.isEmpty, "scan \(k) \(fields[f]) missing: \(what)"); continue }
                    for (a, b) in zip(field.chunks, field.chunks.dropFirst()) { #expect(a.maxTime < b.minTime, "scan chunks overlap: \(what)") }
                    #expect(same(values(try field.decodeAll()), want), "scan \(k) \(fields[f]): \(what)")
                    // Statistics of a whole chunk inside the range agree with its values.
                    for c in field.chunks {
                        guard let s = c.exactStats else { continue }
                        let d = try c.decode()
                        let want = BlockMeta.stats(of: d, 0..<d.count, offset: 0, length: 0)
                        #expect(Int(s.count) == d.count && s.minTime == want.minTime && s.maxTime == want.maxTime
                                && s.min == want.min && s.max == want.max && s.sum == want.sum && s.first == want.first
                                && s.last == want.last && s.flags == want.flags, "chunk stats: \(what)")
                    }
                }
            }
            // latest
            let latest = try db.latest(keys: keys, fields: fields, range: range)
            for k in keys.indices {
                for f in fields.indices {
                    let want = expected(model, keys[k], fields[f], range).last.map { LatestPoint(time: $0.0, value: $0.1) }
                    #expect(latest[k * fields.count + f] == want, "latest \(k) \(fields[f]): \(what)")
                }
            }
            // newest time of any field (silent series): from metadata over all time, else from latest
            let newest = try db.newestTimes(keys: keys, fields: fields, range: range)
            for k in keys.indices {
                let want = fields.compactMap { expected(model, keys[k], $0, range).last?.0 }.max()
                #expect(newest[k] == want, "newest time \(k): \(what)")
            }
            // ... of some fields only: the others' newer points do not count
            for some in [["soc"], ["code", "ok"]] {
                let newest = try db.newestTimes(keys: keys, fields: some, range: range)
                for k in keys.indices {
                    let want = some.compactMap { expected(model, keys[k], $0, range).last?.0 }.max()
                    #expect(newest[k] == want, "newest time of \(some) \(k): \(what)")
                }
            }
        }
    }

    /// Seeds 1-4: random interleavings of writes, freezes (frozen heads held beside the active
    /// one), flushes, compactions and a restart, checked after every step.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func readsEqualABruteForceMergeOverEveryMixOfSources(seed: UInt64) throws {
        try Self.randomRounds(seed: seed, inTimeOrder: false)
    }

    /// Seeds 5-8: the same over telemetry as it usually arrives, in time order with some late
    /// points and overwrites of the newest, so the head's in-order chunks (found by binary
    /// search, the newest directly), its out-of-order chunks and its tails' statistics are all
    /// read beside each other and beside segments.
    @Test(arguments: [5, 6, 7, 8] as [UInt64])
    func readsInTimeOrderWithLatePointsEqualABruteForceMerge(seed: UInt64) throws {
        try Self.randomRounds(seed: seed, inTimeOrder: true)
    }

    static func randomRounds(seed: UInt64, inTimeOrder: Bool) throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var rng = SplitMix64(seed: seed)
        var store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var model: Model = [:]
        var sawSealed = false, sawFrozen = false, sawSegments = false
        var sawOrdered = false, sawLate = false, sawTailStats = false, sawTailWithoutStats = false
        let clock = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        defer { clock.deallocate() }
        clock.pointee = 0
        let tick = inTimeOrder ? clock : nil
        let first = Self.batch(&rng, round: 0, points: 200, clock: tick)
        modelApply(&model, first)
        store.writeAndWait(database: "db", batch: first)
        for round in 1..<28 {
            let op = Int.random(in: 0..<20, using: &rng)
            let db = try #require(store.openDatabase("db"))
            switch op {
            case 0..<13:
                // In time order, larger batches: a series' head column then seals several chunks.
                let points = inTimeOrder ? Int.random(in: 400..<1_200, using: &rng) : Int.random(in: 50..<400, using: &rng)
                let b = Self.batch(&rng, round: round, points: points, clock: tick)
                modelApply(&model, b)
                let outcome = store.writeAndWait(database: "db", batch: b)
                #expect(outcome.failure == nil && outcome.rejected.isEmpty)
            case 13..<16: db.freezeActiveHead()
            case 16..<18: try store.flush()
            case 18: _ = try store.compact()
            default:
                try store.close()
                store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
            }
            let current = try #require(store.openDatabase("db"))
            current.lock.lock()
            sawSealed = sawSealed || (0..<current.active.seriesCount).contains { si in current.active.columns(of: si).contains { !$0.sealed.isEmpty } }
            sawFrozen = sawFrozen || !current.frozen.isEmpty
            sawSegments = sawSegments || !current.segmentSet.partitions.isEmpty
            for si in 0..<current.active.seriesCount {
                for c in current.active.columns(of: si) {
                    sawOrdered = sawOrdered || c.ordered.count >= 2
                    sawLate = sawLate || !c.late.isEmpty
                    if let tail = c.snapshot().tail, c.type != .string {
                        if tail.stats != nil { sawTailStats = true } else { sawTailWithoutStats = true }
                    }
                }
            }
            current.lock.unlock()
            try Self.check(current, model, &rng, "seed \(seed) round \(round) op \(op)")
        }
        #expect(sawSealed && sawFrozen && sawSegments, "the mix must cover sealed chunks, frozen heads and segments")
        if inTimeOrder {
            #expect(sawOrdered && sawLate && sawTailStats && sawTailWithoutStats,
                    "in-order chunks \(sawOrdered), late chunks \(sawLate), tails with \(sawTailStats) and without \(sawTailWithoutStats) statistics")
        }
        try store.close()
    }

    /// Batch k writes every gun at `base + k s` and overwrites `base` with k, in one batch. A
    /// consistent read sees some prefix 1...m of the batches: every series and field holds
    /// exactly the times `base`, `base + 1 s` ... `base + m s` with `m` at `base`, the same m
    /// everywhere; a torn read (a frozen head gone before its segment appears, a head read
    /// half-way through a batch) shows a gap, a stray time or two values of m.
    @Test func aQueryRacingWritesFlushesAndCompactionsSeesOneMoment() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        let second: Int64 = 1_000_000_000
        let batches = 600
        @Sendable func batch(_ k: Int) -> WriteBatch {
            var b = WriteBatchBuilder()
            for g in 0..<Self.guns {
                for t in [Self.base, Self.base + Int64(k) * second] {
                    b.addPoint(measurement: "telemetry", tags: ["gun": "\(g)"], timestamp: t,
                               fields: [("a", .integer(Int64(k))), ("b", .float(Double(k)))])
                }
            }
            return b.finish()
        }
        store.writeAndWait(database: "db", batch: batch(1))
        let db = try #require(store.openDatabase("db"))
        let done = NSLock()
        nonisolated(unsafe) var finished = false
        let writer = Thread {
            for k in 2...batches {
                store.writeAndWait(database: "db", batch: batch(k))
                if k % 37 == 0 { try? store.flush() }
                if k % 101 == 0 { _ = try? store.compact() }
                if k % 53 == 0 { db.freezeActiveHead() }
            }
            done.lock(); finished = true; done.unlock()
        }
        writer.start()
        var reads = 0
        var lastM = 0
        while true {
            done.lock(); let stop = finished; done.unlock()
            // One moment per query: m from the overwritten point, and every series and field
            // agrees with it.
            var ms = Set<Int>()
            for s in try db.read(measurement: "telemetry", range: .all) {
                for c in s.columns {
                    let m = c.count - 1
                    ms.insert(m)
                    #expect(c.timestamps == (0...m).map { Self.base + Int64($0) * second }, "read \(s.key) \(c.name)")
                    #expect(c.value(at: 0) == (c.name == "a" ? .integer(Int64(m)) : .float(Double(m))), "read \(s.key) \(c.name) at base")
                }
            }
            #expect(ms.count == 1, "one read saw different batches in different series: \(ms)")
            let keys = Array(Self.keys.prefix(Self.guns))
            let latest = Set(try db.latest(keys: keys, fields: ["a", "b"], range: .all).map { p in p.map { Int(($0.time - Self.base) / second) } ?? -1 })
            #expect(latest.count == 1 && latest.min()! >= ms.min()!, "latest: \(latest) after read \(ms)")
            let scans = Set(try db.scan(keys: keys, fields: ["a"], range: TimeRange(start: Self.base, end: Self.base + 1)).map { s in
                Int(try s.fields[0]?.decodeAll().bits.first ?? 0)
            })
            #expect(scans.count == 1 && scans.min()! >= latest.min()!, "scan: \(scans) after latest \(latest)")
            // Queries are in order: a later one never sees fewer batches.
            #expect(ms.min()! >= lastM, "a later query saw fewer batches")
            lastM = scans.min()!
            reads += 1
            if stop { break }
        }
        #expect(reads > 1)
        let final = try db.read(measurement: "telemetry", range: .all)
        #expect(final.count == Self.guns && final.allSatisfy { $0.columns.allSatisfy { $0.count == batches + 1 } })
        try store.close()
    }
}

import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// `Database.scan` of many series (split over threads), with keys asked in and out of the
/// order the head snapshots keep them (position hints hit and miss), over series whose head
/// columns were created in different orders (the per-position name memos of the snapshot and
/// the reader miss and hit), must equal a brute-force model; so must `latest`.
@Suite struct DatabaseScanTests {
    static let day: Int64 = 86_400_000_000_000
    static let base: Int64 = 20_200 * day
    static let fields = ["a", "b", "c", "d"]
    static let series = 2 * Database.scanKeysPerThread + 44

    /// Every series in time order every 10 s; series `s` lists its fields rotated by `s % 4`
    /// and leaves one out now and then; one point in 100 is late, one in 100 repeats a time.
    static func batch(_ rng: inout SplitMix64, from step: Int, steps: Int) -> WriteBatch {
        var b = WriteBatchBuilder()
        for k in step..<(step + steps) {
            for s in 0..<series {
                var t = base + Int64(k) * 10_000_000_000
                switch Int.random(in: 0..<100, using: &rng) {
                case 0: t -= Int64.random(in: 1...Int64(k + 1), using: &rng) * 10_000_000_000
                case 1: t -= 10_000_000_000
                default: break
                }
                var values: [(String, FieldValue)] = []
                for j in 0..<fields.count {
                    let name = fields[(j + s) % fields.count]
                    if Int.random(in: 0..<20, using: &rng) == 0 { continue }
                    values.append((name, .float(Double(Int.random(in: 0..<100_000, using: &rng)) / 10)))
                }
                if values.isEmpty { values = [("a", .float(1))] }
                b.addPoint(measurement: "m", tags: ["s": String(format: "%04d", s)], timestamp: t, fields: values)
            }
        }
        return b.finish()
    }

    /// Per series and field, the model's points sorted by time.
    typealias Sorted = [String: [String: [(Int64, FieldValue)]]]

    static func sorted(_ model: Model) -> Sorted {
        model.mapValues { $0.mapValues { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } } }
    }

    static func expected(_ model: Sorted, _ key: [UInt8], _ field: String, _ range: TimeRange) -> [(Int64, FieldValue)] {
        (model[String(decoding: key, as: UTF8.self)]?[field] ?? []).filter { range.contains($0.0) }
    }

    static func check(_ db: Database, _ model: Sorted, keys: [[UInt8]], fields: [String], range: TimeRange, _ what: String) throws {
        let scans = try db.scan(keys: keys, fields: fields, range: range)
        #expect(scans.map(\.key) == keys, "scan keys in the order asked: \(what)")
        var mismatches = 0
        for (k, s) in scans.enumerated() {
            for (f, field) in s.fields.enumerated() {
                let want = expected(model, keys[k], fields[f], range)
                let got = try field.map { d in try d.decodeAll() }.map { d in (0..<d.count).map { (d.timestamps[$0], d.value(at: $0)) } } ?? []
                if got.count != want.count || !zip(got, want).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 }) { mismatches += 1 }
                for c in field?.chunks ?? [] {
                    guard let st = c.exactStats else { continue }
                    let d = try c.decode()
                    let w = BlockMeta.stats(of: d, 0..<d.count, offset: 0, length: 0)
                    if !(Int(st.count) == d.count && st.min == w.min && st.max == w.max && st.sum == w.sum && st.first == w.first
                         && st.last == w.last) { mismatches += 1 }
                }
            }
        }
        let latest = try db.latest(keys: keys, fields: fields, range: range)
        for k in keys.indices {
            for f in fields.indices where latest[k * fields.count + f] != expected(model, keys[k], fields[f], range).last.map({ LatestPoint(time: $0.0, value: $0.1) }) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "\(mismatches) series/fields differ from the model: \(what)")
    }

    @Test func aScanOfManySeriesInAndOutOfKeyOrderEqualsTheModel() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var rng = SplitMix64(seed: 21)
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var model: Model = [:]
        let keys = (0..<Self.series).map { Array("m,s=\(String(format: "%04d", $0))".utf8) }
        var step = 0
        for round in 0..<3 {
            let b = Self.batch(&rng, from: step, steps: 140)
            step += 140
            modelApply(&model, b)
            #expect(store.writeAndWait(database: "db", batch: b).failure == nil)
            if round == 1 { try store.flush() }  // segments below the head from then on
            let db = try #require(store.openDatabase("db"))
            let sortedModel = Self.sorted(model)
            let last = Self.base + Int64(step) * 10_000_000_000
            let ranges = [TimeRange.all, TimeRange(start: last - 3_600_000_000_000, end: last),
                          TimeRange(start: Self.base + 777_000_000_000, end: Self.base + 2_345_000_000_000)]
            for range in ranges {
                let what = "round \(round), range \(range.start &- Self.base)..<\(range.end &- Self.base)"
                try Self.check(db, sortedModel, keys: keys, fields: Self.fields, range: range, what + ", all fields, key order")
                try Self.check(db, sortedModel, keys: keys.reversed(), fields: ["c", "a"], range: range, what + ", two fields, reversed")
                var shuffled = keys
                shuffled.shuffle(using: &rng)
                try Self.check(db, sortedModel, keys: Array(shuffled.prefix(Self.series - 7)) + [Array("m,s=none".utf8)], fields: ["d"],
                               range: range, what + ", one field, shuffled")
            }
        }
        try store.close()
    }
}

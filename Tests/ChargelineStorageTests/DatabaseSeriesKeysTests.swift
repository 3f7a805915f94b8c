import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// `Database.seriesKeys` (series holding a value of some fields in a range, from the indexes)
/// must name exactly the series a full scan finds values for, through writes, flushes and
/// compaction.
@Suite struct DatabaseSeriesKeysTests {
    typealias L = DatabaseLatestTests

    /// The reference: the keys whose scan of `fields` decodes a value in `range`.
    static func scanned(_ db: Database, fields: [String], range: TimeRange) throws -> Set<[UInt8]> {
        let keys = L.keys()
        var out = Set<[UInt8]>()
        for (k, s) in try db.scan(keys: keys, fields: fields, range: range).enumerated() {
            if try s.fields.contains(where: { try ($0?.decodeAll().count ?? 0) > 0 }) { out.insert(keys[k]) }
        }
        return out
    }

    static func check(_ db: Database, _ rng: inout SplitMix64, _ when: String) throws {
        for range in L.ranges(&rng) {
            for fields in [["soc"], ["code", "soc"], ["voltage"], ["missing"]] {
                let got = try db.seriesKeys(measurement: "telemetry", holdingAnyOf: Set(fields), range: range)
                #expect(got == (try scanned(db, fields: fields, range: range)), "\(when), \(fields), range \(range.start)..<\(range.end)")
            }
        }
    }

    @Test func matchesAScanThroughWritesFlushesAndCompaction() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var rng = SplitMix64(seed: 9)
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        defer { try? store.close() }
        for round in 0..<9 {
            store.writeAndWait(database: "db", batch: L.batch(&rng, round: round))
            try Self.check(try #require(store.openDatabase("db")), &rng, "round \(round) before flush")
            if round % 3 == 2 { try store.flush() }
            if round == 5 { _ = try store.compact() }
            try Self.check(try #require(store.openDatabase("db")), &rng, "round \(round)")
        }
    }

    /// A block that starts before the range and ends after it is decoded: whether a value lies
    /// inside is not in its time span. Other measurements' series are not named.
    @Test func aBlockSpanningTheRangeIsLookedInto() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        defer { try? store.close() }
        let hour: Int64 = 3_600_000_000_000
        var b = WriteBatchBuilder()
        for (gun, times) in [("0", [1, 20]), ("1", [1, 5, 20])] {
            for t in times { b.addPoint(measurement: "telemetry", tags: ["gun": gun], timestamp: L.base + Int64(t) * hour, fields: [("soc", .integer(1))]) }
        }
        b.addPoint(measurement: "telemetry2", tags: ["gun": "0"], timestamp: L.base + 5 * hour, fields: [("soc", .integer(1))])
        store.writeAndWait(database: "db", batch: b.finish())
        try store.flush()
        let db = try #require(store.openDatabase("db"))
        func keys(_ from: Int64, _ to: Int64) throws -> [String] {
            try db.seriesKeys(measurement: "telemetry", holdingAnyOf: ["soc"], range: TimeRange(start: L.base + from * hour, end: L.base + to * hour))
                .map { String(decoding: $0, as: UTF8.self) }.sorted()
        }
        #expect(try keys(2, 10) == ["telemetry,gun=1"])
        #expect(try keys(2, 21) == ["telemetry,gun=0", "telemetry,gun=1"])
        #expect(try keys(0, 2) == ["telemetry,gun=0", "telemetry,gun=1"])
        #expect(try keys(21, 30) == [])
    }
}

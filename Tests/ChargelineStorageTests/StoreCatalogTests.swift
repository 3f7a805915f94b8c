import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// The catalog cache: a new series of another measurement keeps a measurement's cached
/// catalog, anything that changes the measurement's series or fields is seen at once.
@Suite struct StoreCatalogTests {
    static let base: Int64 = 1_795_132_800_000_000_000

    static func write(_ store: Store, _ measurement: String, tags: [String: String], fields: [(String, FieldValue)], at t: Int64) {
        var b = WriteBatchBuilder()
        b.addPoint(measurement: measurement, tags: tags, timestamp: t, fields: fields)
        store.writeAndWait(database: "db", batch: b.finish())
    }

    @Test func aNewSeriesOfAnotherMeasurementKeepsTheCatalog() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        for g in 1...3 { Self.write(store, "telemetry", tags: ["gun": "\(g)"], fields: [("temperature", .float(40))], at: Self.base) }
        let first = try #require(try store.catalog(database: "db", measurement: "telemetry"))
        // Alert history of a new instance: a new series in the same database.
        Self.write(store, "alerts", tags: ["rule": "GunOverheating", "gun": "2"], fields: [("state", .string("firing"))], at: Self.base)
        let again = try #require(try store.catalog(database: "db", measurement: "telemetry"))
        #expect(again === first, "a new series of `alerts` rebuilt the catalog of `telemetry`")
        // A new series of the measurement itself is in the next catalog.
        Self.write(store, "telemetry", tags: ["gun": "4"], fields: [("temperature", .float(41))], at: Self.base)
        let grown = try #require(try store.catalog(database: "db", measurement: "telemetry"))
        #expect(grown.series.count == 4)
        try store.close()
    }

    /// A new field of a series that exists: no new series anywhere, yet the next catalog knows it.
    @Test func aNewFieldOfAnExistingSeriesIsSeen() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        Self.write(store, "telemetry", tags: ["gun": "1"], fields: [("temperature", .float(40))], at: Self.base)
        #expect(try store.catalog(database: "db", measurement: "telemetry")?.fields.keys.sorted() == ["temperature"])
        Self.write(store, "telemetry", tags: ["gun": "1"], fields: [("voltage", .float(400))], at: Self.base + 1)
        #expect(try store.catalog(database: "db", measurement: "telemetry")?.fields.keys.sorted() == ["temperature", "voltage"])
        try store.close()
    }

    /// Random writes of new series and fields to two measurements, flushes and deletes (fixed
    /// seeds): after each step the cached catalog of either equals one built afresh.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func theCachedCatalogIsAlwaysAFreshOnes(seed: UInt64) throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var r = SplitMix64(seed: seed)
        func below(_ n: Int) -> Int { Int(r.next() % UInt64(n)) }
        let measurements = ["telemetry", "alerts"]
        Self.write(store, "telemetry", tags: ["gun": "0"], fields: [("f0", .float(0))], at: Self.base)
        let db = try #require(store.openDatabase("db"))
        for step in 0..<60 {
            let m = measurements[below(2)]
            switch below(10) {
            case 0: try store.flush()
            case 1:
                if let c = try store.catalog(database: "db", measurement: m), let s = c.series.first {
                    try store.delete(database: "db", measurement: m, seriesKeys: [s.key], range: .all)
                }
            default:
                Self.write(store, m, tags: ["gun": "\(below(12))"], fields: [("f\(below(4))", .float(Double(step)))],
                           at: Self.base + Int64(step))
            }
            for name in measurements {
                let cached = try #require(try store.catalog(database: "db", measurement: name))
                let fresh = try db.buildCatalog(measurement: name)
                #expect(cached.series.map(\.key) == fresh.series.map(\.key), "seed \(seed), step \(step), \(name): series")
                #expect(cached.fields == fresh.fields, "seed \(seed), step \(step), \(name): fields")
            }
        }
        try store.close()
    }
}

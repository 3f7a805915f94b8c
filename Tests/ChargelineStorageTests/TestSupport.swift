import ChargelineCore
import Foundation
import Logging
@testable import ChargelineStorage

/// A fresh temporary folder, removed by `cleanup()`.
struct TempDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "chargeline-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}


let quietLogger: Logger = {
    var l = Logger(label: "test")
    l.logLevel = .critical
    return l
}()

func testOptions() -> StorageOptions {
    var o = StorageOptions()
    o.backgroundMaintenance = false
    o.rollup.counters = ["energy"]  // the test data's cumulative register
    return o
}

/// One telemetry point for gun `g` at time `t` (ns) with values derived from `v`.
func telemetryBatch(guns: Range<Int>, times: [Int64], base: Double = 400) -> WriteBatch {
    var b = WriteBatchBuilder()
    for t in times {
        for g in guns {
            b.addPoint(measurement: "telemetry", tags: ["station": "S\(g / 10)", "pile": "P\(g / 2)", "gun": "\(g % 2 + 1)"],
                       timestamp: t,
                       fields: [("voltage", .float(base + Double(g) + Double(t % 1000) / 10)),
                                ("soc", .integer(Int64(g))), ("status", .integer(3))])
        }
    }
    return b.finish()
}

/// (series key, field, timestamp) -> value, for comparing a store's content with a model.
typealias Model = [String: [String: [Int64: FieldValue]]]

func modelApply(_ model: inout Model, _ batch: WriteBatch) {
    batch.forEachPoint { p in
        let key = String(decoding: p.seriesKey, as: UTF8.self)
        p.forEachField { f in model[key, default: [:]][f.nameString, default: [:]][p.timestamp] = f.value }
    }
}

func storeContent(_ store: Store, database: String, measurement: String = "telemetry") throws -> Model {
    var out: Model = [:]
    for s in try store.read(database: database, measurement: measurement) {
        for c in s.columns {
            var prev = Int64.min
            for i in 0..<c.count {
                precondition(c.timestamps[i] > prev, "timestamps not strictly increasing")
                prev = c.timestamps[i]
                out[s.key, default: [:]][c.name, default: [:]][c.timestamps[i]] = c.value(at: i)
            }
        }
    }
    return out
}

// In-process variant of Benchmarks/head/run.sh (no HTTP, no server build): writes generated
// telemetry into a Store, reports the head's bytes per value, runs the six operations queries
// on the live store (data in the head), then closes and reopens it (data in flushed segments)
// and runs them again, then compacts and runs them a third time. Built by inprocess.sh.
//
//   head-bench GUNS HOURS REPEAT DIR
import ChargelineCore
import ChargelineQuery
import ChargelineStorage
import Dispatch
import Foundation
import Logging

let args = CommandLine.arguments
let guns = Int(args[1])!, hours = Int(args[2])!, repeats = Int(args[3])!
let dir = args[4]
let step: Int64 = 10_000_000_000
let end: Int64 = 1_763_596_800_000_000_000 + Int64(hours) * 3_600_000_000_000
let start = end - Int64(hours) * 3_600_000_000_000

var options = StorageOptions()
options.backgroundMaintenance = false
options.fsync = .never

func rfc(_ t: Int64) -> String { CivilTime(nanoseconds: t).rfc3339 }

/// A fixed-seed random walk per gun: 1-decimal voltage/current/temperature, integer soc and
/// status, a growing energy counter.
struct Walk { var v = 400.0, i = 100.0, t = 40.0, e = 0.0, soc: Int64 = 20 }
nonisolated(unsafe) var state = [Walk](repeating: Walk(), count: guns)
nonisolated(unsafe) var seed: UInt64 = 42
func next() -> Double {
    seed = seed &* 6364136223846793005 &+ 1442695040888963407
    return Double(seed >> 11) / Double(1 << 53)
}
func batch(_ t: Int64) -> WriteBatch {
    var b = WriteBatchBuilder()
    for g in 0..<guns {
        var w = state[g]
        w.v = (w.v + (next() - 0.5) * 2).rounded(toPlaces: 1)
        w.i = max(0, (w.i + (next() - 0.5) * 10).rounded(toPlaces: 1))
        w.t = (w.t + (next() - 0.5)).rounded(toPlaces: 1)
        w.e = (w.e + w.v * w.i / 3.6e8).rounded(toPlaces: 3)
        if next() < 0.01 { w.soc = min(100, w.soc + 1) }
        state[g] = w
        b.addPoint(measurement: "telemetry",
                   tags: ["station": "S\(String(format: "%03d", g / 20))", "pile": "P\(String(format: "%06d", g / 2))", "gun": "\(g % 2 + 1)"],
                   timestamp: t,
                   fields: [("voltage", .float(w.v)), ("current", .float(w.i)), ("temperature", .float(w.t)), ("soc", .integer(w.soc)),
                            ("energy", .float(w.e)), ("power", .float((w.v * w.i / 1000).rounded(toPlaces: 2))), ("status", .integer(3))])
    }
    return b.finish()
}
extension Double { func rounded(toPlaces p: Int) -> Double { let m = pow(10, Double(p)); return (self * m).rounded() / m } }

let queries: [(String, String)] = [
    ("one pile hourly mean/max of 3 fields", "SELECT mean(voltage), max(voltage), mean(current), max(current), mean(temperature), max(temperature) FROM telemetry WHERE pile = 'P000023' AND time >= '\(rfc(start))' AND time < '\(rfc(end))' GROUP BY time(1h)"),
    ("last value of every field of every gun", "SELECT latest(*) FROM telemetry GROUP BY station, pile, gun"),
    ("every pile's hourly max temperature", "SELECT max(temperature) FROM telemetry WHERE time >= '\(rfc(start))' AND time < '\(rfc(end))' GROUP BY time(1h), pile"),
    ("guns over 85 C in the last hour", "SELECT max(temperature) FROM telemetry WHERE time >= '\(rfc(end - 3_600_000_000_000))' AND time < '\(rfc(end))' AND temperature > 45 GROUP BY pile, gun"),
    ("per-station daily energy", "SELECT sum(kwh) FROM (SELECT spread(energy) AS kwh FROM telemetry WHERE time >= '\(rfc(start))' AND time < '\(rfc(end))' GROUP BY time(1d), station, pile, gun) GROUP BY time(1d), station"),
    ("silent piles", "SHOW SILENT SERIES FROM telemetry FOR 10m GROUP BY pile"),
]

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }

func runQueries(_ store: Store) throws -> [Double] {
    let engine = QueryEngine(store: store)
    return try queries.map { _, q in
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try engine.execute(q, database: "bench", now: end)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return median(times)
    }
}

try? FileManager.default.removeItem(atPath: dir)
var store = try Store(directory: dir, options: options, logger: .init(label: "bench"))
let w0 = DispatchTime.now().uptimeNanoseconds
var t = start
while t < end {
    let outcome = store.writeAndWait(database: "bench", batch: batch(t))
    precondition(outcome.failure == nil && outcome.rejected.isEmpty, "write failed")
    t += step
}
let writeSeconds = Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9
let stats = store.statistics().first { $0.name == "bench" }!
print("wrote \(stats.headValues) values in \(String(format: "%.1f", writeSeconds)) s; head: \(stats.headBytes) bytes = "
      + String(format: "%.2f", Double(stats.headBytes) / Double(max(1, stats.headValues))) + " B/value")
let live = try runQueries(store)
try store.close()
store = try Store(directory: dir, options: options, logger: .init(label: "bench"))
let flushed = try runQueries(store)
_ = try store.compact()
let compacted = try runQueries(store)
try store.close()
print("query (median of \(repeats), ms)".padding(toLength: 42, withPad: " ", startingAt: 0) + "      live   flushed compacted")
for (k, (name, _)) in queries.enumerated() {
    print(name.padding(toLength: 42, withPad: " ", startingAt: 0) + String(format: " %9.2f %9.2f %9.2f", live[k], flushed[k], compacted[k]))
}
try? FileManager.default.removeItem(atPath: dir)

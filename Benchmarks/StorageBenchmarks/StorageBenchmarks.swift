// Storage write path: WAL append with group commit, head apply, and segment flush.
//
// Run with: CHARGELINE_BENCHMARKS=1 swift package benchmark --target StorageBenchmarks
//
// Every benchmark works on a fresh temporary folder and a 5,000-point batch of charging
// telemetry (7 fields per point, 35,000 values), the shape of one HTTP /write from a gateway.
import Benchmark
import ChargelineCore
import Dispatch
import Foundation
import Logging
import ChargelineStorage

/// Points per batch: one typical /write body.
let pointsPerBatch = 5_000

let valuesPerSecond = BenchmarkMetric.custom("values/s", polarity: .prefersLarger, useScalingFactor: false)

func telemetryBatch(round: Int) -> WriteBatch {
    var b = WriteBatchBuilder(reservingCapacity: pointsPerBatch * 200)
    for i in 0..<pointsPerBatch {
        let gun = i % 2_000
        b.addPoint(measurement: "telemetry",
                   tags: ["station": "S\(gun / 20)", "pile": "P\(gun / 2)", "gun": "\(gun % 2 + 1)"],
                   timestamp: 1_763_596_800_000_000_000 + Int64(round * 3 + i / 2_000) * 10_000_000_000,
                   fields: [("voltage", .float(400 + Double(i % 50) / 10)), ("current", .float(Double(i % 2_500) / 10)),
                            ("temperature", .float(30 + Double(i % 200) / 10)), ("soc", .integer(Int64(i % 100))),
                            ("energy", .float(Double(i) / 1_000)), ("power", .float(Double(i % 1_000) / 100)),
                            ("status", .integer(3))])
    }
    return b.finish()
}

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "chargeline-bench-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

let silent: Logger = {
    var l = Logger(label: "bench")
    l.logLevel = .critical
    return l
}()

func record(_ benchmark: Benchmark, values: Int, since start: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    if seconds > 0 { benchmark.measurement(valuesPerSecond, Int(Double(values) / seconds)) }
}

let benchmarks: @Sendable () -> Void = {
    let batches = (0..<8).map { telemetryBatch(round: $0) }

    // One writer waiting for each batch to be durable: the latency floor of a /write.
    Benchmark("WAL append, 1 writer, fsync always (5,000-point batch)",
              configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal, valuesPerSecond], maxDuration: .seconds(5))) { benchmark in
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let wal = try! WAL(directory: dir, firstID: 1, policy: .always, logger: silent)
        let start = ContinuousClock.now
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let done = DispatchSemaphore(value: 0)
            wal.append(batches[i % batches.count]) { _ in done.signal() }
            done.wait()
        }
        benchmark.stopMeasurement()
        record(benchmark, values: benchmark.scaledIterations.count * pointsPerBatch * 7, since: start)
        wal.close()
    }

    // Three writers with 8 batches in flight each: group commit shares one fsync among them.
    Benchmark("WAL append, 24 batches in flight, fsync always (group commit)",
              configuration: .init(metrics: [.wallClock, .throughput, valuesPerSecond], maxDuration: .seconds(5))) { benchmark in
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let wal = try! WAL(directory: dir, firstID: 1, policy: .always, logger: silent)
        let start = ContinuousClock.now
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let group = DispatchGroup()
            for k in 0..<24 {
                group.enter()
                wal.append(batches[k % batches.count]) { _ in group.leave() }
            }
            group.wait()
        }
        benchmark.stopMeasurement()
        record(benchmark, values: benchmark.scaledIterations.count * 24 * pointsPerBatch * 7, since: start)
        wal.close()
    }

    // Applying a batch to the in-memory head (series lookup, type check, column append).
    Benchmark("Head apply (5,000-point batch, 2,000 series)",
              configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal, valuesPerSecond], maxDuration: .seconds(5))) { benchmark in
        let head = Head()
        var schema = Schema()
        _ = head.apply(batches[0], schema: &schema)
        let start = ContinuousClock.now
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            blackHole(head.apply(batches[(i + 1) % batches.count], schema: &schema))
        }
        benchmark.stopMeasurement()
        record(benchmark, values: benchmark.scaledIterations.count * pointsPerBatch * 7, since: start)
    }

    // A whole store: write 40,000 points, then flush them to a segment (sort, encode, lz4, fsync).
    Benchmark("Store flush of 280,000 values (2,000 series)",
              configuration: .init(metrics: [.wallClock, .throughput, valuesPerSecond], maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var options = StorageOptions()
            options.backgroundMaintenance = false
            options.fsync = .never
            let store = try! Store(directory: dir, options: options, logger: silent)
            for b in batches { store.writeAndWait(database: "bench", batch: b) }
            let start = ContinuousClock.now
            benchmark.startMeasurement()
            try! store.flush()
            benchmark.stopMeasurement()
            record(benchmark, values: batches.count * pointsPerBatch * 7, since: start)
            try! store.close()
        }
    }
}

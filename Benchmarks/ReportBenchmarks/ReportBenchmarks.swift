// Daily report export: the CSV writer over a million gun rows (issue 6's target: at least
// one million rows per second).
//
// Run with: CHARGELINE_BENCHMARKS=1 swift package benchmark --target ReportBenchmarks
//
// The rows are built once, outside the measurement; each iteration formats all of them into
// one byte buffer, as `chargeline report daily --format csv` does before writing the file.
import Benchmark
import ChargelineReports

let rowsPerSecond = BenchmarkMetric.custom("rows/s", polarity: .prefersLarger, useScalingFactor: false)

/// A million gun rows of one day: 50,000 stations of 10 piles of 2 guns, every figure varied,
/// a fifth without a peak power (blank in the CSV).
func gunRows(_ count: Int) -> [DailyUsage] {
    var rows: [DailyUsage] = []
    rows.reserveCapacity(count)
    for i in 0..<count {
        var r = DailyUsage(date: "2026-11-20", station: "S\(i / 20)", pile: "P\(i / 2)", gun: "\(i % 2 + 1)")
        r.energyKWh = Double(i % 997) * 1.37
        r.chargingHours = Double(i % 24) / 3
        r.sessions = i % 17
        r.peakPowerKW = i % 5 == 0 ? nil : Double(i % 180) + 0.25
        r.maxTemperature = Double(i % 60) + 0.5
        r.faultMinutes = Double(i % 7)
        r.onlineRatio = Double(i % 1000) / 1000
        rows.append(r)
    }
    return rows
}

let benchmarks: @Sendable () -> Void = {
    let rows = gunRows(1_000_000)

    Benchmark("CSV export, 1,000,000 gun rows",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, rowsPerSecond],
                                   maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
        let start = ContinuousClock.now
        let bytes = CSVReportWriter.write(rows)
        let elapsed = ContinuousClock.now - start
        blackHole(bytes)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        precondition(bytes.count > 60 * rows.count, "BUG: the CSV lost rows")
        if seconds > 0 { benchmark.measurement(rowsPerSecond, Int(Double(rows.count) / seconds)) }
    }
}

import ChargelineReports
import Foundation
import Testing

/// A quick throughput figure for the CSV writer (the target: 1 million rows/s).
/// Runs only with CHARGELINE_MEASURE set; use a release build: `CHARGELINE_MEASURE=1 swift test
/// -c release --filter CSVThroughput`.
@Suite struct CSVThroughputTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CHARGELINE_MEASURE"] != nil))
    func csvRowsPerSecond() {
        var rows: [DailyUsage] = []
        rows.reserveCapacity(1_000_000)
        for i in 0..<1_000_000 {
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
        let start = ContinuousClock.now
        let bytes = CSVReportWriter.write(rows)
        let d = ContinuousClock.now - start
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        print("CSV: \(rows.count) rows, \(bytes.count) bytes in \(s) s = \(Int(Double(rows.count) / s)) rows/s")
        #expect(bytes.count > 60 * rows.count)
    }
}

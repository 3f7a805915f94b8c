import Foundation
import Testing

/// Drives `chargeline report daily` end to end: import a few samples, report a Shanghai day.
@Suite(.serialized) struct ReportCommandTests {
    @Test func dailyCSVAndErrors() throws {
        let dir = NSTemporaryDirectory() + "chargeline-report-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 2026-11-19T16:00:00Z is 00:00 on 2026-11-20 in Shanghai; one sample before the day
        // (online: the 2-minute pair across midnight counts from 00:00, so 3 of 1440 minutes).
        let t0 = 1_795_104_000
        let lines = [
            "telemetry,station=S1,pile=P1,gun=1 energy=10,status=2i,power=0 \(t0 - 60)",
            "telemetry,station=S1,pile=P1,gun=1 energy=10,status=3i,power=7 \(t0 + 60)",
            "telemetry,station=S1,pile=P1,gun=1 energy=12,status=3i,power=7.5,temperature=31 \(t0 + 120)",
            "telemetry,station=S1,pile=P1,gun=1 energy=13,status=2i,power=0 \(t0 + 180)",
        ]
        let file = dir + "/a.lp"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let data = dir + "/data"
        let (status, out) = try ChildProcess.run(["import", "--data", data, "--precision", "s", file])
        #expect(status == 0, "\(out)")

        let (rs, csv) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "2026-11-20", "--tz", "Asia/Shanghai",
                                              "--format", "csv", "--out", "-"])
        #expect(rs == 0, "\(csv)")
        #expect(csv.split(separator: "\n").map(String.init) == [
            "date,station,pile,gun,energy_kwh,charging_hours,sessions,peak_power_kw,max_temperature,fault_minutes,online_ratio",
            "2026-11-20,S1,P1,1,3.000,0.0333,1,7.500,31.00,0.00,0.0021",
        ])

        let html = dir + "/r.html"
        let (hs, ho) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "2026-11-20", "--tz", "Asia/Shanghai",
                                             "--level", "station", "--format", "html", "--out", html])
        #expect(hs == 0, "\(ho)")
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("<caption>Station S1</caption>"))

        let (bs, bo) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "2026-11-20", "--level", "bay",
                                             "--format", "csv", "--out", "-"])
        #expect(bs == 64, "\(bo)")
        #expect(bo.contains("--level must be gun, pile or station"))
    }
}

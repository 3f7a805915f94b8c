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
        try lines.joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
        let data = dir + "/data"
        let (status, out) = try ChildProcess.run(["import", "--data", data, "--precision", "s", file])
        #expect(status == 0, "\(out)")

        let (rs, csv) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "2026-11-20", "--tz", "Asia/Shanghai",
                                              "--format", "csv", "--out", "-"])
        #expect(rs == 0, "\(csv)")
        #expect(csv.split(separator: "\n").map(String.init) == [
            "date,station,pile,gun,energy_kwh,charging_hours,sessions,peak_power_kw,max_temperature,fault_minutes,online_ratio,revenue_yuan,alert_faults,alert_episodes",
            "2026-11-20,S1,P1,1,3.000,0.0333,1,7.500,31.00,0.00,0.0021,,0,",
        ])

        let html = dir + "/r.html"
        let (hs, ho) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "2026-11-20", "--tz", "Asia/Shanghai",
                                             "--level", "station", "--format", "html", "--out", html])
        #expect(hs == 0, "\(ho)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<tr data-station=\"S1\">") && page.contains("id=\"fleet-totals\""))
        #expect(!page.contains("<details"))  // --level station: the summary page alone

        let (bs, bo) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "2026-11-20", "--level", "bay",
                                             "--format", "csv", "--out", "-"])
        #expect(bs == 2, "\(bo)")
        #expect(bo.contains("--level must be gun, pile or station"))
    }

    /// `--date today` / `yesterday` in --tz, and the report on stdout without --out (CSV by default).
    @Test func todayYesterdayAndStdoutByDefault() throws {
        let dir = NSTemporaryDirectory() + "chargeline-report-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let now = Int(Date().timeIntervalSince1970)
        let lines = (0..<5).map { "telemetry,station=S1,pile=P1,gun=1 energy=\(10 + $0),status=3i \(now - 300 + $0 * 60)" }
        try lines.joined(separator: "\n").write(toFile: dir + "/a.lp", atomically: false, encoding: .utf8)
        let data = dir + "/data"
        #expect(try ChildProcess.run(["import", "--data", data, "--precision", "s", dir + "/a.lp"]).0 == 0)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        func day(_ offset: Int) -> String {
            let c = utc.dateComponents([.year, .month, .day], from: utc.date(byAdding: .day, value: offset, to: Date())!)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        }
        let today = day(0)
        let (ts, t) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "today", "--tz", "UTC"])
        #expect(ts == 0, "\(t)")
        let rows = t.split(separator: "\n").map(String.init)
        #expect(rows.first?.hasPrefix("date,station,pile,gun,energy_kwh") == true, "\(t)")
        // The samples lie in the last five minutes: today (UTC), unless the run straddles midnight.
        #expect(rows.dropFirst().allSatisfy { $0.hasPrefix(today + ",S1,P1,1,") || $0.hasPrefix(day(-1) + ",S1,P1,1,") }, "\(t)")
        let (ys, y) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "yesterday", "--to", "today", "--tz", "UTC",
                                            "--format", "json"])
        #expect(ys == 0 && y.contains("\"\(day(-1))\"") && y.contains("\"\(today)\""), "\(y)")
    }

    /// Three Shanghai days of six guns, every minute with jitter, statuses and resets, as line
    /// protocol (seconds); deterministic.
    static func lines() -> [String] {
        var state: UInt64 = 42
        func next(_ n: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % n
        }
        var out: [String] = []
        let start = 1_795_017_600  // 2026-11-19T00:00:00+08:00
        for g in 0..<6 {
            var t = start + Int(next(60)), status = 2, energy = Double(next(100))
            while t < start + 4 * 86_400 {
                if next(30) == 0 { status = Int(next(4)) }
                if status == 3 { energy += Double(next(40)) / 10 }
                if next(800) == 0 { energy = 0 }
                let v = 380 + Int(next(40)), c = Int(next(200))
                let power = next(3) == 0 ? "" : ",power=\(Double(v * c) / 1000)"
                out.append("telemetry,station=S\(g % 2),pile=P\(g / 2),gun=\(g % 2 + 1) status=\(status)i,energy=\(energy),voltage=\(v),current=\(c)\(power) \(t)")
                t += next(100) == 0 ? 600 + Int(next(3000)) : 50 + Int(next(20))
            }
        }
        return out
    }

    /// `--server` asks a running server over loopback and gets exactly what embedded mode
    /// computes, in every format; `serve` with a `[report]` folder writes the closed day.
    @Test func serverModeEqualsEmbeddedAndServeExports() throws {
        let dir = NSTemporaryDirectory() + "chargeline-report-server-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.lines().joined(separator: "\n").write(toFile: dir + "/a.lp", atomically: false, encoding: .utf8)
        let data = dir + "/data"
        #expect(try ChildProcess.run(["import", "--data", data, "--precision", "s", dir + "/a.lp"]).0 == 0)
        // Rollups as of 2026-11-23 00:00 UTC: every hour of the data is materialised.
        #expect(try ChildProcess.run(["rollup", "--data", data, "--now", "2026-11-23T00:00:00Z"]).0 == 0)
        let common = ["--date", "2026-11-20", "--to", "2026-11-21", "--tz", "Asia/Shanghai", "--out", "-"]
        let cases: [[String]] = [["--format", "csv"], ["--format", "json", "--level", "pile"],
                                 ["--format", "html", "--station", "S1"], ["--format", "csv", "--max-gap", "2m"]]
        var embedded: [String] = []
        for c in cases {
            let (s, o) = try ChildProcess.run(["report", "daily", "--data", data] + common + c)
            #expect(s == 0, "\(o)")
            embedded.append(o)
        }
        let (rs, raw) = try ChildProcess.run(["report", "daily", "--data", data, "--no-rollups"] + common + cases[0])
        #expect(rs == 0 && raw == embedded[0], "rollups and raw differ")

        try """
            [report]
            folder = "\(dir)/reports"
            time_zone = "Asia/Shanghai"
            formats = ["csv", "json"]
            interval = "1s"
            """.write(toFile: dir + "/c.toml", atomically: false, encoding: .utf8)
        let server = try ChildProcess(["serve", "--data", data, "--config", dir + "/c.toml", "--http", "127.0.0.1:0",
                                       "--lp-tcp", "off", "--log-level", "info"])
        defer { server.kill(SIGTERM); _ = server.wait() }
        #expect(server.waitFor("stop with Ctrl-C"), "server did not start: \(server.text)")
        let port = try #require(CrashRecoveryTests.port(in: server.text))
        for (c, expected) in zip(cases, embedded) {
            let (s, o) = try ChildProcess.run(["report", "daily", "--server", "http://127.0.0.1:\(port)"] + common + c)
            #expect(s == 0, "\(o)")
            #expect(o == expected, "--server differs from embedded for \(c)")
        }
        let (es, eo) = try ChildProcess.run(["report", "daily", "--server", "http://127.0.0.1:\(port)", "--db", "nosuch",
                                             "--date", "2026-11-20", "--format", "csv", "--out", "-"])
        #expect(es != 0 && eo.contains("database nosuch not found"), "\(eo)")

        // The watermark (rollup as of 2026-11-23 00:00 UTC) closes 2026-11-22 in Shanghai: the
        // first export writes that day, the same bytes embedded mode gives.
        #expect(server.waitFor("report issued: \(dir)/reports/daily-2026-11-22.json", seconds: 30), "\(server.text)")
        let (ds, day) = try ChildProcess.run(["report", "daily", "--data", data, "--date", "2026-11-22", "--tz", "Asia/Shanghai",
                                              "--format", "csv", "--out", "-"])
        #expect(ds == 0)
        #expect(try String(contentsOfFile: dir + "/reports/daily-2026-11-22.csv", encoding: .utf8) == day)
    }
}

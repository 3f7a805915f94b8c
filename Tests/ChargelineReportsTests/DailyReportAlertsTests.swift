import ChargelineCore
import ChargelineReports
import ChargelineStorage
import Foundation
import Testing

/// Fault episodes from the `alerts` measurement, written as the alert manager writes its state
/// changes (tags `rule` and the instance's labels; fields `state`, `value`, `late`, `labels`),
/// listed per gun, pile and station in the CSV, JSON and HTML and counted in the totals.
@Suite struct DailyReportAlertsTests {
    static let minute = ReportFixture.minute

    /// (rule, labels, state, minute of the day, late). Rows of the fixture: S1/P1/1, S1/P1/2, S2/P9/1.
    static let changes: [(String, [String: String], String, Int64, Bool)] = [
        // S1/P1/1: an overheating 10:00-10:20; a pending 13:00 that ended before `for` (not a
        // fault); firing again 22:00 and still firing at midnight.
        ("GunOverheating", ["station": "S1", "pile": "P1", "gun": "1"], "pending", 599, false),
        ("GunOverheating", ["station": "S1", "pile": "P1", "gun": "1"], "firing", 600, false),
        ("GunOverheating", ["station": "S1", "pile": "P1", "gun": "1"], "resolved", 620, false),
        ("GunOverheating", ["station": "S1", "pile": "P1", "gun": "1"], "pending", 780, false),
        ("GunOverheating", ["station": "S1", "pile": "P1", "gun": "1"], "inactive", 781, false),
        ("GunOverheating", ["station": "S1", "pile": "P1", "gun": "1"], "firing", 1320, false),
        // S1/P1/2: a fault found in a late upload, 05:00-05:30.
        ("GunFault", ["station": "S1", "pile": "P1", "gun": "2"], "firing", 300, true),
        ("GunFault", ["station": "S1", "pile": "P1", "gun": "2"], "resolved", 330, true),
        // S2/P9 (a pile-level rule, no gun): silent from 23:00 the day before to 01:00.
        ("PileSilent", ["station": "S2", "pile": "P9"], "firing", -60, false),
        ("PileSilent", ["station": "S2", "pile": "P9"], "resolved", 60, false),
        // S2/P9 the day before only: not this day's.
        ("PileSilent", ["station": "S2", "pile": "P9"], "firing", -300, false),
        ("PileSilent", ["station": "S2", "pile": "P9"], "resolved", -240, false),
        // A pile without telemetry rows: counted in the fleet's total only.
        ("PileSilent", ["station": "S9", "pile": "P99"], "firing", 720, false),
        ("PileSilent", ["station": "S9", "pile": "P99"], "resolved", 730, false),
    ]

    static func alerts() -> WriteBatch {
        var b = WriteBatchBuilder()
        for (rule, labels, state, m, late) in changes {
            var tags = labels
            tags["rule"] = rule
            b.addPoint(measurement: "alerts", tags: tags, timestamp: ReportFixture.dayStart + m * minute,
                       fields: [("state", .string(state)), ("value", .float(90)), ("late", .boolean(late)),
                                ("labels", .string(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")))])
        }
        return b.finish()
    }

    func at(_ m: Int64) -> Int64 { ReportFixture.dayStart + m * Self.minute }

    @Test func episodesOfTheDayPerGunPileAndStationInEveryFormat() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ReportFixture.store(path)
        defer { try? store.close() }
        _ = store.writeAndWait(database: "chargeline", batch: Self.alerts())
        // Rollups off and on give the same rows: episodes are read from `alerts` either way.
        for useRollups in [false, true] {
            var options = DailyReportOptions()
            options.timeZone = ReportFixture.zone
            options.useRollups = useRollups
            let report = try DailyReport.compute(store: store, days: try ReportDay.days(from: "2026-11-20", timeZone: ReportFixture.zone),
                                                 options: options)
            let overheating = [AlertEpisode(rule: "GunOverheating", station: "S1", pile: "P1", gun: "1", start: at(600), end: at(620), late: false),
                               AlertEpisode(rule: "GunOverheating", station: "S1", pile: "P1", gun: "1", start: at(1320), end: nil, late: false)]
            let fault = AlertEpisode(rule: "GunFault", station: "S1", pile: "P1", gun: "2", start: at(300), end: at(330), late: true)
            let silent = AlertEpisode(rule: "PileSilent", station: "S2", pile: "P9", gun: "", start: at(-60), end: at(60), late: false)
            let elsewhere = AlertEpisode(rule: "PileSilent", station: "S9", pile: "P99", gun: "", start: at(720), end: at(730), late: false)
            #expect(report.alertEpisodes == [overheating + [fault, silent, elsewhere]])
            let guns = report.rows(level: .gun)
            #expect(guns.map(\.alertEpisodes) == [overheating, [fault], [silent]])
            #expect(report.rows(level: .pile).map(\.alertEpisodes.count) == [3, 1])
            #expect(report.rows(level: .station).map(\.alertEpisodes.count) == [3, 1])

            let csv = String(decoding: CSVReportWriter.write(guns), as: UTF8.self).split(separator: "\n").map(String.init)
            #expect(csv[0].hasSuffix(",revenue_yuan,alert_faults,alert_episodes"))
            #expect(csv[1].hasSuffix(",2,GunOverheating P1/1 2026-11-20T02:00:00Z/2026-11-20T02:20:00Z; GunOverheating P1/1 2026-11-20T14:00:00Z/"),
                    "\(csv[1])")
            #expect(csv[2].hasSuffix(",1,GunFault P1/2 2026-11-19T21:00:00Z/2026-11-19T21:30:00Z late"), "\(csv[2])")
            #expect(csv[3].hasSuffix(",1,PileSilent P9 2026-11-19T15:00:00Z/2026-11-19T17:00:00Z"), "\(csv[3])")

            let json = try JSONSerialization.jsonObject(with: Data(JSONReportWriter.write(guns, level: .gun, timeZone: "Asia/Shanghai")))
            let rows = try #require((json as? [String: Any])?["rows"] as? [[String: Any]])
            #expect(rows.map { $0["alert_faults"] as? Int } == [2, 1, 1])
            let second = try #require((rows[0]["alert_episodes"] as? [[String: Any]])?.last)
            #expect(second["rule"] as? String == "GunOverheating" && second["end"] is NSNull && second["late"] as? Bool == false)
            let late = try #require((rows[1]["alert_episodes"] as? [[String: Any]])?.first)
            #expect(late["start"] as? String == "2026-11-19T21:00:00Z" && late["late"] as? Bool == true)

            let html = String(decoding: HTMLReportWriter(report: report, timeZone: ReportFixture.zone, level: .gun).write(), as: UTF8.self)
            #expect(html.contains("5 alert episodes"), "the fleet's total includes S9's")
            #expect(html.contains(", 3 alert episodes</summary>") && html.contains(", 1 alert episode</summary>"), "per station, in its details")
            #expect(html.contains("<caption>Alert episodes (3)</caption>"))
            #expect(html.contains("<td>GunFault</td>") && html.contains("<td class=\"late\">late</td>") && html.contains("still firing"))
        }
    }

    @Test func noAlertsHistoryNoEpisodes() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ReportFixture.store(path)
        defer { try? store.close() }
        let report = try ReportFixture.report(store: store)
        #expect(report.alertEpisodes == [[]])
        #expect(report.rows(level: .gun).allSatisfy { $0.alertEpisodes.isEmpty })
    }
}

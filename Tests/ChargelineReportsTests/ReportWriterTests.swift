import ChargelineReports
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite struct ReportWriterTests {
    func fixtureReport() throws -> DailyReport {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ReportFixture.store(path)
        defer { try? store.close() }
        return try ReportFixture.report(store: store)
    }

    @Test func csvHeaderOrderAndValues() throws {
        let rows = try fixtureReport().rows(level: .gun)
        let text = String(decoding: CSVReportWriter.write(rows), as: UTF8.self)
        #expect(text == """
            date,station,pile,gun,energy_kwh,charging_hours,sessions,peak_power_kw,max_temperature,fault_minutes,online_ratio
            2026-11-20,S1,P1,1,20.000,0.3000,2,75.000,55.00,7.00,0.0069
            2026-11-20,S1,P1,2,0.000,0.0000,0,5.000,,0.00,0.0417
            2026-11-20,S2,P9,1,12.000,1.0000,1,,,0.00,0.0417

            """)
    }

    @Test func csvQuotesAndNumbers() {
        var r = DailyUsage(date: "2026-01-02", station: "North, \"A\"", pile: "P", gun: "1")
        r.energyKWh = 1234.56789
        r.chargingHours = 0.00004
        r.onlineRatio = 1
        r.peakPowerKW = -0.0001
        let text = String(decoding: CSVReportWriter.write([r]), as: UTF8.self)
        #expect(text.split(separator: "\n")[1] == "2026-01-02,\"North, \"\"A\"\"\",P,1,1234.568,0.0000,0,0.000,,0.00,1.0000")
    }

    @Test func jsonParsesWithNulls() throws {
        let rows = try fixtureReport().rows(level: .pile)
        let data = Data(JSONReportWriter.write(rows, level: .pile, timeZone: "Asia/Shanghai"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["level"] as? String == "pile")
        #expect(object["time_zone"] as? String == "Asia/Shanghai")
        let parsed = try #require(object["rows"] as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["pile"] as? String == "P1")
        #expect((parsed[0]["energy_kwh"] as? NSNumber)?.doubleValue == 20)
        #expect((parsed[0]["sessions"] as? NSNumber)?.intValue == 2)
        #expect(parsed[1]["peak_power_kw"] is NSNull)
        #expect(Set(parsed[0].keys) == Set(CSVReportWriter.columns))
    }

    #if canImport(FoundationXML) || os(macOS)
    @Test func htmlIsWellFormedAndHasEveryPart() throws {
        let report = try fixtureReport()
        let html = HTMLReportWriter(report: report, timeZone: ReportFixture.zone).write()
        let text = String(decoding: html, as: UTF8.self)
        // Self-contained: the SVG namespace is the only URL.
        #expect(!text.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"))
        #expect(!text.contains("<script"))
        let doc = try XMLDocument(data: Data(html), options: [])
        func nodes(_ xpath: String) throws -> [XMLNode] { try doc.nodes(forXPath: xpath) }
        #expect(try nodes("//title").first?.stringValue == "Daily usage 2026-11-20")
        let summaries = try nodes("//table[@class='summary']")
        #expect(summaries.compactMap { ($0 as? XMLElement)?.attribute(forName: "data-station")?.stringValue } == ["S1", "S2"])
        #expect(try nodes("//table[@class='summary']/caption").map(\.stringValue) == ["Station S1", "Station S2"])
        // S1 total row: 20 kWh, 0.30 h, 2 sessions.
        let total = try nodes("//table[@data-station='S1']/tfoot/tr/td").map { $0.stringValue ?? "" }
        #expect(Array(total.prefix(3)) == ["20.000", "0.30", "2"])
        // Energy chart: gun A hour 0 and 1, gun C hours 8 and 9; a legend entry per station.
        let svgs = try nodes("//*[local-name()='svg']")
        #expect(svgs.count == 2)
        #expect(try nodes("//*[local-name()='svg'][@class='energy-chart']/*[local-name()='rect'][@class='bar']").count == 4)
        #expect(try nodes("//*[local-name()='svg'][@class='energy-chart']/*[local-name()='text'][@class='station']").map(\.stringValue) == ["S1", "S2"])
        // Heat map: 2 piles x 24 hours.
        #expect(try nodes("//*[local-name()='svg'][@class='heatmap']/*[local-name()='rect'][@class='cell']").count == 48)
        #expect(try nodes("//*[local-name()='svg'][@class='heatmap']/*[local-name()='text'][@class='pile']").map(\.stringValue) == ["S1 / P1", "S2 / P9"])
        // The one fault: 01:12 to 01:19 local time.
        let fault = try nodes("//table[@class='faults']/tbody/tr/td").map { $0.stringValue ?? "" }
        #expect(fault == ["S1", "P1", "1", "2026-11-20 01:12:00", "2026-11-20 01:19:00", "7.0"])
    }
    #endif
}

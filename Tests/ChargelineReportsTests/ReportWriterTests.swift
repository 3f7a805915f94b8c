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
            date,station,pile,gun,energy_kwh,charging_hours,sessions,peak_power_kw,max_temperature,fault_minutes,online_ratio,revenue_yuan,alert_faults,alert_episodes
            2026-11-20,S1,P1,1,20.000,0.3000,2,75.000,55.00,7.00,0.0069,,0,
            2026-11-20,S1,P1,2,0.000,0.0000,0,5.000,,0.00,0.0417,,0,
            2026-11-20,S2,P9,1,12.000,1.0000,1,,,0.00,0.0417,,0,

            """)
    }

    @Test func csvQuotesAndNumbers() {
        var r = DailyUsage(date: "2026-01-02", station: "North, \"A\"", pile: "P", gun: "1")
        r.energyKWh = 1234.56789
        r.chargingHours = 0.00004
        r.onlineRatio = 1
        r.peakPowerKW = -0.0001
        let text = String(decoding: CSVReportWriter.write([r]), as: UTF8.self)
        #expect(text.split(separator: "\n")[1] == "2026-01-02,\"North, \"\"A\"\"\",P,1,1234.568,0.0000,0,0.000,,0.00,1.0000,,0,")
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
        #expect(parsed[0]["revenue_yuan"] is NSNull)  // no transaction records: unknown, not 0
        #expect(Set(parsed[0].keys) == Set(CSVReportWriter.columns))
    }

    #if canImport(FoundationXML) || os(macOS)
    @Test func htmlIsWellFormedAndHasEveryPart() throws {
        let report = try fixtureReport()
        let html = HTMLReportWriter(report: report, timeZone: ReportFixture.zone, level: .gun).write()
        let text = String(decoding: html, as: UTF8.self)
        // Self-contained: the SVG namespace is the only URL.
        #expect(!text.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"))
        #expect(!text.contains("<script"))
        #expect(text.contains("@media print"))
        let doc = try XMLDocument(data: Data(html), options: [])
        func nodes(_ xpath: String) throws -> [XMLNode] { try doc.nodes(forXPath: xpath) }
        func texts(_ xpath: String) throws -> [String] { try nodes(xpath).map { $0.stringValue ?? "" } }
        #expect(try nodes("//title").first?.stringValue == "Daily usage 2026-11-20")
        // Fleet totals: 32 kWh, 3 sessions, 7 fault minutes on 1 of 3 guns; revenue unknown.
        #expect(try texts("//*[@id='kpi-energy']/dd") == ["32.0 kWh"])
        #expect(try texts("//*[@id='kpi-sessions']/dd") == ["3"])
        #expect(try texts("//*[@id='kpi-faults']/dd") == ["7 min 1 of 3 guns"])
        #expect(try texts("//*[@id='kpi-revenue']/dd").first?.hasPrefix("unknown") == true)
        #expect(text.contains("Revenue is unknown"))
        // Utilisation: 1.3 h charging over 3 guns x 24 h = 1.8%.
        #expect(try texts("//*[@id='kpi-utilisation']/dd").first?.hasPrefix("1.8%") == true)
        #expect(try nodes("//*[contains(@class,'in-progress')]").isEmpty)
        // Stations: S1 20 kWh, S2 12 kWh; ranked by energy (revenue unknown).
        #expect(try texts("//table[@id='top-stations']/tbody/tr/th") == ["S1", "S2"])
        #expect(try texts("//table[@id='stations-2026-11-20']/tbody/tr/th") == ["S1", "S2"])
        let s1 = try texts("//table[@id='stations-2026-11-20']/tbody/tr[@data-station='S1']/td")
        #expect(Array(s1.prefix(5)) == ["1", "2", "20.0", "n/a", "2"])
        #expect(try texts("//table[@id='stations-2026-11-20']/tfoot/tr/td").prefix(3) == ["2", "3", "32.0"])
        // Charts: fleet hours (energy in hours 0, 1, 8, 9), station bars, heat map of 2 x 24.
        #expect(try nodes("//*[local-name()='svg'][@class='hourly-chart']/*[local-name()='rect'][@class='bar']").count == 4)
        #expect(try texts("//*[local-name()='svg'][@class='station-bars']/*[local-name()='text'][@class='station']") == ["S1", "S2"])
        #expect(try nodes("//*[local-name()='svg'][@class='heatmap']//*[local-name()='rect'][@class='cell']").count == 48)
        // Gun level: each station's guns behind a link, with the fault span 01:12 to 01:19 local time.
        #expect(try texts("//details/table[@data-station='S1']/tbody/tr/td[1]") == ["P1", "P1"])
        #expect(try texts("//details/table[@data-station='S1']/tbody/tr/td[2]") == ["1", "2"])
        #expect(try nodes("//a[@href='#st-2026-11-20-0']").count == 2)  // top table and station table
        let fault = try texts("//details[@id='st-2026-11-20-0']/table[@class='faults']/tbody/tr/td")
        #expect(fault == ["P1", "1", "2026-11-20 01:12:00", "2026-11-20 01:19:00", "7.0"])
        #expect(try texts("//table[@id='fault-guns']/tbody/tr/td") == ["S1", "P1", "1", "7.0"])
    }
    #endif
}

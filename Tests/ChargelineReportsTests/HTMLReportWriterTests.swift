import ChargelineReports
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The HTML page at fleet scale: 2,000 piles (200 stations x 10 piles x 2 guns), as the
/// simulated fleet of the README has them.
@Suite struct HTMLReportWriterTests {
    static let zone = TimeZone(identifier: "UTC")!
    static let day = ReportDay(date: "2026-11-20", start: 1_795_132_800_000_000_000, end: 1_795_219_200_000_000_000)

    /// Station `s` (1-based) delivers `s` kWh per gun-hour in hours 8-17, so S0200 is the top
    /// station and S0001 the bottom one; every 20th gun had a 30-minute fault. Revenue is
    /// 1.5 yuan per kWh when `revenue`.
    static func fleet(revenue: Bool) -> DailyReport {
        var guns: [GunDay] = []
        var n = 0
        for s in 1...200 {
            for p in 1...10 {
                for g in 1...2 {
                    let station = "S" + String(repeating: "0", count: 4 - String(s).count) + String(s)
                    let pile = "P" + String(repeating: "0", count: 6 - String((s - 1) * 10 + p).count) + String((s - 1) * 10 + p)
                    var u = DailyUsage(date: day.date, station: station, pile: pile, gun: String(g))
                    let hourly = (0..<24).map { (8..<18).contains($0) ? Double(s) : 0 }
                    u.energyKWh = hourly.reduce(0, +)
                    u.chargingHours = 10
                    u.sessions = 4
                    u.peakPowerKW = 60
                    u.maxTemperature = 41.5
                    u.onlineRatio = 1
                    u.revenueYuan = revenue ? u.energyKWh * 1.5 : nil
                    var faults: [FaultSpan] = []
                    if n % 20 == 0 {
                        u.faultMinutes = 30
                        faults = [FaultSpan(station: station, pile: pile, gun: String(g),
                                            start: day.start + 3_600_000_000_000, end: day.start + 5_400_000_000_000)]
                    }
                    guns.append(GunDay(usage: u, hourlyEnergyKWh: hourly,
                                       hourlyChargingSeconds: (0..<24).map { (8..<18).contains($0) ? 3600 : 0 }, faults: faults))
                    n += 1
                }
            }
        }
        var r = DailyReport(days: [day], guns: [guns])
        r.revenueKnown = revenue
        return r
    }

    func page(_ report: DailyReport, _ level: ReportLevel) -> [UInt8] {
        HTMLReportWriter(report: report, timeZone: Self.zone, level: level).write()
    }

    /// The 2,000-pile page stays small at every level (it was 8.3 MB with a pile x hour heat
    /// map and per-station tables), and its charts keep their size.
    @Test func sizeBoundsAtTwoThousandPiles() {
        let report = Self.fleet(revenue: true)
        let station = page(report, .station).count, pile = page(report, .pile).count, gun = page(report, .gun).count
        #expect(station < 200_000, "station level: \(station) bytes")
        #expect(pile < 600_000, "pile level: \(pile) bytes")
        #expect(gun < 1_000_000, "gun level: \(gun) bytes")
    }

    #if canImport(FoundationXML) || os(macOS)
    func document(_ bytes: [UInt8]) throws -> XMLDocument { try XMLDocument(data: Data(bytes), options: []) }

    @Test func fleetTotalsRankingAndChartsAtTwoThousandPiles() throws {
        let doc = try document(page(Self.fleet(revenue: true), .station))
        func texts(_ xpath: String) throws -> [String] { try doc.nodes(forXPath: xpath).map { $0.stringValue ?? "" } }
        // Energy: 2 guns x 10 piles x 10 h x (1 + ... + 200) kWh = 4,020,000 kWh; revenue 1.5 x that.
        #expect(try texts("//*[@id='kpi-energy']/dd") == ["4,020,000.0 kWh"])
        #expect(try texts("//*[@id='kpi-revenue']/dd") == ["¥6,030,000.00 avg ¥1.50/kWh"])
        #expect(try texts("//*[@id='kpi-sessions']/dd") == ["16,000"])
        #expect(try texts("//*[@id='kpi-utilisation']/dd") == ["41.7% 40,000.0 h charging"])
        #expect(try texts("//*[@id='kpi-faults']/dd") == ["6,000 min 200 of 4,000 guns"])
        #expect(try texts("//*[@id='kpi-fleet']/dd") == ["200 stations 2,000 piles · 4,000 guns"])
        #expect(try texts("//table[@id='top-stations']/tbody/tr/th") == ["S0200", "S0199", "S0198", "S0197", "S0196"])
        #expect(try texts("//table[@id='bottom-stations']/tbody/tr/th") == ["S0001", "S0002", "S0003", "S0004", "S0005"])
        #expect(try texts("//table[@id='top-stations']/caption") == ["Top 5 stations by revenue"])
        // Every station once in the table, with its curve; the fleet total below.
        #expect(try doc.nodes(forXPath: "//table[@id='stations-2026-11-20']/tbody/tr").count == 200)
        #expect(try doc.nodes(forXPath: "//table[@id='stations-2026-11-20']/tbody/tr/td/*[local-name()='svg'][@class='spark']").count == 200)
        #expect(try texts("//table[@id='stations-2026-11-20']/tfoot/tr/th") == ["Fleet"])
        // Charts legible at any fleet: 15 named bars + 1 for the other 185; 20 heat-map rows.
        let bars = try texts("//*[local-name()='svg'][@class='station-bars']/*[local-name()='text'][@class='station']")
        #expect(bars.count == 16 && bars.first == "S0200" && bars.last == "185 other stations")
        #expect(try doc.nodes(forXPath: "//*[local-name()='svg'][@class='heatmap']//*[local-name()='rect'][@class='cell']").count == 20 * 24)
        #expect(try doc.nodes(forXPath: "//*[local-name()='svg'][@class='hourly-chart']/*[local-name()='rect'][@class='bar']").count == 10)
        #expect(try doc.nodes(forXPath: "//table[@id='fault-guns']/tbody/tr").count == 10)
    }

    @Test func levelChoosesTheDetails() throws {
        let report = Self.fleet(revenue: true)
        let station = try document(page(report, .station))
        #expect(try station.nodes(forXPath: "//details").isEmpty)
        #expect(try station.nodes(forXPath: "//a").isEmpty)
        let pile = try document(page(report, .pile))
        #expect(try pile.nodes(forXPath: "//details[@class='station']").count == 200)
        #expect(try pile.nodes(forXPath: "//details/table[@class='detail']/tbody/tr").count == 2_000)
        #expect(try pile.nodes(forXPath: "//details/table[@class='detail']/thead/tr/th").count == 200 * 9)
        #expect(try pile.nodes(forXPath: "//a[@href='#st-2026-11-20-199']").count == 2)  // top table and station table
        let gun = try document(page(report, .gun))
        #expect(try gun.nodes(forXPath: "//details/table[@class='detail']/tbody/tr").count == 4_000)
        #expect(try gun.nodes(forXPath: "//details/table[@class='faults']/tbody/tr").count == 200)
    }

    @Test func bannerOnADayInProgressAndUnknownRevenue() throws {
        var report = Self.fleet(revenue: false)
        #expect(!String(decoding: page(report, .station), as: UTF8.self).contains("in-progress"))
        report.inProgressUntil = Self.day.start + (14 * 60 + 5) * 60_000_000_000
        let doc = try document(page(report, .station))
        let banner = try doc.nodes(forXPath: "//p[@class='banner in-progress']").map { $0.stringValue ?? "" }
        #expect(banner.count == 1 && banner[0].hasPrefix("Day in progress — figures until 14:05"))
        // Utilisation over the 14 h 5 min so far: 10 h of each gun's = 71.0%.
        #expect(try doc.nodes(forXPath: "//*[@id='kpi-utilisation']/dd").first?.stringValue?.hasPrefix("71.0%") == true)
        #expect(try doc.nodes(forXPath: "//*[local-name()='svg'][@class='hourly-chart']/*[local-name()='text'][.='not yet']").count == 1)
        // The utilisation line stops at the hour in progress (hours 0-14).
        let line = try doc.nodes(forXPath: "//*[local-name()='polyline'][@class='utilisation']/@points").first?.stringValue ?? ""
        #expect(line.split(separator: " ").count == 15)
        // No transactions: revenue unknown, stations ranked by energy.
        #expect(try doc.nodes(forXPath: "//*[@id='kpi-revenue']/dd").first?.stringValue?.hasPrefix("unknown") == true)
        #expect(try doc.nodes(forXPath: "//table[@id='top-stations']/caption").first?.stringValue == "Top 5 stations by energy")
    }
    #endif
}

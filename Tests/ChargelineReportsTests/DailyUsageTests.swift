import ChargelineCore
import ChargelineReports
import Foundation
import Testing

@Suite struct DailyUsageTests {
    let minute = 60.0

    func close(_ a: Double?, _ b: Double?, _ tol: Double = 1e-9) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= tol
    }

    @Test func shanghaiDayBoundaries() throws {
        let days = try ReportDay.days(from: "2026-11-20", to: "2026-11-21", timeZone: ReportFixture.zone)
        #expect(days.map(\.date) == ["2026-11-20", "2026-11-21"])
        #expect(days[0].start == ReportFixture.dayStart)
        #expect(days[0].end == ReportFixture.dayStart + 1440 * ReportFixture.minute)
        #expect(days[1].start == days[0].end)
        #expect(days[0].hourCount == 24)
        #expect(throws: ReportError.self) { try ReportDay.days(from: "2026-11-21", to: "2026-11-20", timeZone: .gmt) }
        #expect(throws: ReportError.self) { try ReportDay.days(from: "20261120", timeZone: .gmt) }
    }

    @Test func gunFiguresValueByValue() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ReportFixture.store(path)
        defer { try? store.close() }
        let report = try ReportFixture.report(store: store)
        let rows = report.rows(level: .gun)
        #expect(rows.map { "\($0.station)/\($0.pile)/\($0.gun)" } == ["S1/P1/1", "S1/P1/2", "S2/P9/1"])

        let a = rows[0]
        #expect(a.date == "2026-11-20")
        // 94 -> 100 (pair from before the day) + 3 + 0 + 7 + 2 (reset 110 -> 2) + 2
        #expect(close(a.energyKWh, 20))
        // 1 (clipped at midnight, gap capped) + 3 + 3 + 5 (capped) + 2 + 4 (capped, clipped at the day's end)
        #expect(close(a.chargingHours, 18.0 / 60))
        #expect(a.sessions == 2)
        #expect(close(a.peakPowerKW, 75))  // 500 V x 150 A with no power sample at 01:10
        #expect(close(a.maxTemperature, 55))  // 70 lies before the day
        #expect(close(a.faultMinutes, 7))  // 2 + 5 (capped)
        #expect(close(a.onlineRatio, 10.0 / 1440))  // gaps <= 5 min: 3 + 3 + 2 + 2

        let b = rows[1]
        #expect(close(b.energyKWh, 0))
        #expect(close(b.chargingHours, 0))
        #expect(b.sessions == 0)
        #expect(close(b.peakPowerKW, 5))
        #expect(b.maxTemperature == nil)
        #expect(close(b.faultMinutes, 0))
        #expect(close(b.onlineRatio, 60.0 / 1440))

        let c = rows[2]
        #expect(close(c.energyKWh, 12))
        #expect(close(c.chargingHours, 1))
        #expect(c.sessions == 1)
        #expect(c.peakPowerKW == nil)
        #expect(close(c.onlineRatio, 60.0 / 1440))

        let gunA = report.guns[0][0]
        #expect(gunA.hourlyEnergyKWh[0] == 9 && gunA.hourlyEnergyKWh[1] == 11)
        #expect(close(gunA.hourlyChargingSeconds[0], 4 * minute))
        #expect(close(gunA.hourlyChargingSeconds[1], 10 * minute))
        #expect(close(gunA.hourlyChargingSeconds[23], 4 * minute))
        #expect(gunA.faults.count == 1)
        #expect(gunA.faults.first?.start == ReportFixture.dayStart + 72 * ReportFixture.minute)
        #expect(gunA.faults.first?.end == ReportFixture.dayStart + 79 * ReportFixture.minute)
        let gunC = report.guns[0][2]
        #expect(gunC.hourlyEnergyKWh[8] == 11 && gunC.hourlyEnergyKWh[9] == 1)
    }

    @Test func sessionCrossingMidnightCountsOnceAndSplitsItsHours() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ReportFixture.store(path)
        defer { try? store.close() }
        let report = try ReportFixture.report(days: "2026-11-21", store: store)
        let next = report.rows(level: .gun).filter { $0.date == "2026-11-21" && $0.gun == "1" && $0.station == "S1" }
        #expect(next.count == 1)
        #expect(close(next[0].energyKWh, 6))  // 4 -> 10 at 00:02
        // 23:56 + 5 min cap = 00:01, and the last sample (00:02, charging, no successor)
        // holds for the cap: 00:02-00:07.
        #expect(close(next[0].chargingHours, 6.0 / 60))
        #expect(next[0].sessions == 0)  // started the day before
    }

    @Test func pileAndStationRollUps() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ReportFixture.store(path)
        defer { try? store.close() }
        let report = try ReportFixture.report(store: store)
        let piles = report.rows(level: .pile)
        #expect(piles.map { "\($0.station)/\($0.pile)/\($0.gun)" } == ["S1/P1/", "S2/P9/"])
        let p1 = piles[0]
        #expect(close(p1.energyKWh, 20))
        #expect(close(p1.chargingHours, 0.3))
        #expect(p1.sessions == 2)
        #expect(close(p1.peakPowerKW, 75))
        #expect(close(p1.maxTemperature, 55))
        #expect(close(p1.faultMinutes, 7))
        #expect(close(p1.onlineRatio, 35.0 / 1440))
        let stations = report.rows(level: .station)
        #expect(stations.map { "\($0.station)/\($0.pile)/\($0.gun)" } == ["S1//", "S2//"])
        #expect(close(stations[1].energyKWh, 12))
    }

    @Test func stationFilter() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ReportFixture.store(path)
        defer { try? store.close() }
        var options = DailyReportOptions()
        options.timeZone = ReportFixture.zone
        options.station = "S2"
        let report = try DailyReport.compute(store: store, days: ReportDay.days(from: "2026-11-20", timeZone: ReportFixture.zone),
                                             options: options)
        #expect(report.rows(level: .gun).map(\.station) == ["S2"])
    }
}

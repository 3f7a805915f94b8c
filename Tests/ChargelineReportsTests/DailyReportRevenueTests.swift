import ChargelineCore
import ChargelineReports
import ChargelineStorage
import Foundation
import Testing

/// Revenue from `transaction` points (YKC 0x3B) and the day-in-progress mark, through the store.
@Suite struct DailyReportRevenueTests {
    static let hour: Int64 = 3_600_000_000_000

    /// Sessions ending 10:00 (S1/P1/1, 12.5 yuan), 20:00 (S2/P9/1, 7.25), 12:00 on a gun with no
    /// telemetry (S3/P5/1, 4) and 23:00 the day before (S1/P1/1, 3: not this day's money).
    static func transactions() -> WriteBatch {
        var b = WriteBatchBuilder()
        for (station, pile, at, yuan) in [("S1", "P1", 10 * hour, 12.5), ("S2", "P9", 20 * hour, 7.25),
                                          ("S3", "P5", 12 * hour, 4.0), ("S1", "P1", -hour, 3.0)] {
            b.addPoint(measurement: "transaction", tags: ["station": station, "pile": pile, "gun": "1"],
                       timestamp: ReportFixture.dayStart + at,
                       fields: [("amount", .float(yuan)), ("energy", .float(yuan / 1.5)), ("trade", .string("T\(at)"))])
        }
        return b.finish()
    }

    func withStore(transactions: Bool, _ body: (Store) throws -> Void) throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ReportFixture.store(path)
        defer { try? store.close() }
        if transactions { _ = store.writeAndWait(database: "chargeline", batch: Self.transactions()) }
        try body(store)
    }

    @Test func revenueIsTheAmountsOfSessionsEndingInTheDay() throws {
        try withStore(transactions: true) { store in
            let report = try ReportFixture.report(store: store)
            #expect(report.revenueKnown)
            let rows = report.rows(level: .gun)
            #expect(rows.map { "\($0.station)/\($0.pile)/\($0.gun)" } == ["S1/P1/1", "S1/P1/2", "S2/P9/1", "S3/P5/1"])
            #expect(rows.map(\.revenueYuan) == [12.5, 0, 7.25, 4])
            #expect(report.rows(level: .station).map(\.revenueYuan) == [12.5, 7.25, 4])
            let csv = String(decoding: CSVReportWriter.write(rows), as: UTF8.self).split(separator: "\n")
            #expect(csv[1].hasSuffix(",12.50,0,") && csv[2].hasSuffix(",0.00,0,"))
            let html = String(decoding: HTMLReportWriter(report: report, timeZone: ReportFixture.zone).write(), as: UTF8.self)
            #expect(html.contains("¥23.75"))
            #expect(!html.contains("Revenue is unknown"))
        }
    }

    @Test func revenueUnknownWithoutTransactions() throws {
        try withStore(transactions: false) { store in
            let report = try ReportFixture.report(store: store)
            #expect(!report.revenueKnown)
            #expect(report.rows(level: .gun).allSatisfy { $0.revenueYuan == nil })
        }
    }

    @Test func dayInProgressUntilNow() throws {
        try withStore(transactions: false) { store in
            var options = DailyReportOptions()
            options.timeZone = ReportFixture.zone
            let days = try ReportDay.days(from: "2026-11-20", timeZone: ReportFixture.zone)
            options.now = ReportFixture.dayStart + 14 * Self.hour + 5 * 60_000_000_000
            let running = try DailyReport.compute(store: store, days: days, options: options)
            #expect(running.inProgressUntil == options.now)
            let html = String(decoding: HTMLReportWriter(report: running, timeZone: ReportFixture.zone).write(), as: UTF8.self)
            #expect(html.contains("Day in progress — figures until 14:05"))
            options.now = days[0].end
            #expect(try DailyReport.compute(store: store, days: days, options: options).inProgressUntil == nil)
        }
    }
}

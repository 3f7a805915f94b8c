import ChargelineCore
@testable import ChargelineReports
import ChargelineStorage
import Foundation
import Testing

/// The scheduled export follows the rollup watermark (the rollup runs take an injected clock):
/// a day is written once it is closed, late rows re-issue it once their hours are recomputed,
/// and a restart neither loses nor re-writes a day.
@Suite struct DailyReportExporterTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let hour: Int64 = 3_600_000_000_000
    static let minute: Int64 = 60_000_000_000

    func storeOptions() -> StorageOptions {
        var o = StorageOptions()
        o.backgroundMaintenance = false
        UsageRollupExtension.register(in: &o.rollup)
        return o  // default grace: 10 minutes
    }

    func expectedCSV(_ store: Store, _ day: ReportDay) throws -> Data {
        var o = DailyReportOptions()
        o.timeZone = Self.zone
        o.useRollups = false
        return Data(ReportFormat.csv.render(try DailyReport.compute(store: store, days: [day], options: o), level: .gun, timeZone: Self.zone))
    }

    @Test func exportsClosedDaysAndReissuesLateOnes() throws {
        let path = ReportFixture.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let folder = path + "/reports"
        let day = try ReportDay.days(from: "2026-11-20", timeZone: Self.zone)[0]
        var store = try Store(directory: path + "/data", options: storeOptions())
        _ = store.writeAndWait(database: "chargeline",
                               batch: RollupDailyReaderTests.batch(seed: 3, guns: 6, from: day.start - 2 * Self.hour, to: day.end + 2 * Self.hour))
        var export = ReportExportOptions(folder: folder)
        export.formats = [.csv, .html]
        export.report.timeZone = Self.zone
        var exporter = try DailyReportExporter(store: store, options: export)
        let csv = folder + "/daily-2026-11-20.csv"

        // 5 minutes after midnight the last hour is within the grace: 2026-11-20 is not closed;
        // a first start exports the most recent closed day only (the day before).
        _ = try store.runRollups(now: day.end + 5 * Self.minute)
        #expect(try exporter.tick().map(\.file) == ["daily-2026-11-19.csv", "daily-2026-11-19.html"])
        #expect(!FileManager.default.fileExists(atPath: csv))

        // Past the grace: the rollup closes the day and the export writes it, once.
        _ = try store.runRollups(now: day.end + 11 * Self.minute)
        let first = try exporter.tick()
        #expect(first.map(\.file) == ["daily-2026-11-20.csv", "daily-2026-11-20.html"])
        #expect(first.allSatisfy { $0.kind == .issued })
        let issued = try #require(FileManager.default.contents(atPath: csv))
        #expect(issued == (try expectedCSV(store, day)))
        #expect(try exporter.tick().isEmpty)

        // A pile uploads a buffered hour of the exported day: pending until the rollup
        // recomputes those hours, then re-issued with the new figures.
        _ = store.writeAndWait(database: "chargeline",
                               batch: RollupDailyReaderTests.batch(seed: 99, guns: 2, from: day.start + 10 * Self.hour,
                                                                   to: day.start + 11 * Self.hour, firstGun: 1))
        #expect(try exporter.tick().isEmpty)
        _ = try store.runRollups(now: day.end + 12 * Self.minute)
        let again = try exporter.tick()
        #expect(again.first { $0.file.hasSuffix(".csv") }?.kind == .reissued)
        let reissued = try #require(FileManager.default.contents(atPath: csv))
        #expect(reissued != issued)
        #expect(reissued == (try expectedCSV(store, day)))
        #expect(try exporter.tick().isEmpty)

        // Restart: nothing is written again; a late row after the restart still re-issues.
        try store.close()
        store = try Store(directory: path + "/data", options: storeOptions())
        exporter = try DailyReportExporter(store: store, options: export)
        #expect(try exporter.tick().allSatisfy { $0.kind == .unchanged })
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "telemetry", tags: ["station": "S0", "pile": "P0", "gun": "1"],
                   timestamp: day.start + 15 * Self.hour + 7, fields: [("status", .integer(3)), ("energy", .float(1e6))])
        _ = store.writeAndWait(database: "chargeline", batch: b.finish())
        _ = try store.runRollups(now: day.end + 13 * Self.minute)
        #expect(try exporter.tick().first?.kind == .reissued)
        #expect(FileManager.default.contents(atPath: csv) == (try expectedCSV(store, day)))

        // The next day closes a day later, by the same clock.
        _ = try store.runRollups(now: day.end + 24 * Self.hour + 11 * Self.minute)
        #expect(try exporter.tick().map(\.file) == ["daily-2026-11-21.csv", "daily-2026-11-21.html"])
        try store.close()
    }
}

import ChargelineCore
import ChargelineReports
import ChargelineStorage
import Foundation

/// The hand-built fixture of DailyUsageTests: three guns around the local day 2026-11-20 in
/// Asia/Shanghai (UTC+8), whose figures were worked out by hand (see each gun's comment).
enum ReportFixture {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-11-20 00:00 in Shanghai.
    static let dayStart = TimeParser.rfc3339("2026-11-19T16:00:00Z")!
    static let minute: Int64 = 60_000_000_000

    struct Sample {
        var minute: Int64
        var status: Int64?
        var energy: Double?
        var power: Double? = nil
        var voltage: Double? = nil
        var current: Double? = nil
        var temperature: Double? = nil
    }

    /// S1/P1/1. Charges across the previous midnight (the sample before the day starts the
    /// energy pair and the charging pair), a 6-minute gap capped at 5, a session at 01:00,
    /// a counter reset at 01:10, a fault 01:12-01:19 (the last gap capped), and a session
    /// at 23:56 that runs past midnight.
    static let gunA: [Sample] = [
        Sample(minute: -10, status: 3, energy: 90),
        Sample(minute: -4, status: 3, energy: 94, temperature: 70),
        Sample(minute: 2, status: 3, energy: 100, power: 50),
        Sample(minute: 5, status: 2, energy: 103),
        Sample(minute: 60, status: 3, energy: 103),
        Sample(minute: 63, status: 3, energy: 110, power: 60, temperature: 40.5),
        Sample(minute: 70, status: 3, energy: 2, voltage: 500, current: 150),
        Sample(minute: 72, status: 1, energy: 4, temperature: 55),
        Sample(minute: 74, status: 1, energy: 4),
        Sample(minute: 84, status: 2, energy: 4),
        Sample(minute: 1436, status: 3, energy: 4),
        Sample(minute: 1442, status: 3, energy: 10),
    ]

    /// S1/P1/2: idle every minute 00:00-01:00; power present where voltage x current is huge.
    static let gunB: [Sample] = (0...60).map { m in
        m == 10 ? Sample(minute: m, status: 2, energy: 50, power: 5, voltage: 1000, current: 1000)
            : Sample(minute: m, status: 2, energy: 50)
    }

    /// S2/P9/1: one session 08:00-09:00 sampled exactly every 5 minutes (the cap counts in full).
    static let gunC: [Sample] = (0...12).map { i in
        Sample(minute: 480 + Int64(i) * 5, status: i == 12 ? 2 : 3, energy: Double(i))
    }

    static func batch() -> WriteBatch {
        var b = WriteBatchBuilder()
        for (tags, samples) in [(["station": "S1", "pile": "P1", "gun": "1"], gunA),
                                (["station": "S1", "pile": "P1", "gun": "2"], gunB),
                                (["station": "S2", "pile": "P9", "gun": "1"], gunC)] {
            for s in samples {
                var f: [(String, FieldValue)] = []
                if let v = s.status { f.append(("status", .integer(v))) }
                if let v = s.energy { f.append(("energy", .float(v))) }
                if let v = s.power { f.append(("power", .float(v))) }
                if let v = s.voltage { f.append(("voltage", .float(v))) }
                if let v = s.current { f.append(("current", .float(v))) }
                if let v = s.temperature { f.append(("temperature", .float(v))) }
                b.addPoint(measurement: "telemetry", tags: tags, timestamp: dayStart + s.minute * minute, fields: f)
            }
        }
        return b.finish()
    }

    /// A store in a fresh temporary folder holding the fixture in database `chargeline`.
    static func store(_ path: String) throws -> Store {
        var o = StorageOptions()
        o.backgroundMaintenance = false
        UsageRollupExtension.register(in: &o.rollup)
        let store = try Store(directory: path, options: o)
        _ = store.writeAndWait(database: "chargeline", batch: batch())
        return store
    }

    static func temporaryPath() -> String {
        NSTemporaryDirectory() + "chargeline-report-test-" + UUID().uuidString
    }

    static func report(days to: String? = nil, store: Store) throws -> DailyReport {
        var options = DailyReportOptions()
        options.timeZone = zone
        let days = try ReportDay.days(from: "2026-11-20", to: to, timeZone: zone)
        return try DailyReport.compute(store: store, days: days, options: options)
    }
}

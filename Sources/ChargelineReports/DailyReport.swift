import ChargelineCore
public import ChargelineStorage
public import Foundation

/// What a daily report covers and how it measures.
public struct DailyReportOptions: Sendable {
    /// Database and measurement to read (docs/schema.md).
    public var database = "chargeline"
    public var measurement = "telemetry"
    /// Longest sample gap that counts in full (ns); default 5 minutes, the documented
    /// reporting interval of an idle pile plus margin.
    public var maxGap: Int64 = 300_000_000_000
    /// How far before the first day to look for the last energy sample before the day (ns);
    /// default 7 days, so a gun idle for a week still has its starting register.
    public var energyLookback: Int64 = 7 * 86_400_000_000_000
    /// Only this station, when set.
    public var station: String?
    /// Day boundaries; default the machine's zone.
    public var timeZone: TimeZone = .current

    public init() {}
}

/// The per-gun results of a run of days, and the roll-ups and charts derived from them.
public struct DailyReport: Sendable {
    public let days: [ReportDay]
    /// Per day (same order as `days`), every gun sorted by station, pile, gun.
    public let guns: [[GunDay]]

    public init(days: [ReportDay], guns: [[GunDay]]) {
        self.days = days
        self.guns = guns
    }

    /// Computes the report for `days` from raw samples (one entry per gun).
    public static func compute(samples: [GunSamples], days: [ReportDay], maxGap: Int64) -> DailyReport {
        let calc = DailyUsageCalculator(maxGap: maxGap)
        let sorted = samples.sorted { ($0.station, $0.pile, $0.gun) < ($1.station, $1.pile, $1.gun) }
        return DailyReport(days: days, guns: days.map { day in sorted.map { calc.compute($0, day: day) } })
    }

    /// Reads the raw telemetry the days need from `store` and computes the report.
    ///
    /// Reads every report field over `[first day start - maxGap, last day end + maxGap)` and
    /// `energy` back to `energyLookback` before the first day.
    public static func compute(store: Store, days: [ReportDay], options: DailyReportOptions) throws -> DailyReport {
        guard let first = days.first, let last = days.last else { return DailyReport(days: [], guns: []) }
        let window = TimeRange(start: first.start - options.maxGap, end: last.end + options.maxGap)
        var byKey: [String: GunSamples] = [:]
        for series in try store.read(database: options.database, measurement: options.measurement,
                                     fields: GunSamples.fieldNames, range: window) {
            let g = GunSamples(series)
            if let s = options.station, g.station != s { continue }
            byKey[series.key] = g
        }
        let before = TimeRange(start: first.start - options.energyLookback, end: window.start)
        if before.end > before.start {
            for series in try store.read(database: options.database, measurement: options.measurement,
                                         fields: ["energy"], range: before) {
                guard let col = series.columns.first(where: { $0.name == "energy" }), col.count > 0 else { continue }
                var g = byKey[series.key] ?? GunSamples(series)
                if let s = options.station, g.station != s { continue }
                // Only the last sample before the window matters.
                let prior = SampleColumn(col)
                guard let t = prior.times.last, let v = prior.values.last else { continue }
                g.energy = SampleColumn(times: [t] + g.energy.times, values: [v] + g.energy.values)
                byKey[series.key] = g
            }
        }
        return compute(samples: Array(byKey.values), days: days, maxGap: options.maxGap)
    }

    /// All rows at `level`, day by day.
    public func rows(level: ReportLevel) -> [DailyUsage] {
        guns.flatMap { DailyUsage.rollUp($0.map(\.usage), to: level) }
    }
}

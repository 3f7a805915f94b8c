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
    /// Read the hourly rollups where they cover the days (default); false reads raw only.
    public var useRollups = true
    /// Whether fault spans (the HTML's fault list) are needed: rollups hold fault minutes but
    /// not spans, so guns with faults are then read from raw data.
    public var faultSpans = true
    /// Read revenue from the `transaction` measurement (default); false leaves it unknown.
    public var revenue = true
    /// Read fault episodes from the `alerts` measurement the alert manager writes (default).
    public var alerts = true
    /// The present (ns since the epoch) for telling a day still in progress; nil is the clock.
    public var now: Int64?

    public init() {}

    /// The usage rules these options ask for (measurement and max gap; codes and field names
    /// are docs/schema.md's).
    public var usageRules: DailyUsageRules { DailyUsageRules(measurement: measurement, maxGap: maxGap) }

    /// The longest `maxGap` a report accepts: a sample holds its status for at most a day.
    /// Beyond that the figures mean nothing, and the read window (`maxGap` around the days)
    /// would run off the ends of the timestamp range.
    public static let maxGapLimit: Int64 = 86_400_000_000_000

    /// `text` (a duration such as `5m`) as a max gap in ns.
    /// - Throws: `ReportError` for a bad duration or one outside `(0, maxGapLimit]`.
    public static func maxGap(parsing text: String) throws -> Int64 {
        let ns: Int64
        do {
            ns = try TimeParser.duration(text)
        } catch let error as ChargelineError {
            throw ReportError("max gap \(text): \(error.message)")
        }
        guard ns > 0 else { throw ReportError("the max gap must be positive (got \(text))") }
        guard ns <= maxGapLimit else {
            throw ReportError("the max gap must be at most 1d, as a sample holds its status at most a day (got \(text))")
        }
        return ns
    }
}

/// The per-gun results of a run of days, and the roll-ups and charts derived from them.
public struct DailyReport: Sendable {
    public let days: [ReportDay]
    /// Per day (same order as `days`), every gun sorted by station, pile, gun.
    public internal(set) var guns: [[GunDay]]
    /// How many guns were computed from raw data (the rest from rollups).
    public internal(set) var gunsFromRaw = 0
    /// Whether the guns' `revenueYuan` is known: the store holds `transaction` records (then a
    /// gun without a session ending in the day took 0); false leaves every revenue `nil`.
    public var revenueKnown = false
    /// When the last day has not ended yet: the time (ns) its figures run until (the moment
    /// the report was computed). Nil for days that are over.
    public var inProgressUntil: Int64?
    /// Per day (same order as `days`), the alert manager's fault episodes that fired during it
    /// (`addAlertEpisodes`), in report order; each also listed by one gun row's usage.
    public internal(set) var alertEpisodes: [[AlertEpisode]]

    public init(days: [ReportDay], guns: [[GunDay]]) {
        self.days = days
        self.guns = guns
        alertEpisodes = days.map { _ in [] }
    }

    /// Computes the report for `days` from raw samples (one entry per gun).
    public static func compute(samples: [GunSamples], days: [ReportDay], maxGap: Int64) -> DailyReport {
        let calc = DailyUsageCalculator(maxGap: maxGap)
        let sorted = samples.sorted { ($0.station, $0.pile, $0.gun) < ($1.station, $1.pile, $1.gun) }
        var r = DailyReport(days: days, guns: days.map { day in sorted.map { calc.compute($0, day: day) } })
        r.gunsFromRaw = sorted.count
        return r
    }

    /// Computes the report for `days` from `store`: from the hourly rollups (and their
    /// `usage_*` aggregates) for every gun whose hours they cover, from raw telemetry for the
    /// rest (see `RollupDailyReader`); both give the same figures.
    public static func compute(store: Store, days: [ReportDay], options: DailyReportOptions) throws -> DailyReport {
        guard let last = days.last else { return DailyReport(days: [], guns: []) }
        var report: DailyReport
        if options.useRollups, let reader = RollupDailyReader(store: store, days: days, options: options) {
            report = try reader.compute()
        } else {
            report = compute(samples: Array(try rawSamples(store: store, days: days, options: options, keys: nil).values),
                             days: days, maxGap: options.maxGap)
        }
        if options.revenue { try report.addRevenue(store: store, options: options) }
        if options.alerts { try report.addAlertEpisodes(store: store, options: options) }
        let now = options.now ?? Int64(Date().timeIntervalSince1970 * 1e9)
        if now < last.end { report.inProgressUntil = max(now, last.start) }
        return report
    }

    /// Reads the raw telemetry the days need, per series key (all series, or only `keys`).
    ///
    /// Reads every report field over `[first day start - maxGap, last day end + maxGap)`, and
    /// `energy` and `status` back to `energyLookback` before the first day (only their last
    /// sample before the window is kept). A gun is in the report when it has a report-field
    /// sample in the days or an `energy`/`status` sample before them within the lookback.
    static func rawSamples(store: Store, days: [ReportDay], options: DailyReportOptions,
                           keys: Set<String>?) throws -> [String: GunSamples] {
        guard let first = days.first, let last = days.last else { return [:] }
        let window = TimeRange(start: first.start - options.maxGap, end: last.end + options.maxGap)
        func read(_ fields: [String], _ range: TimeRange) throws -> [SeriesReadResult] {
            guard let keys else {
                return try store.read(database: options.database, measurement: options.measurement, fields: fields, range: range)
            }
            return try keys.sorted().flatMap {
                try store.read(database: options.database, measurement: options.measurement, seriesKey: $0, fields: fields, range: range)
            }
        }
        var byKey: [String: GunSamples] = [:]
        for series in try read(GunSamples.fieldNames, window) {
            let g = GunSamples(series)
            if let s = options.station, g.station != s { continue }
            byKey[series.key] = g
        }
        let before = TimeRange(start: first.start - options.energyLookback, end: window.start)
        if before.end > before.start {
            for series in try read(["energy", "status"], before) {
                var g = byKey[series.key] ?? GunSamples(tags: series.tags)
                if let s = options.station, g.station != s { continue }
                for col in series.columns where col.count > 0 && (col.name == "energy" || col.name == "status") {
                    // Only the last sample before the window matters.
                    let prior = SampleColumn(col)
                    guard let t = prior.times.last, let v = prior.values.last else { continue }
                    let current = col.name == "energy" ? g.energy : g.status
                    g.set(col.name, SampleColumn(times: [t] + current.times, values: [v] + current.values))
                }
                byKey[series.key] = g
            }
        }
        return byKey.filter { $0.value.belongs(from: first.start, to: last.end) }
    }

    /// All rows at `level`, day by day.
    public func rows(level: ReportLevel) -> [DailyUsage] {
        guns.flatMap { DailyUsage.rollUp($0.map(\.usage), to: level) }
    }
}

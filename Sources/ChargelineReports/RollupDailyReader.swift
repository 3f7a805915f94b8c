import ChargelineCore
import ChargelineStorage

/// Computes a daily report from the hourly rollups, falling back to raw data per gun.
///
/// Each figure from the rollup rows of the day's hours (`B` = bucket length, days hour-aligned):
/// - `energy_kwh`: the hours' `energy_increase`, plus, for an hour whose first sample's
///   predecessor (the previous non-empty hour's `energy_last`) lies more than `B` before it
///   (beyond the rollup's lookback), that pair `first - last` (or `first` on a reset);
/// - `sessions`: the hours' `usage_session_starts`, plus each hour whose `status_first` is 3
///   and whose previous status sample (previous non-empty hour's `status_last`) is not;
/// - `charging_hours`, `fault_minutes`, `online_ratio`: `usage_*_ns` of the day's hours, plus
///   the `_spill_ns` of the hour before the day and of every hour of the day but the last;
/// - `peak_power_kw`: max of `power_max` and `usage_vc_peak_kw`; `max_temperature`:
///   max of `temperature_max`.
/// A gun is read from raw data instead when any of its hours from one before the first day to
/// the last day is not covered (past the watermark or stale), when a row lacks the usage
/// aggregates (written before they existed, or for another max gap), or, with `faultSpans`,
/// when it has fault time (spans are not in the rollup).
struct RollupDailyReader: Sendable {
    let store: Store
    let days: [ReportDay]
    let options: DailyReportOptions
    let coverage: RollupCoverage
    let bucket: Int64
    let rules: DailyUsageRules

    /// Nil when the rollups cannot answer this report at all: no rollup, no usage extension
    /// registered or one with other rules (measurement, max gap), energy not a counter, or
    /// day boundaries not on bucket boundaries (a time zone with a half-hour offset). The
    /// figures themselves follow the rules both paths share (`DailyUsageRules`).
    init?(store: Store, days: [ReportDay], options: DailyReportOptions) {
        let rollup = store.options.rollup
        let rules = options.usageRules
        guard let usage = UsageRollupExtension.registered(in: rollup), usage.rules == rules,
              rollup.counters.contains(rules.energyField), let coverage = store.rollupCoverage(database: options.database),
              options.maxGap <= rollup.bucket, options.energyLookback % rollup.bucket == 0,
              days.allSatisfy({ $0.start % rollup.bucket == 0 && $0.end % rollup.bucket == 0 }),
              let last = days.last, (coverage.watermark ?? .min) >= last.end else { return nil }
        self.rules = rules
        self.store = store
        self.days = days
        self.options = options
        self.coverage = coverage
        self.bucket = rollup.bucket
    }

    /// What one series' rollup rows give (`outcome`): nothing (another station, no report
    /// sample), a fallback to raw data, its days, or, when the hour before the first day lacks
    /// its energy or status sample, its rows (`grid`, empty when they are to be read again)
    /// waiting for the previous samples.
    enum GunOutcome: Sendable { case other, fallback, gun([GunDay]), needsPrior(grid: [Double], energy: Bool, status: Bool) }
    /// Waiting guns keep their rows when the report has at most this many buckets (two days
    /// and the hour before: 7.4 KB a gun, 150 MB if all 20,000 guns wait); longer reports read
    /// the waiting guns' rows again instead (a month's grid is 113 KB a gun).
    static let keptGridBuckets = 49

    /// Rollup fields read, in the order of `Column`: generic aggregates by kind, then the usage
    /// extension's fields.
    static let fields: [String] = {
        let r = DailyUsageRules()
        let generic: [(String, RollupAggregate)] = [
            (r.energyField, .count), (r.energyField, .first), (r.energyField, .last), (r.energyField, .lastTime), (r.energyField, .increase),
            (r.statusField, .count), (r.statusField, .first), (r.statusField, .last), (r.powerField, .max), (r.temperatureField, .max),
        ]
        return generic.map { $1.column(of: $0) } + UsageBucket.fieldNames
    }()
    /// Field name -> position in `fields` (one hash per column instead of a linear search).
    static let fieldIndex = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1, $0) })
    enum Column: Int {
        case energyCount, energyFirst, energyLast, energyLastTime, energyIncrease
        case statusCount, statusFirst, statusLast, powerMax, temperatureMax
        case chargingNs, chargingSpillNs, faultNs, faultSpillNs, onlineNs, onlineSpillNs, sessionStarts, maxGap, vcPeak
    }
    /// Rollup fields the lookback reads.
    static let priorFields: [String] = {
        let r = DailyUsageRules()
        return [RollupAggregate.count.column(of: r.energyField), RollupAggregate.last.column(of: r.energyField),
                RollupAggregate.lastTime.column(of: r.energyField), RollupAggregate.count.column(of: r.statusField),
                RollupAggregate.last.column(of: r.statusField)]
    }()
    /// The lookback reads back one day at a time, and stops for a gun once it has both samples.
    static let lookbackStep: Int64 = 86_400_000_000_000

    func compute() throws -> DailyReport {
        let first = days[0].start, last = days[days.count - 1].end
        let rangeStart = first - bucket
        let nb = Int((last - rangeStart) / bucket)
        let nf = Self.fields.count
        let name = coverage.name
        let lookback = TimeRange(start: first - options.energyLookback, end: rangeStart)
        // The days (and the hour before them). Each gun's rows become its days on the threads
        // that read them (`readRollupMap`); only the outcomes are collected here.
        let range = TimeRange(start: rangeStart, end: last)
        let outcomes = try store.readRollupMap(database: options.database, rollup: name, measurement: options.measurement,
                                               fields: Self.fields, range: range) { s in
            (s.key, s.keyBytes, self.outcome(s, rangeStart: rangeStart, nb: nb, lookback: options.energyLookback > bucket))
        }
        var guns: [String: [GunDay]] = [:]
        var fallback: Set<String> = []
        var seen: Set<String> = []
        var waiting: [String: (bytes: [UInt8], grid: [Double], energy: Bool, status: Bool)] = [:]
        seen.reserveCapacity(outcomes.count)
        for (key, bytes, outcome) in outcomes {
            seen.insert(key)
            switch outcome {
            case .other: break
            case .fallback: fallback.insert(key)
            case .gun(let d): guns[key] = d
            case .needsPrior(let grid, let energy, let status): waiting[key] = (bytes, grid, energy, status)
            }
        }

        if lookback.start < lookback.end {
            // Guns with samples in the lookback only: zero rows (nothing in the days), like raw.
            // Which guns those are comes from the indexes; no rows are read for them.
            let reported = try store.rollupSeriesKeys(database: options.database, measurement: options.measurement,
                                                      holdingAnyOf: [rules.energyField, rules.statusField], range: lookback)
            for raw in reported {
                let key = String(decoding: raw, as: UTF8.self)
                guard !seen.contains(key) else { continue }
                let g = GunSamples(tags: SeriesKey.parse(raw).tags)
                if let st = options.station, g.station != st { continue }
                guard let d = gunDays([Double](repeating: .nan, count: nb * nf), nf: nf, tags: g, priorEnergy: nil, priorStatus: nil) else { continue }
                guns[key] = d
            }
        }
        // Guns whose hour before the days lacks energy or status: their last sample before it.
        let (priorEnergy, priorStatus) = try priors(of: waiting.mapValues { ($0.bytes, $0.energy, $0.status) }, in: lookback)
        func settle(_ key: String, _ outcome: GunOutcome) {
            switch outcome {
            case .gun(let d): guns[key] = d
            case .fallback: fallback.insert(key)
            case .other, .needsPrior: break
            }
        }
        var reread = Set<[UInt8]>()
        for (key, w) in waiting {
            guard !w.grid.isEmpty else { reread.insert(w.bytes); continue }
            let g = GunSamples(tags: SeriesKey.parse(w.bytes).tags)
            settle(key, decide(grid: w.grid, tags: g, nb: nb, priorEnergy: priorEnergy[key], priorStatus: priorStatus[key]))
        }
        if !reread.isEmpty {
            let energy = priorEnergy, status = priorStatus
            for (key, outcome) in try store.readRollupMap(database: options.database, rollup: name, measurement: options.measurement,
                                                          seriesKeys: reread, fields: Self.fields, range: range, { s in
                (s.key, self.decide(grid: self.grid(s, rangeStart: rangeStart, nb: nb), tags: GunSamples(tags: s.tags), nb: nb,
                                    priorEnergy: energy[s.key], priorStatus: status[s.key]))
            }) { settle(key, outcome) }
        }
        // Series whose only rows in the range are late (not rolled up yet) have no rollup rows.
        for (key, starts) in coverage.stale where starts.contains(where: { $0 >= rangeStart && $0 < last }) {
            let k = String(decoding: key, as: UTF8.self)
            if !seen.contains(k) && SeriesKey.measurement(of: key) == options.measurement { fallback.insert(k) }
        }
        var fromRaw = 0
        if !fallback.isEmpty {
            let raw = try DailyReport.rawSamples(store: store, days: days, options: options,
                                                 keys: fallback.count <= 256 ? fallback : nil)
            let calc = DailyUsageCalculator(rules: rules)
            for (key, samples) in raw where fallback.contains(key) {
                guns[key] = days.map { calc.compute(samples, day: $0) }
                fromRaw += 1
            }
        }
        let ordered = guns.values.sorted { ($0[0].usage.station, $0[0].usage.pile, $0[0].usage.gun) < ($1[0].usage.station, $1[0].usage.pile, $1[0].usage.gun) }
        var report = DailyReport(days: days, guns: (0..<days.count).map { d in ordered.map { $0[d] } })
        report.gunsFromRaw = fromRaw
        return report
    }

    /// The last energy sample (value, time) and the last status before `range.end` within
    /// `range`, for the guns of `wanted` (key -> its bytes, energy wanted, status wanted). Reads back a
    /// day at a time only the guns still missing one, so a gun that reported the day before
    /// costs one day's rows, not a week's.
    private func priors(of wanted: [String: (bytes: [UInt8], energy: Bool, status: Bool)], in range: TimeRange) throws
        -> (energy: [String: (value: Double, time: Int64)], status: [String: Double]) {
        var energy: [String: (value: Double, time: Int64)] = [:]
        var status: [String: Double] = [:]
        var missing = wanted
        var end = range.end
        while end > range.start {
            missing = missing.filter { $0.value.energy || $0.value.status }
            if missing.isEmpty { break }
            let window = TimeRange(start: max(range.start, end - Self.lookbackStep), end: end)
            let keys = Set(missing.values.map(\.bytes))
            for s in try store.readRollup(database: options.database, rollup: coverage.name, measurement: options.measurement,
                                          seriesKeys: keys, fields: Self.priorFields, range: window) {
                guard let want = missing[s.key] else { continue }
                let cols = Dictionary(s.columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                if want.energy, let c = cols[Self.priorFields[1]], let t = cols[Self.priorFields[2]], c.count > 0, t.count == c.count,
                   let v = c.value(at: c.count - 1).doubleValue, case .integer(let time) = t.value(at: t.count - 1) {
                    energy[s.key] = (v, time)
                    missing[s.key]?.energy = false
                }
                if want.status, let c = cols[Self.priorFields[4]], c.count > 0, let v = c.value(at: c.count - 1).doubleValue {
                    status[s.key] = v
                    missing[s.key]?.status = false
                }
            }
            end = window.start
        }
        return (energy, status)
    }

    /// What the rollup rows of one series give: its days, a fallback to raw data (late rows,
    /// another max gap, fault spans wanted), nothing (another station, no report sample), or
    /// with `lookback`, when the hour before the days lacks energy or status, its grid to
    /// finish once the previous samples are known (`decide`).
    private func outcome(_ s: SeriesReadResult, rangeStart: Int64, nb: Int, lookback: Bool) -> GunOutcome {
        let nf = Self.fields.count
        let last = days[days.count - 1].end
        let g = GunSamples(tags: s.tags)
        if let st = options.station, g.station != st { return .other }
        let grid = grid(s, rangeStart: rangeStart, nb: nb)
        // Late rows not rolled up yet: raw decides everything, membership included.
        if let stale = coverage.stale[s.keyBytes], stale.contains(where: { $0 >= rangeStart && $0 < last }) {
            return .fallback
        }
        // Bucket 0 is the hour before the first day: its samples are the previous ones when present.
        let energy = !(grid[Column.energyCount.rawValue] > 0), status = !(grid[Column.statusCount.rawValue] > 0)
        if lookback && (energy || status) { return .needsPrior(grid: nb <= Self.keptGridBuckets ? grid : [], energy: energy, status: status) }
        return decide(grid: grid, tags: g, nb: nb, priorEnergy: nil, priorStatus: nil)
    }

    /// A gun's rows as a bucket x field grid (NaN = absent).
    private func grid(_ s: SeriesReadResult, rangeStart: Int64, nb: Int) -> [Double] {
        let nf = Self.fields.count
        var grid = [Double](repeating: .nan, count: nb * nf)
        for c in s.columns {
            guard let f = Self.fieldIndex[c.name], c.type != .string else { continue }
            let ts = c.timestamps
            for i in 0..<c.count {
                let b = Int((ts[i] - rangeStart) / bucket)
                grid[b * nf + f] = FieldValue(type: c.type, bits: c.bits(at: i)).doubleValue ?? .nan
            }
        }
        return grid
    }

    /// The outcome of a gun's rows (`grid`) given its previous samples before the hour before
    /// the days (within the lookback).
    private func decide(grid: [Double], tags g: GunSamples, nb: Int, priorEnergy: (value: Double, time: Int64)?,
                        priorStatus: Double?) -> GunOutcome {
        let nf = Self.fields.count
        var ok = true
        // As raw: the gun belongs when it has a report-field sample in the days, or an
        // energy/status sample before them (a `usage_*` row means some report field).
        var belongs = priorEnergy != nil || priorStatus != nil
            || grid[Column.energyCount.rawValue] > 0 || grid[Column.statusCount.rawValue] > 0
        for b in 0..<nb {
            let hasReport = grid[b * nf + Column.energyCount.rawValue] > 0 || grid[b * nf + Column.statusCount.rawValue] > 0
                || !grid[b * nf + Column.powerMax.rawValue].isNaN || !grid[b * nf + Column.temperatureMax.rawValue].isNaN
            if b > 0 && (hasReport || !grid[b * nf + Column.maxGap.rawValue].isNaN) { belongs = true }
            if hasReport && grid[b * nf + Column.maxGap.rawValue] != Double(options.maxGap) { ok = false }
        }
        guard belongs else { return .other }
        guard ok, let d = gunDays(grid, nf: nf, tags: g, priorEnergy: priorEnergy, priorStatus: priorStatus) else { return .fallback }
        return .gun(d)
    }

    /// The gun's days from its grid; nil when it must be read from raw (fault spans wanted).
    private func gunDays(_ grid: [Double], nf: Int, tags g: GunSamples, priorEnergy: (value: Double, time: Int64)?,
                         priorStatus: Double?) -> [GunDay]? {
        func at(_ b: Int, _ c: Column) -> Double { grid[b * nf + c.rawValue] }
        // Stored integers read back through Double: a damaged row's value past Int64 (or not
        // finite) counts as absent instead of trapping in the conversion.
        func ns(_ b: Int, _ c: Column) -> Int64 { let v = at(b, c); return v.isNaN ? 0 : Int64(exactly: v.rounded()) ?? 0 }
        let first = days[0].start
        var prevEnergy = priorEnergy
        var prevStatus = priorStatus
        // Bucket 0 is the hour before the first day: it only feeds the previous samples and spills.
        if at(0, .energyCount) > 0 { prevEnergy = (at(0, .energyLast), ns(0, .energyLastTime)) }
        if at(0, .statusCount) > 0 { prevStatus = at(0, .statusLast) }
        var out: [GunDay] = []
        for day in days {
            let b0 = Int((day.start - first) / bucket) + 1
            let hours = day.hourCount
            var usage = DailyUsage(date: day.date, station: g.station, pile: g.pile, gun: g.gun)
            var hourlyEnergy = [Double](repeating: 0, count: hours)
            var hourlyCharging = [Double](repeating: 0, count: hours)
            var charging: Int64 = 0, fault: Int64 = 0, online: Int64 = 0
            var peak: Double?, temperature: Double?
            for h in 0..<hours {
                let b = b0 + h
                let start = day.start + Int64(h) * bucket
                if at(b, .energyCount) > 0 {
                    var inc = at(b, .energyIncrease)
                    if inc.isNaN { return nil }
                    if let p = prevEnergy, p.time < start - bucket {
                        let v = at(b, .energyFirst)
                        inc += v >= p.value ? v - p.value : v
                    }
                    hourlyEnergy[h] = inc
                    prevEnergy = (at(b, .energyLast), ns(b, .energyLastTime))
                }
                if at(b, .statusCount) > 0 {
                    usage.sessions += Int(ns(b, .sessionStarts))
                    if rules.startsSession(at(b, .statusFirst), previous: prevStatus) {
                        usage.sessions += 1
                    }
                    prevStatus = at(b, .statusLast)
                }
                let c = ns(b, .chargingNs) + ns(b - 1, .chargingSpillNs)
                charging += c
                hourlyCharging[h] = Double(c) / 1e9
                fault += ns(b, .faultNs) + ns(b - 1, .faultSpillNs)
                online += ns(b, .onlineNs) + ns(b - 1, .onlineSpillNs)
                if !at(b, .powerMax).isNaN { peak = max(peak ?? at(b, .powerMax), at(b, .powerMax)) }
                if !at(b, .vcPeak).isNaN { peak = max(peak ?? at(b, .vcPeak), at(b, .vcPeak)) }
                if !at(b, .temperatureMax).isNaN { temperature = max(temperature ?? at(b, .temperatureMax), at(b, .temperatureMax)) }
            }
            if options.faultSpans && fault > 0 { return nil }
            for e in hourlyEnergy { usage.energyKWh += e }
            usage.chargingHours = Double(charging) / 3.6e12
            usage.faultMinutes = Double(fault) / 6e10
            usage.onlineRatio = Double(online) / Double(day.end - day.start)
            usage.peakPowerKW = peak
            usage.maxTemperature = temperature
            out.append(GunDay(usage: usage, hourlyEnergyKWh: hourlyEnergy, hourlyChargingSeconds: hourlyCharging, faults: []))
        }
        return out
    }
}

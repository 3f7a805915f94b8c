/// Computes one gun's `GunDay` from its raw samples, exactly as docs/reports.md defines the figures.
///
/// The samples must cover `[day.start - maxGap, day.end + maxGap)` for every field, and for
/// `energy` also the last sample before the day (wherever it lies). Pairs of consecutive
/// samples are the unit of every duration: a pair `a -> b` contributes
/// `[a, min(b, a + maxGap))` clipped to the day; a last sample without a successor in the
/// read window contributes nothing.
/// Status codes, the max gap and the interval rules are `DailyUsageRules`', shared with the
/// rollup path.
public struct DailyUsageCalculator: Sendable {
    /// The rules of the figures (measurement, status codes, max gap).
    public var rules: DailyUsageRules
    /// Longest gap between two samples that still counts in full (ns): `rules.maxGap`.
    public var maxGap: Int64 { rules.maxGap }

    /// One hour in ns: the bucket of the HTML charts.
    static let hour: Int64 = 3_600_000_000_000

    public init(maxGap: Int64 = 300_000_000_000) {
        self.init(rules: DailyUsageRules(maxGap: maxGap))
    }

    public init(rules: DailyUsageRules) {
        precondition(rules.maxGap > 0, "BUG: the maximum gap must be positive")
        self.rules = rules
    }

    /// The figures of `samples` for `day`.
    public func compute(_ samples: GunSamples, day: ReportDay) -> GunDay {
        var usage = DailyUsage(date: day.date, station: samples.station, pile: samples.pile, gun: samples.gun)
        var hourlyEnergy = [Double](repeating: 0, count: day.hourCount)
        var hourlyCharging = [Double](repeating: 0, count: day.hourCount)

        // energy: increase() over pairs whose later sample lies in the day, summed per hour
        // first (as the hourly rollups do, so both give the same floating-point sums).
        let e = samples.energy
        var j = max(e.lowerBound(day.start), 1)
        while j < e.times.count && e.times[j] < day.end {
            let a = e.values[j - 1], b = e.values[j]
            hourlyEnergy[Int((e.times[j] - day.start) / Self.hour)] += b >= a ? b - a : b
            j += 1
        }
        for h in hourlyEnergy { usage.energyKWh += h }

        // charging hours and sessions.
        let s = samples.status
        var chargingNs: Int64 = 0
        accrue(s, code: rules.chargingCode, day: day) { lo, hi in
            chargingNs += hi - lo
            Self.spread(lo, hi, day: day, into: &hourlyCharging)
        }
        usage.chargingHours = Double(chargingNs) / 3.6e12
        j = s.lowerBound(day.start)
        while j < s.times.count && s.times[j] < day.end {
            if rules.startsSession(s.values[j], previous: j == 0 ? nil : s.values[j - 1]) { usage.sessions += 1 }
            j += 1
        }

        // fault minutes and spans (adjacent pieces merged).
        var faultNs: Int64 = 0
        var faults: [FaultSpan] = []
        accrue(s, code: rules.faultCode, day: day) { lo, hi in
            faultNs += hi - lo
            if let last = faults.last, last.end == lo {
                faults[faults.count - 1].end = hi
            } else {
                faults.append(FaultSpan(station: samples.station, pile: samples.pile, gun: samples.gun, start: lo, end: hi))
            }
        }
        usage.faultMinutes = Double(faultNs) / 6e10

        usage.peakPowerKW = peakPower(samples, day: day)
        usage.maxTemperature = maximum(samples.temperature, day: day)
        usage.onlineRatio = onlineRatio(samples.reportTimes, day: day)
        return GunDay(usage: usage, hourlyEnergyKWh: hourlyEnergy, hourlyChargingSeconds: hourlyCharging.map { $0 / 1e9 },
                      faults: faults)
    }

    /// Calls `body(lo, hi)` for each sample `a` with status `code`: the interval
    /// `[a, min(b, a + maxGap))` clipped to the day, when not empty, where `b` is the next
    /// sample; with none (the gun stopped reporting), `a` holds for `maxGap`.
    private func accrue(_ s: SampleColumn, code: Double, day: ReportDay, _ body: (Int64, Int64) -> Void) {
        var j = s.lowerBound(day.start - maxGap)
        while j < s.times.count && s.times[j] < day.end {
            if s.values[j] == code {
                let a = s.times[j]
                let b = rules.heldUntil(a, next: j + 1 < s.times.count ? s.times[j + 1] : nil)
                let lo = max(a, day.start), hi = min(b, day.end)
                if hi > lo { body(lo, hi) }
            }
            j += 1
        }
    }

    /// Adds the ns of `[lo, hi)` to the hour buckets of `day`.
    private static func spread(_ lo: Int64, _ hi: Int64, day: ReportDay, into buckets: inout [Double]) {
        var lo = lo
        while lo < hi {
            let h = Int((lo - day.start) / hour)
            let next = min(hi, day.start + Int64(h + 1) * hour)
            buckets[h] += Double(next - lo)
            lo = next
        }
    }

    /// Highest `power`; where a report time has no `power`, voltage x current / 1000.
    private func peakPower(_ g: GunSamples, day: ReportDay) -> Double? {
        var peak = maximum(g.power, day: day)
        var v = g.voltage.lowerBound(day.start), c = g.current.lowerBound(day.start)
        while v < g.voltage.times.count && c < g.current.times.count {
            let tv = g.voltage.times[v], tc = g.current.times[c]
            if tv >= day.end || tc >= day.end { break }
            if tv < tc { v += 1; continue }
            if tc < tv { c += 1; continue }
            let p = g.power.lowerBound(tv)
            if p == g.power.times.count || g.power.times[p] != tv {
                let kw = DailyUsageRules.powerKW(voltage: g.voltage.values[v], current: g.current.values[c])
                peak = max(peak ?? kw, kw)
            }
            v += 1
            c += 1
        }
        return peak
    }

    private func maximum(_ col: SampleColumn, day: ReportDay) -> Double? {
        var j = col.lowerBound(day.start)
        var best: Double?
        while j < col.times.count && col.times[j] < day.end {
            best = max(best ?? col.values[j], col.values[j])
            j += 1
        }
        return best
    }

    /// Share of the day covered by consecutive report times no more than `maxGap` apart.
    private func onlineRatio(_ times: [Int64], day: ReportDay) -> Double {
        var covered: Int64 = 0
        var j = SampleColumn.lowerBound(times, day.start - maxGap)
        while j + 1 < times.count && times[j] < day.end {
            let a = times[j], b = times[j + 1]
            if rules.isOnline(from: a, to: b) {
                let lo = max(a, day.start), hi = min(b, day.end)
                if hi > lo { covered += hi - lo }
            }
            j += 1
        }
        return Double(covered) / Double(day.end - day.start)
    }
}

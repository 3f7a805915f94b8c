import ChargelineCore
import ChargelineStorage

/// Revenue from the `transaction` measurement (docs/schema.md: one point per charging session,
/// YKC 0x3B, stamped with the session end, `amount` in yuan as the pile billed it).
extension DailyReport {
    /// The measurement and field the revenue comes from.
    static let transactionMeasurement = "transaction"
    static let amountField = "amount"

    /// Sets each gun's `revenueYuan` to the sum of the `amount` of its sessions that ended in
    /// the day, and `revenueKnown`. A store without `transaction` records leaves revenue unknown
    /// (`nil`, shown as such) rather than inventing it from energy; with them, a gun without a
    /// session ending in the day took 0. A gun with sessions but no telemetry in the days gets a
    /// row of its own (zero usage), so the fleet total is every session's money.
    mutating func addRevenue(store: Store, options: DailyReportOptions) throws {
        guard let first = days.first, let last = days.last,
              try store.measurements(database: options.database).contains(Self.transactionMeasurement) else { return }
        let series = try store.read(database: options.database, measurement: Self.transactionMeasurement,
                                    fields: [Self.amountField], range: TimeRange(start: first.start, end: last.end))
        // Per day: gun (station, pile, gun) -> yuan.
        var byDay = [[GunKey: Double]](repeating: [:], count: days.count)
        for s in series {
            let tags = GunSamples(tags: s.tags)
            if let st = options.station, tags.station != st { continue }
            let key = GunKey(station: tags.station, pile: tags.pile, gun: tags.gun)
            for c in s.columns where c.name == Self.amountField {
                let amounts = SampleColumn(c)
                var d = 0
                for (t, v) in zip(amounts.times, amounts.values) {
                    while d < days.count && t >= days[d].end { d += 1 }
                    guard d < days.count else { break }
                    if t >= days[d].start { byDay[d][key, default: 0] += v }
                }
            }
        }
        revenueKnown = true
        for d in days.indices {
            var left = byDay[d]
            for i in guns[d].indices {
                let u = guns[d][i].usage
                guns[d][i].usage.revenueYuan = left.removeValue(forKey: GunKey(station: u.station, pile: u.pile, gun: u.gun)) ?? 0
            }
            guard !left.isEmpty else { continue }
            let hours = days[d].hourCount
            for (k, yuan) in left {
                var u = DailyUsage(date: days[d].date, station: k.station, pile: k.pile, gun: k.gun)
                u.revenueYuan = yuan
                guns[d].append(GunDay(usage: u, hourlyEnergyKWh: Array(repeating: 0, count: hours),
                                      hourlyChargingSeconds: Array(repeating: 0, count: hours), faults: []))
            }
            guns[d].sort { ($0.usage.station, $0.usage.pile, $0.usage.gun) < ($1.usage.station, $1.usage.pile, $1.usage.gun) }
        }
    }
}

/// A gun's tags, as a dictionary key.
struct GunKey: Hashable {
    var station: String
    var pile: String
    var gun: String
}

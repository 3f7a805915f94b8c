import ChargelineCore
import ChargelineStorage

/// Fault episodes from the `alerts` measurement (the alert manager's history, docs/alerting.md),
/// read through the store like any measurement: the reports module knows the measurement's
/// schema (`state`, `late`, tag `rule` and the instance's labels), not the alerts module.
extension DailyReport {
    /// The measurement the alert manager writes its state changes to, and its fields read here.
    static let alertsMeasurement = "alerts"
    static let alertFields = ["state", "late"]

    /// Sets `alertEpisodes` (per day, every episode that fired during it, in report order) and
    /// hands each episode to one gun row of the day, whose usage lists it (`DailyUsage.alertEpisodes`,
    /// summed up the levels like the other figures): the row of its station, pile and gun; for
    /// an episode whose labels name no gun (or a gun without a row), the pile's first gun row;
    /// naming no pile, the station's first. An episode whose station or pile has no row in the
    /// day is only in `alertEpisodes` (and so in the fleet's count). Episodes that started up to
    /// `energyLookback` before the first day and still fired in it are included.
    mutating func addAlertEpisodes(store: Store, options: DailyReportOptions) throws {
        guard let first = days.first, let last = days.last,
              try store.measurements(database: options.database).contains(Self.alertsMeasurement) else { return }
        let series = try store.read(database: options.database, measurement: Self.alertsMeasurement, fields: Self.alertFields,
                                    range: TimeRange(start: first.start - options.energyLookback, end: last.end))
        var all: [AlertEpisode] = []
        for s in series {
            var rule = "", station = "", pile = "", gun = ""
            for t in s.tags {
                switch t.key {
                case "rule": rule = t.value
                case "station": station = t.value
                case "pile": pile = t.value
                case "gun": gun = t.value
                default: break
                }
            }
            if let st = options.station, station != st { continue }
            var states: [(time: Int64, state: String)] = []
            var late: [Int64: Bool] = [:]
            for c in s.columns {
                for i in 0..<c.count {
                    switch (c.name, c.value(at: i)) {
                    case ("state", .string(let v)): states.append((c.timestamps[i], v))
                    case ("late", .boolean(let v)): late[c.timestamps[i]] = v
                    default: break
                    }
                }
            }
            all += AlertEpisode.episodes(rule: rule, station: station, pile: pile, gun: gun, states: states, late: late)
        }
        all.sort(by: <)
        alertEpisodes = days.map { day in all.filter { $0.overlaps(from: day.start, to: day.end) } }
        for d in days.indices where !alertEpisodes[d].isEmpty {
            // Row of each gun, and the first row of each pile and station.
            var rows: [GunKey: Int] = [:]
            for (i, g) in guns[d].enumerated() {
                let u = g.usage
                for k in [GunKey(station: u.station, pile: u.pile, gun: u.gun), GunKey(station: u.station, pile: u.pile, gun: ""),
                          GunKey(station: u.station, pile: "", gun: "")] where rows[k] == nil { rows[k] = i }
            }
            for e in alertEpisodes[d] {
                let row = rows[GunKey(station: e.station, pile: e.pile, gun: e.gun)]
                    ?? rows[GunKey(station: e.station, pile: e.pile, gun: "")]
                    ?? (e.pile.isEmpty ? rows[GunKey(station: e.station, pile: "", gun: "")] : nil)
                if let row { guns[d][row].usage.alertEpisodes.append(e) }
            }
        }
    }
}

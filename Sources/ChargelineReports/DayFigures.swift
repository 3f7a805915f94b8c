/// One day of a report summed the way the HTML page shows it: the fleet, each station (with
/// its hourly profile) and the counts, in one pass over the guns.
struct DayFigures {
    /// One station's day.
    struct Station {
        var usage: DailyUsage
        var piles = 0
        var guns = 0
        var gunsWithFaults = 0
        /// The alert manager's fault episodes listed by its rows.
        var alertEpisodes = 0
        var hourlyEnergyKWh: [Double]
        var hourlyChargingSeconds: [Double]
        /// Index in `stations` (name order): the anchor of its details (`st-<index>`).
        var index: Int
    }

    let day: ReportDay
    /// Stations in name order.
    private(set) var stations: [Station] = []
    private(set) var fleet: DailyUsage
    private(set) var piles = 0
    private(set) var guns = 0
    private(set) var gunsWithFaults = 0
    /// The alert manager's fault episodes of the day, including those of piles without a row.
    let alertEpisodes: Int
    private(set) var hourlyEnergyKWh: [Double]
    private(set) var hourlyChargingSeconds: [Double]
    /// Seconds of the day the figures cover: the whole day, or up to the in-progress time.
    let coveredSeconds: Double

    /// `guns` sorted by station, pile, gun (as `DailyReport` holds them); `until` the
    /// in-progress time when the day has not ended; `alertEpisodes` the day's fault episodes.
    init(day: ReportDay, guns list: [GunDay], until: Int64?, alertEpisodes: Int = 0) {
        self.day = day
        self.alertEpisodes = alertEpisodes
        let hours = day.hourCount
        let end = until.map { min(max($0, day.start), day.end) } ?? day.end
        coveredSeconds = Double(end - day.start) / 1e9
        fleet = DailyUsage(date: day.date, station: "", pile: "", gun: "")
        hourlyEnergyKWh = Array(repeating: 0, count: hours)
        hourlyChargingSeconds = Array(repeating: 0, count: hours)
        var lastPile: (String, String)?
        for g in list {
            let u = g.usage
            if stations.last?.usage.station != u.station {
                var s = DailyUsage(date: u.date, station: u.station, pile: "", gun: "")
                s.revenueYuan = nil
                stations.append(Station(usage: s, hourlyEnergyKWh: Array(repeating: 0, count: hours),
                                        hourlyChargingSeconds: Array(repeating: 0, count: hours), index: stations.count))
            }
            let i = stations.count - 1
            if lastPile.map({ $0 != (u.station, u.pile) }) ?? true {
                stations[i].piles += 1
                piles += 1
                lastPile = (u.station, u.pile)
            }
            stations[i].guns += 1
            guns += 1
            if u.faultMinutes > 0 { stations[i].gunsWithFaults += 1; gunsWithFaults += 1 }
            stations[i].alertEpisodes += u.alertEpisodes.count
            Self.add(u, to: &stations[i].usage)
            Self.add(u, to: &fleet)
            for h in 0..<min(hours, g.hourlyEnergyKWh.count) {
                stations[i].hourlyEnergyKWh[h] += g.hourlyEnergyKWh[h]
                hourlyEnergyKWh[h] += g.hourlyEnergyKWh[h]
            }
            for h in 0..<min(hours, g.hourlyChargingSeconds.count) {
                stations[i].hourlyChargingSeconds[h] += g.hourlyChargingSeconds[h]
                hourlyChargingSeconds[h] += g.hourlyChargingSeconds[h]
            }
        }
        // The online ratio was summed over the guns: make it their mean.
        for i in stations.indices where stations[i].guns > 0 { stations[i].usage.onlineRatio /= Double(stations[i].guns) }
        if guns > 0 { fleet.onlineRatio /= Double(guns) }
    }

    /// Sums (energy, hours, sessions, fault minutes, revenue, online ratio) and maxima.
    private static func add(_ g: DailyUsage, to r: inout DailyUsage) {
        r.energyKWh += g.energyKWh
        r.chargingHours += g.chargingHours
        r.sessions += g.sessions
        r.faultMinutes += g.faultMinutes
        r.onlineRatio += g.onlineRatio
        r.revenueYuan = sumOptional(r.revenueYuan, g.revenueYuan)
        r.peakPowerKW = maxOptional(r.peakPowerKW, g.peakPowerKW)
        r.maxTemperature = maxOptional(r.maxTemperature, g.maxTemperature)
    }

    /// Share of the covered gun-time spent charging (0...1) for `chargingHours` over `guns`.
    func utilisation(chargingHours: Double, guns: Int) -> Double {
        guard guns > 0, coveredSeconds > 0 else { return 0 }
        return chargingHours * 3600 / (Double(guns) * coveredSeconds)
    }

    /// An online ratio of the whole day (`DailyUsage.onlineRatio`) as a share of the covered
    /// part, so a day in progress is not shown as mostly offline.
    func online(_ ratio: Double) -> Double {
        guard coveredSeconds > 0 else { return 0 }
        return min(1, ratio * (Double(day.end - day.start) / 1e9) / coveredSeconds)
    }

    /// The fleet's utilisation over the covered part of the day.
    var fleetUtilisation: Double { utilisation(chargingHours: fleet.chargingHours, guns: guns) }

    /// A station's utilisation over the covered part of the day.
    func utilisation(_ s: Station) -> Double { utilisation(chargingHours: s.usage.chargingHours, guns: s.guns) }
}

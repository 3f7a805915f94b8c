/// The granularity of report rows.
public enum ReportLevel: String, Sendable, CaseIterable {
    case gun, pile, station
}

extension DailyUsage {
    /// Rolls gun rows (sorted by date, station, pile, gun) up to `level`: energy, hours,
    /// sessions, fault minutes and revenue sum, alert episodes are listed together; peak power and temperature take the maximum; the
    /// online ratio is the mean over the guns. Output keeps the input order.
    public static func rollUp(_ guns: [DailyUsage], to level: ReportLevel) -> [DailyUsage] {
        if level == .gun { return guns }
        var out: [DailyUsage] = []
        var count = 0
        for g in guns {
            let pile = level == .pile ? g.pile : ""
            if let last = out.last, last.date == g.date, last.station == g.station, last.pile == pile {
                var r = last
                r.energyKWh += g.energyKWh
                r.chargingHours += g.chargingHours
                r.sessions += g.sessions
                r.faultMinutes += g.faultMinutes
                r.peakPowerKW = maxOptional(r.peakPowerKW, g.peakPowerKW)
                r.maxTemperature = maxOptional(r.maxTemperature, g.maxTemperature)
                r.onlineRatio += g.onlineRatio
                r.revenueYuan = sumOptional(r.revenueYuan, g.revenueYuan)
                r.alertEpisodes += g.alertEpisodes
                out[out.count - 1] = r
                count += 1
            } else {
                if count > 0 { out[out.count - 1].onlineRatio /= Double(count) }
                var r = g
                r.pile = pile
                r.gun = ""
                out.append(r)
                count = 1
            }
        }
        if count > 0 { out[out.count - 1].onlineRatio /= Double(count) }
        return out
    }
}

func maxOptional(_ a: Double?, _ b: Double?) -> Double? {
    switch (a, b) {
    case let (x?, y?): max(x, y)
    case let (x?, nil): x
    case let (nil, y): y
    }
}

func sumOptional(_ a: Double?, _ b: Double?) -> Double? {
    switch (a, b) {
    case let (x?, y?): x + y
    case let (x?, nil): x
    case let (nil, y): y
    }
}

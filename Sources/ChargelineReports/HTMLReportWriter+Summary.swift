/// The summary of a day: fleet totals, top and bottom stations, faults, the station table.
extension HTMLReportWriter {
    /// The fleet's figures as a row of labelled boxes, read first.
    func totals(_ f: DayFigures, into out: inout TextBuffer) {
        let u = f.fleet
        out.append("<dl class=\"kpis\" id=\"fleet-totals\">\n")
        func kpi(_ id: String, _ label: String, _ value: String, _ small: String = "") {
            out.append("<div class=\"kpi\" id=\"kpi-\(id)\"><dt>\(label)</dt><dd>\(value)")
            if !small.isEmpty { out.append(" <small>\(small)</small>") }
            out.append("</dd></div>\n")
        }
        kpi("energy", "Energy", Self.grouped(u.energyKWh, 1), "kWh")
        if let y = u.revenueYuan {
            let perKWh = u.energyKWh > 0 ? "avg ¥" + Self.grouped(y / u.energyKWh, 2) + "/kWh" : ""
            kpi("revenue", "Revenue", "¥" + Self.grouped(y, 2), perKWh)
        } else {
            kpi("revenue", "Revenue", "<span class=\"unknown\">unknown</span>", "no transaction records")
        }
        kpi("sessions", "Sessions", Self.grouped(Double(u.sessions), 0))
        kpi("utilisation", "Utilisation", Self.grouped(f.fleetUtilisation * 100, 1) + "%",
            Self.grouped(u.chargingHours, 1) + " h charging")
        kpi("faults", "Faults", Self.grouped(u.faultMinutes, 0) + " min",
            "\(Self.grouped(Double(f.gunsWithFaults), 0)) of \(Self.grouped(Double(f.guns), 0)) guns"
                + (f.alertEpisodes > 0 ? " · \(Self.grouped(Double(f.alertEpisodes), 0)) alert episode\(f.alertEpisodes == 1 ? "" : "s")" : ""))
        kpi("online", "Online", Self.grouped(f.online(u.onlineRatio) * 100, 1) + "%")
        kpi("fleet", "Fleet", Self.grouped(Double(f.stations.count), 0) + " <small>stations</small>",
            "\(Self.grouped(Double(f.piles), 0)) piles · \(Self.grouped(Double(f.guns), 0)) guns")
        out.append("</dl>\n")
        if u.revenueYuan == nil {
            out.append("<p class=\"note\">Revenue is unknown: this store holds no <code>transaction</code> records ")
            out.append("(YKC 0x3B, the amount each session was billed). The figures above are energy-based; ")
            out.append("no price has been assumed.</p>\n")
        }
    }

    /// What stations are ranked by: revenue when known, else energy.
    func rankValue(_ s: DayFigures.Station) -> Double { s.usage.revenueYuan ?? s.usage.energyKWh }

    /// The top and bottom stations by revenue (or energy), side by side.
    func ranking(_ f: DayFigures, into out: inout TextBuffer) {
        guard !f.stations.isEmpty else {
            out.append("<p class=\"none\">No data for this day.</p>\n")
            return
        }
        let by = f.fleet.revenueYuan == nil ? "energy" : "revenue"
        let sorted = f.stations.sorted { (rankValue($0), $1.usage.station) > (rankValue($1), $0.usage.station) }
        let top = Array(sorted.prefix(Self.rankCount))
        let bottom = Array(sorted.dropFirst(top.count).suffix(Self.rankCount).reversed())
        out.append("<div class=\"ranks\">\n")
        rankTable("top-stations", "Top \(top.count) stations by \(by)", top, f, into: &out)
        if !bottom.isEmpty {
            rankTable("bottom-stations", "Bottom \(bottom.count) stations by \(by)", bottom, f, into: &out)
        }
        out.append("</div>\n")
    }

    private func rankTable(_ id: String, _ caption: String, _ rows: [DayFigures.Station], _ f: DayFigures,
                           into out: inout TextBuffer) {
        out.append("<table class=\"rank\" id=\"\(id)\">\n<caption>\(caption)</caption>\n")
        out.append("<thead><tr><th>Station</th><th>Energy (kWh)</th><th>Revenue (¥)</th><th>Sessions</th><th>Utilisation</th></tr></thead>\n<tbody>\n")
        for s in rows {
            out.append("<tr>")
            stationName(s, into: &out)
            out.append("<td>\(Self.grouped(s.usage.energyKWh, 1))</td><td>\(revenue(s.usage.revenueYuan))</td>")
            out.append("<td>\(Self.grouped(Double(s.usage.sessions), 0))</td><td>\(Self.grouped(f.utilisation(s) * 100, 1))%</td></tr>\n")
        }
        out.append("</tbody>\n</table>\n")
    }

    /// A station's name cell: a link to its details when the page has them.
    func stationName(_ s: DayFigures.Station, into out: inout TextBuffer) {
        if level == .station {
            out.append("<th scope=\"row\">\(Self.escape(s.usage.station))</th>")
        } else {
            out.append("<th scope=\"row\"><a href=\"#\(anchor(s))\">\(Self.escape(s.usage.station))</a></th>")
        }
    }

    func anchor(_ s: DayFigures.Station) -> String { "st-\(s.usage.date)-\(s.index)" }

    func revenue(_ yuan: Double?) -> String {
        yuan.map { Self.grouped($0, 2) } ?? "<span class=\"unknown\">n/a</span>"
    }

    /// How many guns the fault table lists.
    static let faultRows = 10

    /// The guns with the most fault time (from the usage figures, so it needs no fault spans).
    func faultSummary(_ guns: [GunDay], _ f: DayFigures, into out: inout TextBuffer) {
        out.append("<h3>Faults</h3>\n")
        guard f.gunsWithFaults > 0 else { out.append("<p class=\"none\">No fault time.</p>\n"); return }
        out.append("<p class=\"note\">\(Self.grouped(Double(f.gunsWithFaults), 0)) guns had fault time, \(Self.grouped(f.fleet.faultMinutes, 0)) minutes in all")
        out.append(f.gunsWithFaults > Self.faultRows ? "; the \(Self.faultRows) longest:</p>\n" : ":</p>\n")
        let worst = guns.lazy.map(\.usage).filter { $0.faultMinutes > 0 }
            .sorted { ($0.faultMinutes, $1.station, $1.pile, $1.gun) > ($1.faultMinutes, $0.station, $0.pile, $0.gun) }
            .prefix(Self.faultRows)
        out.append("<table class=\"faults\" id=\"fault-guns\">\n<thead><tr><th>Station</th><th>Pile</th><th>Gun</th><th>Fault (min)</th></tr></thead>\n<tbody>\n")
        for u in worst {
            out.append("<tr><td>\(Self.escape(u.station))</td><td>\(Self.escape(u.pile))</td><td>\(Self.escape(u.gun))</td><td style=\"text-align:right\">")
            out.append(u.faultMinutes, decimals: 1)
            out.append("</td></tr>\n")
        }
        out.append("</tbody>\n</table>\n")
    }

    /// Every station in name order, the fleet total in the footer, a small hourly energy curve
    /// per station (each on its own scale: the shape of its day).
    func stationTable(_ f: DayFigures, dayIndex: Int, into out: inout TextBuffer) {
        out.append("<h3>All stations</h3>\n<table class=\"stations\" id=\"stations-\(f.day.date)\">\n<thead><tr>")
        for h in ["Station", "Piles", "Guns", "Energy (kWh)", "Revenue (¥)", "Sessions", "Utilisation", "Fault (min)",
                  "Alerts", "Online", "Peak (kW)", "Energy by hour"] {
            out.append("<th>\(h)</th>")
        }
        out.append("</tr></thead>\n<tbody>\n")
        for s in f.stations {
            out.append("<tr data-station=\"\(Self.escape(s.usage.station))\">")
            stationName(s, into: &out)
            stationCells(s.piles, s.guns, s.usage, alerts: s.alertEpisodes, utilisation: f.utilisation(s),
                         online: f.online(s.usage.onlineRatio), into: &out)
            out.append("<td>")
            sparkline(s.hourlyEnergyKWh, into: &out)
            out.append("</td></tr>\n")
        }
        out.append("</tbody>\n<tfoot>\n<tr><th scope=\"row\">Fleet</th>")
        stationCells(f.piles, f.guns, f.fleet, alerts: f.alertEpisodes, utilisation: f.fleetUtilisation,
                     online: f.online(f.fleet.onlineRatio), into: &out)
        out.append("<td></td></tr>\n</tfoot>\n</table>\n")
    }

    private func stationCells(_ piles: Int, _ guns: Int, _ u: DailyUsage, alerts: Int, utilisation: Double, online: Double,
                              into out: inout TextBuffer) {
        out.append("<td>\(piles)</td><td>\(guns)</td><td>\(Self.grouped(u.energyKWh, 1))</td><td>\(revenue(u.revenueYuan))</td>")
        out.append("<td>\(u.sessions)</td><td>\(Self.grouped(utilisation * 100, 1))%</td><td>")
        out.append(u.faultMinutes, decimals: 0)
        out.append("</td><td>")
        out.append(alerts)
        out.append("</td><td>")
        out.append(online * 100, decimals: 1)
        out.append("%</td><td>")
        if let p = u.peakPowerKW { out.append(p, decimals: 1) } else { out.append("-") }
        out.append("</td>")
    }
}

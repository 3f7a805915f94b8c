/// The per-station details of a pile- or gun-level page: one collapsible section per station
/// with its piles or guns and its fault spans, linked from the station table.
extension HTMLReportWriter {
    /// How many fault spans a station's details list (the longest); the CSV has every gun's minutes.
    static let faultSpanRows = 20

    func details(_ guns: [GunDay], _ f: DayFigures, dayIndex: Int, into out: inout TextBuffer) {
        out.append("<h3>\(level == .gun ? "Guns" : "Piles") by station</h3>\n")
        out.append("<p class=\"note\">Open a station for its \(level == .gun ? "guns" : "piles"); printing leaves closed sections out.</p>\n")
        let usage = guns.map(\.usage)
        let rows = DailyUsage.rollUp(usage, to: level)
        var r = 0, g = 0
        for s in f.stations {
            let name = Self.escape(s.usage.station)
            out.append("<details class=\"station\" id=\"\(anchor(s))\"><summary><strong>\(name)</strong>: ")
            out.append("\(Self.grouped(s.usage.energyKWh, 1)) kWh")
            if let y = s.usage.revenueYuan { out.append(", ¥\(Self.grouped(y, 2))") }
            out.append(", \(s.usage.sessions) sessions, \(s.piles) piles, \(s.guns) guns")
            if s.alertEpisodes > 0 { out.append(", \(s.alertEpisodes) alert episode\(s.alertEpisodes == 1 ? "" : "s")") }
            out.append("</summary>\n")
            out.append("<table class=\"detail\" data-station=\"\(name)\">\n<thead><tr><th>Pile</th>")
            if level == .gun { out.append("<th>Gun</th>") }
            out.append("<th>Energy (kWh)</th><th>Revenue (¥)</th><th>Charging (h)</th><th>Sessions</th><th>Peak (kW)</th><th>Max temp.</th><th>Fault (min)</th><th>Online (%)</th></tr></thead>\n<tbody>\n")
            while r < rows.count && rows[r].station == s.usage.station {
                detailRow(rows[r], into: &out)
                r += 1
            }
            out.append("</tbody>\n</table>\n")
            var spans: [FaultSpan] = []
            var episodes: [AlertEpisode] = []
            while g < guns.count && guns[g].usage.station == s.usage.station {
                spans += guns[g].faults
                episodes += guns[g].usage.alertEpisodes
                g += 1
            }
            faultSpans(spans, into: &out)
            alertEpisodes(episodes, into: &out)
            out.append("</details>\n")
        }
    }

    private func detailRow(_ u: DailyUsage, into out: inout TextBuffer) {
        // Plain cells (no classes): these rows are most of a detailed page's bytes.
        out.append("<tr><td>\(Self.escape(u.pile))</td>")
        if level == .gun { out.append("<td>\(Self.escape(u.gun))</td>") }
        out.append("<td>")
        out.append(u.energyKWh, decimals: 1)
        out.append("</td><td>")
        if let y = u.revenueYuan { out.append(y, decimals: 2) } else { out.append("n/a") }
        out.append("</td><td>")
        out.append(u.chargingHours, decimals: 2)
        out.append("</td><td>")
        out.append(u.sessions)
        out.append("</td><td>")
        if let p = u.peakPowerKW { out.append(p, decimals: 1) } else { out.append("-") }
        out.append("</td><td>")
        if let t = u.maxTemperature { out.append(t, decimals: 1) } else { out.append("-") }
        out.append("</td><td>")
        out.append(u.faultMinutes, decimals: 1)
        out.append("</td><td>")
        out.append(u.onlineRatio * 100, decimals: 1)
        out.append("</td></tr>\n")
    }

    /// A station's fault episodes from the alert manager (`alerts`), by pile, gun and start: all
    /// of them (a rule fires rarely; the list is behind the station's details).
    private func alertEpisodes(_ all: [AlertEpisode], into out: inout TextBuffer) {
        guard !all.isEmpty else { return }
        out.append("<table class=\"faults alerts\">\n<caption>Alert episodes (")
        out.append(all.count)
        out.append(")</caption>\n<thead><tr><th>Pile</th><th>Gun</th><th>Rule</th><th>From</th><th>To</th><th>Data</th></tr></thead>\n<tbody>\n")
        for e in all.sorted(by: <) {
            out.append("<tr><td>\(Self.escape(e.pile))</td><td>\(Self.escape(e.gun))</td><td>\(Self.escape(e.rule))</td>")
            out.append("<td>\(local(e.start))</td><td>\(e.end.map(local) ?? "still firing")</td>")
            out.append(e.late ? "<td class=\"late\">late</td></tr>\n" : "<td>live</td></tr>\n")
        }
        out.append("</tbody>\n</table>\n")
    }

    /// A station's fault spans, longest first, at most `faultSpanRows`.
    private func faultSpans(_ all: [FaultSpan], into out: inout TextBuffer) {
        guard !all.isEmpty else { return }
        let spans = all.sorted { ($0.end - $0.start, $1.start) > ($1.end - $1.start, $0.start) }.prefix(Self.faultSpanRows)
        out.append("<table class=\"faults\">\n<caption>Fault spans")
        if all.count > spans.count { out.append(": the \(spans.count) longest of \(all.count)") }
        out.append("</caption>\n<thead><tr><th>Pile</th><th>Gun</th><th>From</th><th>To</th><th>Minutes</th></tr></thead>\n<tbody>\n")
        for f in spans {
            out.append("<tr><td>\(Self.escape(f.pile))</td><td>\(Self.escape(f.gun))</td>")
            out.append("<td>\(local(f.start))</td><td>\(local(f.end))</td><td>")
            out.append(Double(f.end - f.start) / 6e10, decimals: 1)
            out.append("</td></tr>\n")
        }
        out.append("</tbody>\n</table>\n")
    }
}

/// The inline SVG charts of the HTML report. Each stays the same size whatever the fleet:
/// the fleet in aggregate, the top stations by name, the rest summed.
extension HTMLReportWriter {
    static let barColour = "#4e79a7"
    static let lineColour = "#e15759"
    /// How many stations the energy bar chart names (the rest are one "other" bar).
    static let barStations = 15
    /// How many stations the utilisation heat map shows (the busiest by charging time).
    static let heatMapStations = 20

    /// The fleet's energy per local hour (bars) and utilisation per hour (line, right axis);
    /// hours after `until` (a day in progress) are shaded as not yet.
    func hourlyChart(_ f: DayFigures, until: Int64?, into out: inout TextBuffer) {
        let hours = f.day.hourCount
        let top = max(f.hourlyEnergyKWh.max() ?? 0, 1e-9)
        let left = 64.0, right = 44.0, barW = 28.0, plotH = 160.0, topPad = 24.0
        let width = left + barW * Double(hours) + right, height = topPad + plotH + 40
        let base = topPad + plotH
        out.append("<h3>Fleet energy and utilisation per hour</h3>\n")
        out.append("<svg class=\"hourly-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Fleet energy per hour (bars) and utilisation per hour (line)\">\n")
        if let until {
            let h = Double(until - f.day.start) / 3.6e12
            if h < Double(hours) {
                out.append("<rect x=\"")
                out.append(left + barW * h, decimals: 1)
                out.append("\" y=\"\(Int(topPad))\" width=\"")
                out.append(barW * (Double(hours) - h), decimals: 1)
                out.append("\" height=\"\(Int(plotH))\" fill=\"#eee\"/><text x=\"")
                out.append(left + barW * h + 4, decimals: 1)
                out.append("\" y=\"\(Int(topPad + 14))\">not yet</text>\n")
            }
        }
        // Axes: energy on the left (0, half, top), utilisation on the right (0, 50, 100 %).
        for (frac, label) in [(0.0, "0"), (0.5, Self.grouped(top / 2, 0)), (1.0, Self.grouped(top, 0))] {
            let y = Int(base - plotH * frac)
            out.append("<line x1=\"\(Int(left))\" y1=\"\(y)\" x2=\"\(Int(width - right))\" y2=\"\(y)\" stroke=\"#ddd\"/>")
            out.append("<text x=\"\(Int(left - 4))\" y=\"\(y + 4)\" text-anchor=\"end\">\(label)</text>")
            out.append("<text x=\"\(Int(width - right + 4))\" y=\"\(y + 4)\" fill=\"\(Self.lineColour)\">\(Int(frac * 100))%</text>\n")
        }
        out.append("<text x=\"\(Int(left - 4))\" y=\"\(Int(topPad - 10))\" text-anchor=\"end\">kWh</text>\n")
        var points = ""
        for h in 0..<hours {
            let x = left + barW * Double(h)
            let e = f.hourlyEnergyKWh[h]
            if e > 0 {
                let hgt = e / top * plotH
                out.append("<rect class=\"bar\" x=\"")
                out.append(x + 3, decimals: 1)
                out.append("\" y=\"")
                out.append(base - hgt, decimals: 1)
                out.append("\" width=\"\(Int(barW - 6))\" height=\"")
                out.append(hgt, decimals: 1)
                out.append("\" fill=\"\(Self.barColour)\"><title>\(h):00 \(Self.grouped(e, 1)) kWh</title></rect>\n")
            }
            // Utilisation of the hour: charging seconds over the guns' seconds in it.
            let hourSeconds = Double(min(f.day.end, f.day.start + Int64(h + 1) * 3_600_000_000_000) - (f.day.start + Int64(h) * 3_600_000_000_000)) / 1e9
            let u = f.guns > 0 ? min(1, f.hourlyChargingSeconds[h] / (Double(f.guns) * hourSeconds)) : 0
            // The line stops at a day in progress's last hour: later hours have no figures yet.
            if until.map({ f.day.start + Int64(h) * 3_600_000_000_000 < $0 }) ?? true {
                points += "\(Int(x + barW / 2)),\(Int(base - u * plotH)) "
            }
            if h % 3 == 0 {
                out.append("<text x=\"\(Int(x + barW / 2))\" y=\"\(Int(base + 14))\" text-anchor=\"middle\">\(h):00</text>\n")
            }
        }
        out.append("<polyline class=\"utilisation\" points=\"\(points)\" fill=\"none\" stroke=\"\(Self.lineColour)\" stroke-width=\"2\"/>\n")
        let legendY = Int(base + 32)
        out.append("<rect x=\"\(Int(left))\" y=\"\(legendY - 9)\" width=\"10\" height=\"10\" fill=\"\(Self.barColour)\"/><text x=\"\(Int(left + 14))\" y=\"\(legendY)\">energy (kWh, left)</text>")
        out.append("<line x1=\"\(Int(left + 150))\" y1=\"\(legendY - 4)\" x2=\"\(Int(left + 166))\" y2=\"\(legendY - 4)\" stroke=\"\(Self.lineColour)\" stroke-width=\"2\"/><text x=\"\(Int(left + 170))\" y=\"\(legendY)\">utilisation (%, right)</text>\n")
        out.append("</svg>\n")
    }

    /// Energy by station: the top stations named, largest first, the others as one bar.
    func stationBars(_ f: DayFigures, into out: inout TextBuffer) {
        guard !f.stations.isEmpty else { return }
        let sorted = f.stations.sorted { ($0.usage.energyKWh, $1.usage.station) > ($1.usage.energyKWh, $0.usage.station) }
        var bars = sorted.prefix(Self.barStations).map { (Self.escape($0.usage.station), $0.usage.energyKWh) }
        let rest = sorted.dropFirst(Self.barStations)
        if !rest.isEmpty {
            let name = rest.count == 1 ? "1 other station" : "\(rest.count) other stations"
            bars.append((name, rest.reduce(0) { $0 + $1.usage.energyKWh }))
        }
        // Scaled to the largest named station: the "other stations" bar, often far larger, is
        // cut at the right edge (its value written beside it) rather than flattening the rest.
        let top = max(bars.prefix(Self.barStations).map(\.1).max() ?? 0, 1e-9)
        let left = 150.0, plotW = 480.0, rowH = 18.0, topPad = 4.0
        let width = left + plotW * 1.05 + 150, height = topPad + rowH * Double(bars.count) + 6
        out.append("<h3>Energy by station")
        out.append(rest.isEmpty ? "</h3>\n" : ": top \(Self.barStations) and the other \(rest.count) together</h3>\n")
        out.append("<svg class=\"station-bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Energy by station\">\n")
        for (i, (name, e)) in bars.enumerated() {
            let y = topPad + rowH * Double(i)
            let w = max(min(e / top, 1.05) * plotW, e > 0 ? 1 : 0)
            let other = !rest.isEmpty && i == bars.count - 1
            out.append("<text class=\"station\" x=\"\(Int(left - 6))\" y=\"\(Int(y + rowH - 5))\" text-anchor=\"end\">\(name)</text>")
            out.append("<rect class=\"bar\" x=\"\(Int(left))\" y=\"\(Int(y + 2))\" width=\"")
            out.append(w, decimals: 1)
            out.append("\" height=\"\(Int(rowH - 4))\" fill=\"\(other ? "#9aa9b8" : Self.barColour)\"/>")
            out.append("<text x=\"")
            out.append(left + w + 4, decimals: 1)
            out.append("\" y=\"\(Int(y + rowH - 5))\">\(Self.grouped(e, 1))\(e > top * 1.05 ? " (off scale)" : "")</text>\n")
        }
        out.append("</svg>\n")
    }

    /// Station x hour: cell darkness is the share of the station's gun-time charging, for the
    /// busiest stations (by charging hours), so the chart keeps its size at any fleet.
    func heatMap(_ f: DayFigures, into out: inout TextBuffer) {
        guard !f.stations.isEmpty else { return }
        let hours = f.day.hourCount
        let rows = f.stations.sorted { ($0.usage.chargingHours, $1.usage.station) > ($1.usage.chargingHours, $0.usage.station) }
            .prefix(Self.heatMapStations)
        let left = 150.0, cell = 22.0, rowH = 16.0, topPad = 16.0
        let width = left + cell * Double(hours) + 10, height = topPad + rowH * Double(rows.count) + 6
        out.append(f.stations.count > rows.count
                   ? "<h3>Utilisation by hour: the \(rows.count) busiest of \(f.stations.count) stations</h3>\n"
                   : "<h3>Utilisation by station and hour</h3>\n")
        out.append("<svg class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Share of each hour spent charging, per station; darker is busier\">\n")
        for h in stride(from: 0, to: hours, by: 3) {
            out.append("<text x=\"\(Int(left + cell * Double(h) + 2))\" y=\"\(Int(topPad - 4))\">\(h):00</text>\n")
        }
        for (r, s) in rows.enumerated() {
            let y = topPad + rowH * Double(r)
            let name = Self.escape(s.usage.station)
            out.append("<g><title>\(name): \(Self.grouped(f.utilisation(s) * 100, 1))% of the day charging</title>")
            out.append("<text class=\"station\" x=\"\(Int(left - 6))\" y=\"\(Int(y + rowH - 4))\" text-anchor=\"end\">\(name)</text>\n")
            for h in 0..<hours {
                let share = s.guns > 0 ? min(1, s.hourlyChargingSeconds[h] / (3600 * Double(s.guns))) : 0
                out.append("<rect class=\"cell\" x=\"\(Int(left + cell * Double(h)))\" y=\"\(Int(y))\" width=\"\(Int(cell - 1))\" height=\"\(Int(rowH - 1))\" fill=\"#2a6f97\" fill-opacity=\"")
                out.append(0.04 + 0.96 * share, decimals: 2)
                out.append("\"/>")
            }
            out.append("</g>\n")
        }
        out.append("</svg>\n")
    }

    /// A station's energy per hour as a small line on its own scale (a small multiple).
    func sparkline(_ values: [Double], into out: inout TextBuffer) {
        let w = 96.0, h = 18.0
        let top = values.max() ?? 0
        out.append("<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"96\" height=\"18\" viewBox=\"0 0 96 18\" aria-hidden=\"true\"><polyline points=\"")
        let step = values.count > 1 ? w / Double(values.count - 1) : 0
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(byte: 32) }
            out.append(Int((Double(i) * step).rounded()))
            out.append(byte: 44)
            out.append(Int((h - 1 - (top > 0 ? v / top : 0) * (h - 2)).rounded()))
        }
        out.append("\" fill=\"none\" stroke=\"\(Self.barColour)\" stroke-width=\"1.5\"/></svg>")
    }
}

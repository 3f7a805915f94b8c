/// The inline SVG charts of the HTML report.
extension HTMLReportWriter {
    /// Distinct colours for up to ten stations, then repeating (colour-blind-safe Tableau 10).
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// Energy per local hour, one stacked bar per hour, one colour per station, with a legend.
    func energyChart(_ guns: [GunDay], day: ReportDay, into out: inout TextBuffer) {
        let hours = day.hourCount
        var stations: [String] = []
        var perStation: [[Double]] = []
        for g in guns {
            if stations.last != g.usage.station {
                stations.append(g.usage.station)
                perStation.append([Double](repeating: 0, count: hours))
            }
            for h in 0..<hours { perStation[perStation.count - 1][h] += g.hourlyEnergyKWh[h] }
        }
        var top = 0.0
        for h in 0..<hours { top = max(top, perStation.reduce(0) { $0 + $1[h] }) }
        if top <= 0 { top = 1 }
        let left = 50.0, barW = 24.0, plotH = 200.0, topPad = 10.0
        let width = left + barW * Double(hours) + 10, legendY = topPad + plotH + 30
        let height = legendY + 16 * Double(stations.count) + 10
        out.append("<h3>Energy per hour by station</h3>\n")
        out.append("<svg class=\"energy-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"Energy per hour stacked by station\">\n")
        out.append("<text x=\"2\" y=\"\(Int(topPad + 8))\">")
        out.append(top, decimals: 1)
        out.append(" kWh</text><text x=\"2\" y=\"\(Int(topPad + plotH))\">0</text>\n")
        out.append("<line x1=\"\(Int(left))\" y1=\"\(Int(topPad + plotH))\" x2=\"\(Int(width - 10))\" y2=\"\(Int(topPad + plotH))\" stroke=\"#888\"/>\n")
        for h in 0..<hours {
            var y = topPad + plotH
            let x = left + barW * Double(h)
            for (s, values) in perStation.enumerated() where values[h] > 0 {
                let hgt = values[h] / top * plotH
                y -= hgt
                out.append("<rect class=\"bar\" x=\"")
                out.append(x + 2, decimals: 1)
                out.append("\" y=\"")
                out.append(y, decimals: 1)
                out.append("\" width=\"\(Int(barW - 4))\" height=\"")
                out.append(hgt, decimals: 1)
                out.append("\" fill=\"\(Self.palette[s % Self.palette.count])\"><title>\(Self.escape(stations[s])) hour \(h): ")
                out.append(values[h], decimals: 3)
                out.append(" kWh</title></rect>\n")
            }
            if h % 3 == 0 {
                out.append("<text x=\"\(Int(x + 4))\" y=\"\(Int(topPad + plotH + 14))\">\(h)h</text>\n")
            }
        }
        for (s, name) in stations.enumerated() {
            let y = Int(legendY + 16 * Double(s))
            out.append("<rect class=\"legend\" x=\"\(Int(left))\" y=\"\(y - 9)\" width=\"10\" height=\"10\" fill=\"\(Self.palette[s % Self.palette.count])\"/>")
            out.append("<text class=\"station\" x=\"\(Int(left + 14))\" y=\"\(y)\">\(Self.escape(name))</text>\n")
        }
        out.append("</svg>\n")
    }

    /// Pile x hour heat map: cell darkness is the share of the pile's gun-time spent charging.
    func heatMap(_ guns: [GunDay], day: ReportDay, into out: inout TextBuffer) {
        let hours = day.hourCount
        var labels: [String] = []
        var keys: [(String, String)] = []
        var charging: [[Double]] = []
        var gunCount: [Int] = []
        for g in guns {
            if keys.last.map({ $0 != (g.usage.station, g.usage.pile) }) ?? true {
                keys.append((g.usage.station, g.usage.pile))
                labels.append("\(g.usage.station) / \(g.usage.pile)")
                charging.append([Double](repeating: 0, count: hours))
                gunCount.append(0)
            }
            gunCount[gunCount.count - 1] += 1
            for h in 0..<hours { charging[charging.count - 1][h] += g.hourlyChargingSeconds[h] }
        }
        let left = 130.0, cell = 22.0, rowH = 16.0, topPad = 16.0
        let width = left + cell * Double(hours) + 10, height = topPad + rowH * Double(labels.count) + 10
        out.append("<h3>Utilisation by pile and hour</h3>\n")
        out.append("<svg class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"Share of each hour spent charging, per pile\">\n")
        for h in stride(from: 0, to: hours, by: 3) {
            out.append("<text x=\"\(Int(left + cell * Double(h) + 2))\" y=\"\(Int(topPad - 4))\">\(h)h</text>\n")
        }
        for (r, label) in labels.enumerated() {
            let y = topPad + rowH * Double(r)
            out.append("<text class=\"pile\" x=\"2\" y=\"\(Int(y + rowH - 4))\">\(Self.escape(label))</text>\n")
            for h in 0..<hours {
                let share = min(1, charging[r][h] / (3600 * Double(gunCount[r])))
                out.append("<rect class=\"cell\" x=\"\(Int(left + cell * Double(h)))\" y=\"\(Int(y))\" width=\"\(Int(cell - 1))\" height=\"\(Int(rowH - 1))\" fill=\"#2a6f97\" fill-opacity=\"")
                out.append(0.05 + 0.95 * share, decimals: 3)
                out.append("\"><title>\(Self.escape(label)) hour \(h): ")
                out.append(share * 100, decimals: 0)
                out.append("% charging</title></rect>\n")
            }
        }
        out.append("</svg>\n")
    }
}

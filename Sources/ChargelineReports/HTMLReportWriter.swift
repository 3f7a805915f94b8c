public import Foundation

/// Writes a self-contained HTML report: no scripts, fonts or images from the network, charts
/// as inline SVG, a print style sheet. The markup is well-formed XML (every element closed,
/// only the five XML entities), so tests and tools can parse it with an XML parser.
///
/// Per day: a summary table per station (its piles and a total row), energy per hour
/// stacked by station, a pile x hour utilisation heat map and the day's faults.
public struct HTMLReportWriter {
    let report: DailyReport
    let timeZone: TimeZone
    let timeFormatter: DateFormatter

    public init(report: DailyReport, timeZone: TimeZone) {
        self.report = report
        self.timeZone = timeZone
        timeFormatter = DateFormatter()
        timeFormatter.locale = Locale(identifier: "en_US_POSIX")
        timeFormatter.timeZone = timeZone
        timeFormatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    }

    /// The whole document, as UTF-8 bytes.
    public func write() -> [UInt8] {
        var out = TextBuffer(capacity: 64 * 1024)
        let title = report.days.count == 1 ? "Daily usage \(report.days[0].date)"
            : "Daily usage \(report.days.first?.date ?? "") to \(report.days.last?.date ?? "")"
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
        out.append("<title>\(Self.escape(title))</title>\n<style>\(Self.style)</style>\n</head>\n<body>\n")
        out.append("<h1>\(Self.escape(title))</h1>\n")
        out.append("<p class=\"meta\">Local days in \(Self.escape(timeZone.identifier)). Energy in kWh, power in kW.</p>\n")
        for (d, day) in report.days.enumerated() {
            out.append("<section class=\"day\" id=\"day-\(day.date)\">\n<h2>\(day.date)</h2>\n")
            let guns = report.guns[d]
            summaries(guns, into: &out)
            energyChart(guns, day: day, into: &out)
            heatMap(guns, day: day, into: &out)
            faults(guns, into: &out)
            out.append("</section>\n")
        }
        out.append("</body>\n</html>\n")
        return out.bytes
    }

    /// One table per station: its piles, then the station total in the footer.
    private func summaries(_ guns: [GunDay], into out: inout TextBuffer) {
        let usage = guns.map(\.usage)
        let piles = DailyUsage.rollUp(usage, to: .pile)
        let stations = DailyUsage.rollUp(usage, to: .station)
        out.append("<h3>Summary by station</h3>\n")
        for s in stations {
            out.append("<table class=\"summary\" data-station=\"\(Self.escape(s.station))\">\n")
            out.append("<caption>Station \(Self.escape(s.station))</caption>\n<thead><tr>")
            for h in ["Pile", "Energy (kWh)", "Charging (h)", "Sessions", "Peak power (kW)", "Max temp.", "Fault (min)", "Online"] {
                out.append("<th>\(h)</th>")
            }
            out.append("</tr></thead>\n<tbody>\n")
            for p in piles where p.station == s.station { row(p.pile, p, into: &out) }
            out.append("</tbody>\n<tfoot>\n")
            row("Total", s, into: &out)
            out.append("</tfoot>\n</table>\n")
        }
    }

    private func row(_ label: String, _ r: DailyUsage, into out: inout TextBuffer) {
        out.append("<tr><th scope=\"row\">\(Self.escape(label))</th><td>")
        out.append(r.energyKWh, decimals: 3)
        out.append("</td><td>")
        out.append(r.chargingHours, decimals: 2)
        out.append("</td><td>")
        out.append(r.sessions)
        out.append("</td><td>")
        if let p = r.peakPowerKW { out.append(p, decimals: 1) } else { out.append("-") }
        out.append("</td><td>")
        if let t = r.maxTemperature { out.append(t, decimals: 1) } else { out.append("-") }
        out.append("</td><td>")
        out.append(r.faultMinutes, decimals: 1)
        out.append("</td><td>")
        out.append(r.onlineRatio * 100, decimals: 1)
        out.append("%</td></tr>\n")
    }

    /// The day's fault spans, in time order.
    private func faults(_ guns: [GunDay], into out: inout TextBuffer) {
        let spans = guns.flatMap(\.faults).sorted { ($0.start, $0.station, $0.pile, $0.gun) < ($1.start, $1.station, $1.pile, $1.gun) }
        out.append("<h3>Faults</h3>\n")
        guard !spans.isEmpty else { out.append("<p class=\"none\">No faults.</p>\n"); return }
        out.append("<table class=\"faults\">\n<thead><tr><th>Station</th><th>Pile</th><th>Gun</th><th>From</th><th>To</th><th>Minutes</th></tr></thead>\n<tbody>\n")
        for f in spans {
            out.append("<tr><td>\(Self.escape(f.station))</td><td>\(Self.escape(f.pile))</td><td>\(Self.escape(f.gun))</td>")
            out.append("<td>\(local(f.start))</td><td>\(local(f.end))</td><td>")
            out.append(Double(f.end - f.start) / 6e10, decimals: 1)
            out.append("</td></tr>\n")
        }
        out.append("</tbody>\n</table>\n")
    }

    func local(_ ns: Int64) -> String {
        timeFormatter.string(from: Date(timeIntervalSince1970: Double(ns) / 1e9))
    }

    /// `s` with the XML special characters escaped (valid in text and in quoted attributes).
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static let style = """
        body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
        table{border-collapse:collapse;margin:0 0 1em}
        caption{text-align:left;font-weight:bold;padding:.3em 0}
        th,td{border:1px solid #bbb;padding:.2em .5em;text-align:right}
        thead th{background:#eee}
        tfoot th,tfoot td{font-weight:bold;background:#f6f6f6}
        .faults td{text-align:left}
        svg{display:block;margin:0 0 1em;max-width:100%}
        svg text{font-size:10px;fill:#333}
        .meta{color:#666}
        @media print{body{margin:0}section.day{break-before:page}section.day:first-of-type{break-before:auto}table,svg{break-inside:avoid}}
        """
}

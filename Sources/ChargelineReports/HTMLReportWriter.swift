public import Foundation

/// Writes a self-contained HTML report for finance: no scripts, fonts or images from the
/// network, charts as inline SVG, a print style sheet. The markup is well-formed XML (every
/// element closed, only the five XML entities), so tests and tools can parse it with an XML
/// parser.
///
/// Per day, in reading order: a "day in progress" banner when the day has not ended; the
/// fleet's totals (energy, revenue, sessions, utilisation, faults, online); the top and bottom
/// stations; energy and utilisation per hour for the fleet; energy by station (top 15 and the
/// rest together); utilisation by hour of the 20 busiest stations; the guns with the most
/// fault time; every station in one table with a small hourly energy curve. Its size grows
/// with the stations, not the guns. At `level` pile or gun, each station's piles or guns (and
/// fault spans) follow in a collapsible section linked from the station table; at station
/// level the page is the summary alone.
public struct HTMLReportWriter {
    let report: DailyReport
    let timeZone: TimeZone
    let level: ReportLevel
    let timeFormatter: DateFormatter
    let clockFormatter: DateFormatter

    /// How many stations the top and bottom tables show.
    static let rankCount = 5

    public init(report: DailyReport, timeZone: TimeZone, level: ReportLevel = .station) {
        self.report = report
        self.timeZone = timeZone
        self.level = level
        timeFormatter = Self.formatter("yyyy-MM-dd HH:mm:ss", timeZone)
        clockFormatter = Self.formatter("HH:mm", timeZone)
    }

    private static func formatter(_ format: String, _ zone: TimeZone) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = format
        return f
    }

    /// The whole document, as UTF-8 bytes.
    public func write() -> [UInt8] {
        var out = TextBuffer(capacity: 256 * 1024)
        let title = report.days.count == 1 ? "Daily usage \(report.days[0].date)"
            : "Daily usage \(report.days.first?.date ?? "") to \(report.days.last?.date ?? "")"
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        out.append("<title>\(Self.escape(title))</title>\n<style>\(Self.style)</style>\n</head>\n<body>\n")
        out.append("<header>\n<h1>\(Self.escape(title))</h1>\n")
        out.append("<p class=\"meta\">Local days in \(Self.escape(timeZone.identifier)). Energy in kWh, revenue in yuan (¥), ")
        out.append("utilisation = share of the guns' time spent charging. Detail: \(level.rawValue) level")
        out.append(level == .station ? " (summary only; --level pile or gun adds each station's piles or guns).</p>\n</header>\n"
                   : ".</p>\n</header>\n")
        for (d, day) in report.days.enumerated() {
            let until = d == report.days.count - 1 ? report.inProgressUntil : nil
            let fig = DayFigures(day: day, guns: report.guns[d], until: until, alertEpisodes: report.alertEpisodes[d].count)
            out.append("<section class=\"day\" id=\"day-\(day.date)\">\n")
            if report.days.count > 1 { out.append("<h2>\(day.date)</h2>\n") }
            if let until { banner(until, into: &out) }
            totals(fig, into: &out)
            ranking(fig, into: &out)
            hourlyChart(fig, until: until, into: &out)
            stationBars(fig, into: &out)
            heatMap(fig, into: &out)
            faultSummary(report.guns[d], fig, into: &out)
            stationTable(fig, dayIndex: d, into: &out)
            if level != .station { details(report.guns[d], fig, dayIndex: d, into: &out) }
            out.append("</section>\n")
        }
        out.append("</body>\n</html>\n")
        return out.bytes
    }

    /// The notice on a day that has not ended: its figures stop at `until` and will change.
    private func banner(_ until: Int64, into out: inout TextBuffer) {
        out.append("<p class=\"banner in-progress\" role=\"status\"><strong>Day in progress — figures until \(clock(until))</strong> ")
        out.append("(\(Self.escape(timeZone.identifier))). They will change as data arrives; utilisation and online are over the hours so far.</p>\n")
    }

    func local(_ ns: Int64) -> String {
        timeFormatter.string(from: Date(timeIntervalSince1970: Double(ns) / 1e9))
    }

    func clock(_ ns: Int64) -> String {
        clockFormatter.string(from: Date(timeIntervalSince1970: Double(ns) / 1e9))
    }

    /// `s` with the XML special characters escaped (valid in text and in quoted attributes).
    static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 38 || $0 == 60 || $0 == 62 || $0 == 34 || $0 == 39 }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
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

    /// `x` with `decimals` places and thousands separators (`12,345.6`), for the figures a
    /// person reads; the detail rows use plain numbers.
    static func grouped(_ x: Double, _ decimals: Int) -> String {
        var b = TextBuffer(capacity: 24)
        b.append(x, decimals: decimals)
        var digits = String(decoding: b.bytes, as: UTF8.self)
        var sign = ""
        if digits.hasPrefix("-") { sign = "-"; digits.removeFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1)
        var whole = Array(parts[0])
        var i = whole.count - 3
        while i > 0 { whole.insert(",", at: i); i -= 3 }
        return sign + String(whole) + (parts.count > 1 ? "." + parts[1] : "")
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.2em 1.5em;color:#222;max-width:1100px}
        h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.3em;margin:1em 0 .4em}h3{font-size:1.05em;margin:1.4em 0 .4em}
        .meta,.note{color:#555;margin:.2em 0 .8em;font-size:.9em}
        .banner{background:#fff4ce;border:1px solid #d9a400;border-left:6px solid #d9a400;padding:.5em .8em;margin:.6em 0 1em}
        .kpis{display:flex;flex-wrap:wrap;gap:.6em;margin:0 0 .6em;padding:0}
        .kpi{border:1px solid #ccc;border-radius:4px;padding:.4em .8em;min-width:9em;margin:0}
        .kpi dt{font-size:.8em;color:#555}.kpi dd{margin:0;font-size:1.35em;font-weight:600}
        .kpi dd small{font-size:.6em;font-weight:normal;color:#555}
        .ranks{display:flex;flex-wrap:wrap;gap:1.5em}
        table{border-collapse:collapse;margin:0 0 1em;font-size:.9em}
        caption{text-align:left;font-weight:bold;padding:.3em 0}
        th,td{border:1px solid #ccc;padding:.15em .45em;text-align:right}
        thead th{background:#eee;position:sticky;top:0}
        th[scope=row],.detail td:first-child{text-align:left}
        tfoot th,tfoot td{font-weight:bold;background:#f6f6f6}
        .faults td,.faults th{text-align:left}
        .unknown{color:#888}
        svg{display:block;margin:0 0 1em;max-width:100%;height:auto}
        svg text{font-size:11px;fill:#333}
        svg.spark{display:inline-block;margin:0;vertical-align:middle}
        details{margin:.2em 0}summary{cursor:pointer;padding:.15em 0}
        a{color:#1f5f8b}
        @media print{
        @page{size:A4;margin:12mm}
        body{margin:0;font-size:9pt;max-width:none}
        *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
        .banner{border:2px solid #000}
        thead th{position:static}
        section.day{break-before:page}section.day:first-of-type{break-before:auto}
        .kpis,.ranks,svg,tr{break-inside:avoid}
        a{color:inherit;text-decoration:none}
        details:not([open]){display:none}
        }
        """
}

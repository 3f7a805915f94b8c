public import ChargelineCore
public import ChargelineStorage
public import Foundation

/// One `report daily` request, as the command line and the server's `GET /report/daily`
/// take it (the same parameters, so `--server` mode answers exactly what embedded mode does).
///
/// Parameters: `db`, `date` (required), `to`, `tz`, `station`, `level` (gun|pile|station),
/// `format` (csv|json|html), `max_gap` (duration), `rollups` (true|false).
public struct DailyReportQuery: Sendable, Equatable {
    public var database = "chargeline"
    public var date: String
    public var to: String?
    /// IANA zone name; nil is the machine's (the server's, in `--server` mode).
    public var timeZone: String?
    public var station: String?
    public var level: ReportLevel = .gun
    public var format: ReportFormat = .csv
    /// As written, e.g. `5m`.
    public var maxGap = "5m"
    public var useRollups = true

    public init(date: String) { self.date = date }

    /// Reads `parameters` (unknown ones are ignored).
    /// - Throws: `ReportError` naming the parameter and what it accepts.
    public static func parse(_ parameters: [String: String]) throws -> DailyReportQuery {
        guard let date = parameters["date"], !date.isEmpty else {
            throw ReportError("missing required parameter \"date\" (YYYY-MM-DD)")
        }
        var q = DailyReportQuery(date: date)
        if let v = parameters["db"], !v.isEmpty { q.database = v }
        q.to = parameters["to"].flatMap { $0.isEmpty ? nil : $0 }
        q.timeZone = parameters["tz"].flatMap { $0.isEmpty ? nil : $0 }
        q.station = parameters["station"].flatMap { $0.isEmpty ? nil : $0 }
        if let v = parameters["level"] {
            guard let l = ReportLevel(rawValue: v) else { throw ReportError("level must be gun, pile or station (got \(v))") }
            q.level = l
        }
        if let v = parameters["format"] {
            guard let f = ReportFormat(rawValue: v) else { throw ReportError("format must be csv, json or html (got \(v))") }
            q.format = f
        }
        if let v = parameters["max_gap"] { q.maxGap = v }
        if let v = parameters["rollups"] {
            guard v == "true" || v == "false" else { throw ReportError("rollups must be true or false (got \(v))") }
            q.useRollups = v == "true"
        }
        _ = try q.options()
        return q
    }

    /// The parameters `parse` reads back to this query.
    public var parameters: [String: String] {
        var p = ["db": database, "date": date, "level": level.rawValue, "format": format.rawValue, "max_gap": maxGap,
                 "rollups": useRollups ? "true" : "false"]
        if let to { p["to"] = to }
        if let timeZone { p["tz"] = timeZone }
        if let station { p["station"] = station }
        return p
    }

    /// The report options and days this query asks for.
    /// - Throws: `ReportError` for an unknown zone, a bad duration or bad dates.
    public func options() throws -> (DailyReportOptions, [ReportDay]) {
        var o = DailyReportOptions()
        o.database = database
        o.station = station
        o.useRollups = useRollups
        o.faultSpans = format == .html && level != .station  // the spans are listed in the pile and gun details only
        if let timeZone {
            guard let zone = TimeZone(identifier: timeZone) else {
                throw ReportError("unknown time zone \(timeZone); use an IANA name such as Asia/Shanghai or UTC")
            }
            o.timeZone = zone
        }
        o.maxGap = try DailyReportOptions.maxGap(parsing: maxGap)
        return (o, try ReportDay.days(from: date, to: to, timeZone: o.timeZone))
    }

    /// Computes the report from `store` and renders it.
    public func run(store: Store) throws -> [UInt8] {
        let (o, days) = try options()
        let report = try DailyReport.compute(store: store, days: days, options: o)
        return format.render(report, level: level, timeZone: o.timeZone)
    }

    /// The MIME type of the rendered report.
    public var contentType: String {
        switch format {
        case .csv: "text/csv; charset=utf-8"
        case .json: "application/json"
        case .html: "text/html; charset=utf-8"
        }
    }
}

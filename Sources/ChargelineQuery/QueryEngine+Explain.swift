import ChargelineCore
import Foundation

/// `EXPLAIN [ANALYZE] SELECT`: the plan per measurement, in InfluxDB 1.x's shape (one
/// `QUERY PLAN` column, a line per row), saying what is read and whether hourly rollups answer
/// it. ANALYZE also runs the statement and adds what it read.
extension QueryEngine {
    func explain(_ s: SelectStatement, analyze: Bool, database: String, context: QueryContext) throws -> [ResultSeries] {
        var lines: [String] = ["EXPRESSION: " + s.fields.map { f in f.expr.describe + (f.alias.map { " AS \($0)" } ?? "") }.joined(separator: ", ")]
        if s.sources.contains(where: { if case .subquery = $0 { true } else { false } }) {
            lines.append("SUBQUERY: runs first; its groups become series and its columns fields (not explained here)")
        }
        let before = (context.pointsScanned, context.rollupRows)
        let started = DispatchTime.now().uptimeNanoseconds
        var measurements = 0
        let series = try select(s, database: database, context: context) { m, p in
            measurements += 1
            lines += Self.describe(m, p, rollupName: self.store.rollupName)
            return analyze
        }
        if measurements == 0 { lines.append("MEASUREMENTS: none match; the answer is empty") }
        if analyze {
            let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            let stats = QueryStatistics(pointsDecoded: context.pointsScanned - before.0, rollupRows: context.rollupRows - before.1)
            lines.append("ANSWERED FROM: \(stats.path)")
            lines.append("ROLLUP ROWS READ: \(stats.rollupRows)")
            lines.append("RAW VALUES DECODED: \(stats.pointsDecoded)")
            lines.append("RESULT: \(series.count) series, \(series.reduce(0) { $0 + $1.values.count }) rows")
            lines.append(String(format: "EXECUTION TIME: %.3f ms", ms))
        }
        return [ResultSeries(name: "", columns: ["QUERY PLAN"], values: lines.map { [.string($0)] })]
    }

    static func describe(_ m: MeasurementRef, _ p: SelectPlan, rollupName: String?) -> [String] {
        var out = ["MEASUREMENT: \(m.name) (\(m.rollup ? "rollup rows of \(rollupName ?? "the rollup")" : "raw data"))"]
        let kind: String
        switch p.kind {
        case .raw: kind = "raw rows"
        case .aggregate: kind = p.windowing.map { "aggregates per GROUP BY time(\(MetadataExecutor.goDuration($0.interval))) bucket" } ?? "aggregates over the range"
        case .window: kind = "aggregates per state or episode window"
        case .latest: kind = "latest value of each field, from metadata"
        }
        out.append("KIND: \(kind)")
        func time(_ t: Int64) -> String { t == .min || t == .max ? "unbounded" : CivilTime(nanoseconds: t).rfc3339 }
        out.append("TIME RANGE: \(time(p.range.start)) to \(time(p.range.end)) (end exclusive)")
        let seriesCount = p.groups.reduce(0) { $0 + $1.series.count }
        out.append("NUMBER OF SERIES: \(seriesCount)")
        out.append("NUMBER OF GROUPS: \(p.groups.count)" + (p.groupKeys.isEmpty ? "" : " (by \(p.groupKeys.joined(separator: ", ")))"))
        out.append("FIELDS READ: " + (p.fields.isEmpty ? "none" : p.fields.joined(separator: ", ")))
        out.append("ROW FILTER: " + (p.filter == nil ? "none (tag and time conditions select series and range)" : "on each row (WHERE on fields)"))
        if !p.calls.isEmpty {
            let stats = p.calls.filter(\.useStats).map { "\($0.fn.rawValue)(\(p.fields[$0.field]))" }
            out.append("BLOCK STATISTICS: " + (stats.isEmpty ? "not used" : "\(stats.joined(separator: ", ")) from per-block statistics where a block lies in one bucket"))
        }
        if !m.rollup {
            if p.readsRollups {
                out.append("ROLLUPS: yes; buckets the \(rollupName ?? "") rollup covers exactly (materialised, not stale) are read from it, the rest from raw data")
            } else {
                out.append("ROLLUPS: no" + (p.rollupBucket == nil ? " (none kept, or disabled)" : " (needs GROUP BY time() in whole rollup buckets, no field conditions, and only count, sum, mean, min, max, spread, first, last of numeric fields)"))
            }
        }
        return out
    }
}

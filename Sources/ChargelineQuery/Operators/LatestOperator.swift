import ChargelineCore
import ChargelineStorage

/// `latest(*)`: per group, the newest value of every selected field with its own timestamp,
/// one row per field (columns time, field, value). From `DataSource.latest` when the source
/// answers it (the store: metadata only, no scan); else from a scan, taking the last block's
/// statistics when it lies inside the range, so it decodes nothing for flushed data.
struct LatestOperator {
    let plan: SelectPlan
    let context: QueryContext

    func rows(_ g: SelectPlan.Group, scans: [SeriesScan]) throws -> [(time: Int64, values: [Value])] {
        var best = [(t: Int64, v: Value)?](repeating: nil, count: plan.fields.count)
        for scan in scans {
            for (f, field) in scan.fields.enumerated() {
                guard let field, let chunk = field.chunks.last else { continue }
                var candidate: (Int64, Value)
                if let s = chunk.exactStats, field.type != .string {
                    candidate = (s.maxTime, Value(type: field.type, bits: s.last))
                } else {
                    let d = try chunk.decode()
                    try context.didScan(d.count)
                    guard d.count > 0 else { continue }
                    candidate = (d.timestamps[d.count - 1], d.value(at: d.count - 1).queryValue)
                }
                if let b = best[f], candidate.0 < b.t || (candidate.0 == b.t && !Reducer.greater(candidate.1, b.v)) { continue }
                best[f] = candidate
            }
        }
        var out: [(time: Int64, values: [Value])] = []
        for (f, name) in plan.fields.enumerated() {
            if let b = best[f] { out.append((b.t, [.string(name), b.v])) }
        }
        return out.sorted { ($0.values[0] == $1.values[0]) ? false : Reducer.less($0.values[0], $1.values[0]) }
    }

    /// The rows of one group, `[time, field, value]` ordered by field name, from the newest
    /// points (`DataSource.latest`, flat by series and field slot) of the series at
    /// `series` (positions in `points`' key order): per field the newest point of any of them
    /// (at equal times the larger value, as first/last pick). `order`: `fieldOrder`.
    func rows(_ points: [LatestPoint?], series: Range<Int>, order: [Int]) -> [[Value]] {
        let n = plan.fields.count
        var out: [[Value]] = []
        out.reserveCapacity(n)
        for f in order {
            var best: LatestPoint? = nil
            for k in series {
                guard let p = points[k * n + f] else { continue }
                if let b = best, p.time < b.time || (p.time == b.time && !Reducer.greater(p.value.queryValue, b.value.queryValue)) { continue }
                best = p
            }
            if let best { out.append([.time(best.time), .string(plan.fields[f]), best.value.queryValue]) }
        }
        return out
    }

    /// Field slots ordered by name.
    var fieldOrder: [Int] {
        plan.fields.indices.sorted { plan.fields[$0] < plan.fields[$1] }
    }
}

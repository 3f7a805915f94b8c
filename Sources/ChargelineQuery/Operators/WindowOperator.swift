import ChargelineCore
import ChargelineStorage

/// Chargeline's fault windows over a group's rows in time order:
/// - `state(field)`: a window per run of consecutive rows with the same value of `field`;
/// - `episode(condition, d)`: a window per run of consecutive rows where `condition` holds,
///   kept when it lasted at least `d` (from its first to its last row).
/// Each window yields one row: time (start), end, duration (seconds), the state value (for
/// state windows) and the SELECT aggregates over the window's rows.
struct WindowOperator {
    let plan: SelectPlan
    let spec: WindowSpecPlan
    let context: QueryContext

    func rows(_ g: SelectPlan.Group, scans: [SeriesScan]) throws -> [(time: Int64, values: [Value])] {
        // No row of the group can meet the episode's condition (block statistics say so for
        // every series): no episode, nothing to decode. Only for the whole group: a series
        // whose rows all fail the condition still splits the episodes of the others.
        if case .episode = spec, !plan.episodeBounds.isEmpty,
           scans.allSatisfy({ BoundPruning.seriesIsDead($0, bounds: plan.episodeBounds, types: plan.fieldTypes) }) {
            return []
        }
        // Group rows: every series' frame, merged by time.
        var merged: [(t: Int64, row: RExpr.Row)] = []
        for (k, scan) in scans.enumerated() {
            if !plan.bounds.isEmpty, BoundPruning.seriesIsDead(scan, bounds: plan.bounds, types: plan.fieldTypes) { continue }
            let data = try context.decodeFields(scan)
            let frame = Frame(data)
            let tags = plan.catalog.series[g.series[k]].tags
            for i in 0..<frame.count {
                if i > 0 && i % QueryContext.rowsPerCheck == 0 { try context.checkCancelled() }
                let row = frame.row(i, tags: tags)
                if let filter = plan.filter, !filter.eval(row).truthy { continue }
                merged.append((frame.times[i], row))
            }
        }
        if scans.count > 1 { merged.sort { $0.t < $1.t } }
        var out: [(time: Int64, values: [Value])] = []
        var i = 0
        while i < merged.count {
            let key: Value
            switch spec {
            case .state(let field):
                key = merged[i].row.fields[field]
                if key.isNull { i += 1; continue }
            case .episode(let condition, _):
                guard condition.eval(merged[i].row).truthy else { i += 1; continue }
                key = .boolean(true)
            }
            var j = i + 1
            while j < merged.count {
                let r = merged[j].row
                switch spec {
                case .state(let field):
                    let v = r.fields[field]
                    if v.isNull { j += 1; continue }
                    if v != key { break }
                    j += 1
                    continue
                case .episode(let condition, _):
                    if condition.eval(r).truthy { j += 1; continue }
                }
                break
            }
            let start = merged[i].t
            let end = merged[j - 1].t
            var keepIt = true
            // end >= start, but they may lie further apart than Int64 reaches (no trap).
            let (length, overflow) = end.subtractingReportingOverflow(start)
            if case .episode(_, let minimum) = spec, !overflow, length < minimum { keepIt = false }
            if keepIt {
                var reducers = plan.calls.map { Reducer($0.fn, type: $0.type, parameter: $0.parameter) }
                for k in i..<j {
                    for (c, call) in plan.calls.enumerated() { reducers[c].add(merged[k].t, merged[k].row.fields[call.field]) }
                }
                var times: [Int64?] = []
                let slots = reducers.map { r -> Value in
                    let x = r.results()[0]
                    times.append(x.time)
                    return x.value
                }
                let values = plan.columns.map { $0.expr.eval(RExpr.Row(time: start, slots: slots)) }
                var head: [Value] = [.time(end), .float((Double(end) - Double(start)) / 1e9)]
                if case .state = spec { head.append(key) }
                out.append((start, head + values))
            }
            i = j
        }
        return out
    }
}

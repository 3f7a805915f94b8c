import ChargelineCore
import ChargelineStorage

/// Raw rows: each series' rows joined on time, filtered, projected; rows whose selected values
/// are all null are dropped; series of a group are merged in time order.
struct RawOperator {
    let plan: SelectPlan
    let context: QueryContext

    func rows(_ g: SelectPlan.Group, scans: [SeriesScan]) throws -> [(time: Int64, values: [Value])] {
        var out: [(time: Int64, values: [Value])] = []
        // Values made and not yet charged to the request's budget: charged in steps, so the
        // budget stops a huge answer while it is being made.
        var uncharged = 0
        for (k, scan) in scans.enumerated() {
            if !plan.bounds.isEmpty, BoundPruning.seriesIsDead(scan, bounds: plan.bounds, types: plan.fieldTypes) { continue }
            let data = try context.decodeFields(scan)
            let frame = Frame(data)
            let tags = plan.catalog.series[g.series[k]].tags
            // A selected tag this series does not have is null (as InfluxDB answers), though a
            // WHERE clause compares it as "".
            let absentTags = plan.columns.indices.filter { c in
                guard case .tag(let key) = plan.columns[c].expr else { return false }
                return !tags.contains { $0.key == key }
            }
            for i in 0..<frame.count {
                if i > 0 && i % QueryContext.rowsPerCheck == 0 { try context.checkCancelled() }
                let row = frame.row(i, tags: tags)
                if let filter = plan.filter, !filter.eval(row).truthy { continue }
                var values = plan.columns.map { $0.expr.eval(row) }
                for c in absentTags { values[c] = .null }
                // A row counts when at least one selected field (not only tags) has a value.
                var any = false
                for (c, v) in values.enumerated() where !v.isNull {
                    if case .tag = plan.columns[c].expr { continue }
                    any = true
                    break
                }
                if any {
                    out.append((frame.times[i], values))
                    uncharged += values.count
                    if uncharged >= QueryContext.rowsPerCheck {
                        try context.chargeValues(uncharged)
                        uncharged = 0
                    }
                }
            }
        }
        try context.chargeValues(uncharged)
        if scans.count > 1 {
            out = out.enumerated().sorted { a, b in a.element.time != b.element.time ? a.element.time < b.element.time : a.offset < b.offset }.map(\.element)
        }
        return out
    }
}

import ChargelineCore
import ChargelineStorage

extension AggregateOperator {
    /// `top(field, tag..., N)` / `bottom(...)`, as InfluxDB 1.x answers it: per bucket, the
    /// max (min) point of every distinct combination of the tags' values (earliest point on a
    /// tie, like max()/min()), then the N largest (smallest) of those. Rows come out by time,
    /// then by value (largest first for top, smallest first for bottom), then by tag values;
    /// each row holds the value and then the tag values (the plan's extra columns).
    func topByTag(_ g: SelectPlan.Group, scans: [SeriesScan], starts: [Int64], shown: [Int64]) throws -> [(time: Int64, values: [Value])] {
        let call = plan.calls[0]
        let isTop = call.fn == .top
        var selector = call
        selector.fn = isTop ? .max : .min
        selector.tags = []
        selector.useStats = false  // block statistics carry no time for min/max
        let blank = [Array(repeating: Reducer(selector.fn, type: call.type), count: starts.count)]
        var byValues: [[String]: [Reducer]] = [:]
        for (s, scan) in scans.enumerated() {
            let entry = plan.catalog.series[g.series[s]]
            var acc = blank
            try feed(scan, tags: entry.tags, calls: [selector], starts: starts, into: &acc)
            let values = call.tags.map { entry.tag($0) }
            if var merged = byValues[values] {
                for b in merged.indices { merged[b].merge(acc[0][b]) }
                byValues[values] = merged
            } else {
                byValues[values] = acc[0]
            }
        }
        let n = Int(call.parameter)
        var out: [(time: Int64, values: [Value])] = []
        for b in starts.indices {
            var candidates: [(t: Int64, v: Value, tags: [String])] = []
            for (values, reducers) in byValues where reducers[b].count > 0 {
                let r = reducers[b].results()[0]
                candidates.append((r.time ?? shown[b], r.value, values))
            }
            guard !candidates.isEmpty else { continue }
            func ranksHigher(_ a: (t: Int64, v: Value, tags: [String]), _ b: (t: Int64, v: Value, tags: [String])) -> Bool {
                if a.v != b.v { return isTop ? Reducer.less(b.v, a.v) : Reducer.less(a.v, b.v) }
                if a.t != b.t { return a.t < b.t }
                return a.tags.lexicographicallyPrecedes(b.tags)
            }
            let chosen = candidates.sorted(by: ranksHigher).prefix(n).sorted { a, b in
                a.t != b.t ? a.t < b.t : ranksHigher(a, b)
            }
            for c in chosen {
                let t = plan.pointTime ? c.t : shown[b]
                let slots = [c.v] + c.tags.map { Value.string($0) }
                out.append((t, plan.columns.map { $0.expr.eval(RExpr.Row(time: t, slots: slots)) }))
            }
        }
        return out
    }
}

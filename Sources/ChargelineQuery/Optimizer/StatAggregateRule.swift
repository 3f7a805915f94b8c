/// Lets aggregates read block statistics instead of decoding blocks, where that is exact:
/// count, sum, mean, first, last, spread always; min and max unless the query reports the
/// selected point's own time (statistics carry none). Never with a row filter (statistics
/// cover all rows of a block). The operator still checks per block that the block lies
/// wholly inside one bucket and the time range, and that its statistics are exact.
///
/// Row-filter pruning by block min/max (`BoundPruning`) is applied by the operators from
/// `SelectPlan.bounds`, which the planner extracts from `field op constant` conjuncts.
struct StatAggregateRule: OptimizerRule {
    func apply(_ plan: SelectPlan) -> SelectPlan {
        var p = plan
        for i in p.calls.indices {
            let c = p.calls[i]
            var ok = c.fn.answerableFromStats && p.filter == nil && c.parameter >= 0
            if p.pointTime && (c.fn == .min || c.fn == .max) { ok = false }
            if c.type == .string || c.type == .boolean { ok = ok && (c.fn == .count) }
            p.calls[i].useStats = ok
        }
        return p
    }
}

/// Lets an aggregate query read hourly rollup rows instead of raw data for the hours they
/// answer exactly (a "transparent read"). Decides what the plan alone can decide:
///
/// - the plan aggregates per `GROUP BY time()` bucket, and the interval and offset are whole
///   multiples of the rollup bucket, so every query bucket is a union of rollup buckets (time
///   zone offsets are checked against the actual range by `RollupSplit`, as they depend on it);
/// - no row filter (WHERE on fields): rollups keep no per-row values; tag and time conditions
///   only select series and the range;
/// - every call is count, sum, mean, min, max, spread, first or last of a float or integer
///   field (unsigned fields are rolled up as floats, so their sums would not be exact), and
///   none reports its point's own time from min/max (rollups keep no time for them).
///
/// Which hours are then read from rollups (materialised, not stale, wholly inside the range)
/// and which from raw data is settled at run time from a `RollupCoverage` snapshot by
/// `RollupSplit`. All calls or none: a plan mixing a rollup-answerable call with another reads
/// raw data only.
struct RollupReadRule: OptimizerRule {
    func apply(_ plan: SelectPlan) -> SelectPlan {
        var p = plan
        p.readsRollups = Self.eligible(plan)
        return p
    }

    static func eligible(_ p: SelectPlan) -> Bool {
        guard let b = p.rollupBucket, b > 0, case .aggregate = p.kind, p.filter == nil, !p.pointTime,
              let w = p.windowing, w.interval % b == 0, w.offset % b == 0, !p.calls.isEmpty else { return false }
        return p.calls.allSatisfy { c in
            c.fn.answerableFromRollups && c.parameter >= 0 && (c.type == .float || c.type == .integer)
        }
    }
}

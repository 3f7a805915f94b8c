/// derivative, non_negative_derivative, difference, non_negative_difference, moving_average,
/// cumulative_sum, elapsed and holt_winters over a result's rows (then the math around them): each transformed column is computed over
/// the column's non-null values in output order (descending under ORDER BY time DESC, as
/// InfluxDB 1.x iterates them); rows are then the union of the output times, ascending.
struct Transformer {
    let plan: SelectPlan
    /// The query, whose deadline and cancellation stop a long holt_winters() fit.
    var context: QueryContext? = nil

    /// - Throws: the query's limit error when it stopped during the transforms.
    func apply(_ rows: [(time: Int64, values: [Value])]) throws -> [(time: Int64, values: [Value])] {
        var outputs: [[Int64: Value]] = []
        var order = Set<Int64>()
        for (c, col) in plan.columns.enumerated() {
            var m: [Int64: Value] = [:]
            var seq = rows.compactMap { r -> (Int64, Value)? in r.values[c].isNull ? nil : (r.time, r.values[c]) }
            if let t = col.transform {
                if plan.descending { seq.reverse() }
                for (time, v) in Transformer.run(t, seq, shouldStop: { context?.shouldStop() ?? false }) {
                    m[time] = t.post.map { $0.eval(RExpr.Row(slots: [v])) } ?? v
                }
            } else {
                for (time, v) in seq { m[time] = v }
            }
            try context?.checkCancelled()
            order.formUnion(m.keys)
            outputs.append(m)
        }
        return order.sorted().map { t in (t, outputs.map { $0[t] ?? .null }) }
    }

    /// `seq` is in iteration order (time ascending, or descending under ORDER BY time DESC).
    /// `shouldStop` is polled by the holt_winters fit, which then gives up (its caller checks
    /// the query and throws).
    static func run(_ t: SelectPlan.Transform, _ input: [(Int64, Value)], shouldStop: () -> Bool = { false }) -> [(Int64, Value)] {
        var out: [(Int64, Value)] = []
        var seq = input
        switch t.fn {
        case .derivative, .non_negative_derivative, .difference, .non_negative_difference:
            // Points of several series in one group can share a time; InfluxDB 1.x's
            // derivative and difference reducers keep the first point at each time and
            // skip the rest ("a point that does not advance the stream").
            var kept: [(Int64, Value)] = []
            kept.reserveCapacity(seq.count)
            for p in seq where kept.last?.0 != p.0 { kept.append(p) }
            seq = kept
        default:
            break
        }
        switch t.fn {
        case .derivative, .non_negative_derivative:
            for i in seq.indices.dropFirst() {
                guard let a = seq[i - 1].1.number, let b = seq[i].1.number else { continue }
                // Under ORDER BY time DESC the rate is taken walking backwards in time (the
                // sign flips), as InfluxDB 1.x's derivative reducer does.
                let dt = abs(Double(seq[i].0) - Double(seq[i - 1].0))  // in Double: cannot overflow
                guard dt != 0 else { continue }
                let d = (b - a) / (dt / Double(t.unit))
                if t.fn == .non_negative_derivative && d < 0 { continue }
                out.append((seq[i].0, .float(d)))
            }
        case .difference, .non_negative_difference:
            for i in seq.indices.dropFirst() {
                let d = RExpr.apply("-", seq[i].1, seq[i - 1].1)
                if t.fn == .non_negative_difference, let x = d.number, x < 0 { continue }
                out.append((seq[i].0, d))
            }
        case .moving_average:
            guard seq.count >= t.n else { return [] }
            let nums = seq.map { $0.1.number ?? 0 }
            var sum = nums[0..<t.n].reduce(0, +)
            out.append((seq[t.n - 1].0, .float(sum / Double(t.n))))
            for i in t.n..<seq.count {
                sum += nums[i] - nums[i - t.n]
                out.append((seq[i].0, .float(sum / Double(t.n))))
            }
        case .cumulative_sum:
            var acc: Value = .integer(0)
            for (i, p) in seq.enumerated() {
                acc = i == 0 ? p.1 : RExpr.apply("+", acc, p.1)
                out.append((p.0, acc))
            }
        case .elapsed:
            for i in seq.indices.dropFirst() {
                // Wraps as InfluxDB's int64 does when the points lie more than 292 years apart.
                out.append((seq[i].0, .integer((seq[i].0 &- seq[i - 1].0) / t.unit)))
            }
        case .holt_winters, .holt_winters_with_fit:
            let points = seq.compactMap { p in p.1.number.map { (p.0, $0) } }.sorted { $0.0 < $1.0 }
            let model = HoltWinters(horizon: t.n, season: t.season, interval: t.unit, includeFit: t.fn == .holt_winters_with_fit)
            out = model.run(points, shouldStop: shouldStop).map { ($0.0, .float($0.1)) }
        }
        return out
    }
}

/// derivative, non_negative_derivative, difference, non_negative_difference, moving_average,
/// cumulative_sum and elapsed over a result's rows: each transformed column is computed over
/// the column's non-null values in time order; rows are then the union of the output times.
struct Transformer {
    let plan: SelectPlan

    func apply(_ rows: [(time: Int64, values: [Value])]) -> [(time: Int64, values: [Value])] {
        var outputs: [[Int64: Value]] = []
        var order = Set<Int64>()
        for (c, col) in plan.columns.enumerated() {
            var m: [Int64: Value] = [:]
            let seq = rows.compactMap { r -> (Int64, Value)? in r.values[c].isNull ? nil : (r.time, r.values[c]) }
            if let t = col.transform {
                for (time, v) in Transformer.run(t, seq) { m[time] = v }
            } else {
                for (time, v) in seq { m[time] = v }
            }
            order.formUnion(m.keys)
            outputs.append(m)
        }
        return order.sorted().map { t in (t, outputs.map { $0[t] ?? .null }) }
    }

    static func run(_ t: SelectPlan.Transform, _ seq: [(Int64, Value)]) -> [(Int64, Value)] {
        var out: [(Int64, Value)] = []
        switch t.fn {
        case .derivative, .non_negative_derivative:
            for i in seq.indices.dropFirst() {
                guard let a = seq[i - 1].1.number, let b = seq[i].1.number else { continue }
                let dt = Double(seq[i].0 - seq[i - 1].0)
                guard dt > 0 else { continue }
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
                out.append((seq[i].0, .integer((seq[i].0 - seq[i - 1].0) / t.unit)))
            }
        }
        return out
    }
}

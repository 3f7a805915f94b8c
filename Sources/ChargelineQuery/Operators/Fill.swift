import ChargelineCore

extension Fill {
    /// Fills empty buckets (nil) per call as InfluxDB 1.x does: `null` (count gives 0), a
    /// number, the previous value of the series, linear interpolation between neighbours, or
    /// `none` (left nil; a row whose calls are all nil is dropped).
    static func apply(_ fill: Fill, slots: [[Value?]], calls: [SelectPlan.Call], starts: [Int64]) -> [[Value?]] {
        var out = slots
        for c in out.indices {
            let isCount = calls[c].fn == .count
            switch fill {
            case .none:
                break
            case .null:
                for b in out[c].indices where out[c][b] == nil { out[c][b] = isCount ? .integer(0) : .null }
            case .number(let n):
                let intLike = isCount || (calls[c].type == .integer && [.sum, .min, .max, .first, .last, .spread, .mode].contains(calls[c].fn))
                for b in out[c].indices where out[c][b] == nil {
                    // Int64(exactly:) is nil for fractions and for numbers past Int64 (fill(1e30)).
                    if intLike, let i = Int64(exactly: n) { out[c][b] = .integer(i) } else { out[c][b] = .float(n) }
                }
            case .previous:
                var prev: Value = .null
                for b in out[c].indices {
                    if let v = out[c][b], !v.isNull { prev = v } else if out[c][b] == nil { out[c][b] = prev }
                }
            case .linear:
                var lastIndex: Int? = nil
                for b in out[c].indices {
                    guard let v = out[c][b], !v.isNull else { continue }
                    if let a = lastIndex, b - a > 1, let va = out[c][a], let x0 = va.number, let x1 = v.number {
                        for k in (a + 1)..<b {
                            // In Double: bucket starts may lie further apart than Int64 reaches.
                            let frac = (Double(starts[k]) - Double(starts[a])) / (Double(starts[b]) - Double(starts[a]))
                            let y = x0 + (x1 - x0) * frac
                            // y lies between two Int64s, but rounds to 2^63 near Int64.max: clamp.
                            if case .integer = va, case .integer = v {
                                out[c][k] = .integer(Int64(exactly: y.rounded(.towardZero)) ?? (y < 0 ? .min : .max))
                            } else {
                                out[c][k] = .float(y)
                            }
                        }
                    }
                    lastIndex = b
                }
                for b in out[c].indices where out[c][b] == nil { out[c][b] = isCount ? .integer(0) : .null }
            }
        }
        if fill == .none {
            // Keep nil only where the whole row is empty; elsewhere nil becomes null.
            let buckets = out.first?.count ?? 0
            for b in 0..<buckets where out.contains(where: { $0[b] != nil }) {
                for c in out.indices where out[c][b] == nil { out[c][b] = .null }
            }
        }
        return out
    }
}

/// integral() as InfluxDB 1.x computes it: trapezoids between consecutive points, with the
/// area up to a bucket's end interpolated when the next point lies in a later bucket.
enum Integral {
    static func compute(_ reducers: [Reducer], starts: [Int64], windowing: Windowing?, range: TimeRange, unit: Int64) -> [Value] {
        var points = reducers.flatMap { r in r.points.compactMap { p in p.v.number.map { (p.t, $0) } } }
        points.sort { $0.0 < $1.0 }
        var out = [Value](repeating: .null, count: starts.count)
        guard !points.isEmpty else { return out }
        let u = Double(unit)
        func windowEnd(_ b: Int) -> Int64 {
            windowing == nil ? Int64.max : (b + 1 < starts.count ? starts[b + 1] : starts[b].addingSaturating(windowing!.interval))
        }
        // Time differences taken in Int64, then made Double, as InfluxDB does: a nanosecond
        // timestamp of today made Double first is off by up to 128 ns. Two timestamps further
        // apart than Int64 reaches fall back to Double.
        func span(_ a: Int64, _ b: Int64) -> Double {
            let (d, overflow) = b.subtractingReportingOverflow(a)
            return overflow ? Double(b) - Double(a) : Double(d)
        }
        var prev = points[0]
        var b = AggregateOperator.bucket(of: prev.0, starts)
        var sum = 0.0
        var has = false
        for p in points.dropFirst() {
            if p.0 == prev.0 { prev = p; continue }
            let end = windowEnd(b)
            if p.0 >= end {
                if prev.0 != end {
                    let v = prev.1 + (p.1 - prev.1) * span(prev.0, end) / span(prev.0, p.0)
                    sum += 0.5 * (v + prev.1) * span(prev.0, end) / u
                    prev = (end, v)
                }
                if b >= 0 { out[b] = .float(sum) }
                sum = 0
                has = false
                b = AggregateOperator.bucket(of: p.0, starts)
                if AggregateOperator.bucket(of: prev.0, starts) != b { prev = (starts[max(b, 0)], prev.1) }
            }
            sum += 0.5 * (p.1 + prev.1) * span(prev.0, p.0) / u
            has = true
            prev = p
        }
        if b >= 0 { out[b] = .float(has ? sum : 0) }
        return out
    }
}

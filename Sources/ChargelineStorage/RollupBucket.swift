package import ChargelineCore

/// The aggregates of one numeric field of one series over one bucket `[start, start + length)`.
///
/// Definitions (docs/format/rollup-state.md, "Rollup rows"), all computed from raw samples only:
/// - `count`, `sum`, `min`, `max`; `first`/`last` with their timestamps;
/// - `mean`: time-weighted (sample-and-hold): each sample's value holds until the next sample
///   or the bucket end; the stretch from the bucket start to its first sample holds the
///   previous sample's value when one exists within the lookback, else it is not covered.
///   mean = ∫value dt / covered time;
/// - `increase` (counters): over consecutive samples a -> b with b in the bucket, add b - a
///   when b >= a, else b (a reset), the first pair using the previous sample within the
///   lookback, as PromQL's `increase()` treats resets.
package struct RollupBucket: Equatable, Sendable {
    package var start: Int64
    package var count = 0
    /// Float fields: the exact decimal sum when every value is a decimal (`DecimalSum`),
    /// else the running double sum.
    package var sum = 0.0
    package var intSum: Int64 = 0
    package var min = Double.infinity
    package var max = -Double.infinity
    package var intMin = Int64.max
    package var intMax = Int64.min
    package var first = 0.0, firstBits: UInt64 = 0, firstTime: Int64 = 0
    package var last = 0.0, lastBits: UInt64 = 0, lastTime: Int64 = 0
    /// ∫value dt over the covered time, in value·ns (running double sum).
    package var weighted = 0.0
    /// The same integral in value·s, exact when the values are decimals and the integral
    /// fits (`DecimalSum`), else `weighted / 1e9`: what the rollup stores (`_integral`).
    package var integral = 0.0
    /// Covered time (ns).
    package var covered: Int64 = 0
    package var increase = 0.0

    /// Time-weighted mean, or nil when nothing of the bucket is covered. Computed as a read
    /// computes it from the stored row (`RollupLayout.mean`).
    package var mean: Double? { RollupLayout.mean(integral: integral, covered: covered) }

    /// Computes every bucket of `length` that holds samples of `column` and whose start lies in
    /// `buckets` (values outside these buckets are used only as previous samples).
    package static func compute(_ column: FieldColumn, length: Int64, lookback: Int64,
                                buckets: ClosedRange<Int64>) -> [RollupBucket] {
        var out: [RollupBucket] = []
        compute(column, length: length, lookback: lookback, buckets: buckets, into: &out)
        return out
    }

    /// `compute` appending to `out` (a buffer the caller reuses).
    package static func compute(_ column: FieldColumn, length: Int64, lookback: Int64,
                                buckets: ClosedRange<Int64>, into out: inout [RollupBucket]) {
        guard column.count > 0, column.type == .float || column.type == .integer || column.type == .unsigned else { return }
        // Unsafe views of the column's arrays: reading through the struct per row retained and
        // released the arrays for every value (a quarter of a recomputation's time).
        column.data.timestamps.withUnsafeBufferPointer { ts in
            column.data.bits.withUnsafeBufferPointer { bits in
                compute(ts: ts, bits: bits, type: column.type, length: length, lookback: lookback, buckets: buckets, into: &out)
            }
        }
    }

    private static func compute(ts: UnsafeBufferPointer<Int64>, bits: UnsafeBufferPointer<UInt64>, type: FieldType,
                                length: Int64, lookback: Int64, buckets: ClosedRange<Int64>, into out: inout [RollupBucket]) {
        var i = 0
        let n = ts.count
        @inline(__always) func value(_ k: Int) -> Double {
            switch type {
            case .float: Double(bitPattern: bits[k])
            case .integer: Double(Int64(bitPattern: bits[k]))
            default: Double(bits[k])
            }
        }
        while i < n {
            let start = floorDiv(ts[i], length) * length
            var end = start &+ length
            if end < start { end = .max }
            var j = i
            while j < n && ts[j] < end { j += 1 }
            if buckets.contains(start) {
                var b = RollupBucket(start: start)
                var decimal = DecimalSum()
                // The increase telescopes: Σ over pairs a -> b of (b - a), or b at a reset,
                // is last - start + Σ a over resets (start: the previous sample, else the
                // first). Summed as decimals it is exact, like the sum.
                var increaseDecimal = DecimalSum()
                let prev = i > 0 && ts[i - 1] >= start - lookback ? i - 1 : nil
                if let p = prev {
                    let dt = ts[i] - start
                    b.weighted += value(p) * Double(dt)
                    decimal.add(value(p), weight: dt, counted: false)
                    b.covered += dt
                }
                for k in i..<j {
                    let v = value(k)
                    b.count += 1
                    b.sum += v
                    if type == .integer {
                        let iv = Int64(bitPattern: bits[k])
                        b.intSum = b.intSum &+ iv
                        b.intMin = Swift.min(b.intMin, iv)
                        b.intMax = Swift.max(b.intMax, iv)
                    }
                    b.min = Swift.min(b.min, v)
                    b.max = Swift.max(b.max, v)
                    let holdEnd = k + 1 < j ? ts[k + 1] : end
                    b.weighted += v * Double(holdEnd - ts[k])
                    decimal.add(v, weight: holdEnd - ts[k])
                    b.covered += holdEnd - ts[k]
                    let a: Double? = k > i ? value(k - 1) : prev.map(value)
                    if let a {
                        if v >= a { b.increase += v - a } else { b.increase += v; increaseDecimal.add(a, weight: 1, counted: false) }
                    }
                }
                if type == .float, let exact = decimal.value { b.sum = exact }
                increaseDecimal.add(value(j - 1), weight: 1, counted: false)
                increaseDecimal.add(prev.map(value) ?? value(i), weight: -1, counted: false)
                if let exact = increaseDecimal.weightedValue(extraExponent: 0) { b.increase = exact }
                // 9: value·ns to value·s.
                b.integral = decimal.weightedValue(extraExponent: 9) ?? b.weighted / 1e9
                b.first = value(i); b.firstBits = bits[i]; b.firstTime = ts[i]
                b.last = value(j - 1); b.lastBits = bits[j - 1]; b.lastTime = ts[j - 1]
                out.append(b)
            }
            i = j
        }
    }

    /// Appends this bucket's aggregates of one field (`names`) to an open point of `builder`:
    /// sum, min, max, first, last, integral and (counters) increase; with `own` also count,
    /// `_first_time`, `_last_time` and `_covered` (otherwise the row's shared columns hold
    /// them, see `RollupLayout`). Integer fields keep integer sum/min/max/first/last (as InfluxQL returns
    /// for raw data); the mean is always a float. A new aggregate is one more `add` here, a
    /// name in `RollupColumnNames`, one line in docs/format/rollup-state.md ("Rollup rows") and, if queries
    /// fold it, a suffix in `RollupSplit`.
    package func addFields(names: RollupColumnNames, type: FieldType, own: Bool, to builder: inout WriteBatchBuilder) {
        @inline(__always) func float(_ name: [UInt8], _ v: Double) {
            name.withUnsafeBytes { builder.addFloat(name: $0, v) }
        }
        @inline(__always) func integer(_ name: [UInt8], _ v: Int64) {
            name.withUnsafeBytes { builder.addInteger(name: $0, v) }
        }
        switch type {
        case .integer:
            integer(names.sum, intSum)
            integer(names.min, intMin)
            integer(names.max, intMax)
            integer(names.first, Int64(bitPattern: firstBits))
            integer(names.last, Int64(bitPattern: lastBits))
        default:
            float(names.sum, sum)
            float(names.min, min)
            float(names.max, max)
            float(names.first, first)
            float(names.last, last)
        }
        if own {
            integer(names.count, Int64(count))
            integer(names.firstTime, firstTime)
            integer(names.lastTime, lastTime)
            integer(names.covered, covered)
        }
        float(names.integral, integral)
        if names.counter { float(names.increase, increase) }
    }

    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b < 0) ? q - 1 : q
    }
}

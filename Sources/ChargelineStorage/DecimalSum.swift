/// An exact sum of decimal floats: telemetry printed with a fixed number of decimals
/// (401.2 V, 12345.678 kWh) is `d / 10^e` with a small integer `d`, so the sum of a bucket is
/// exactly `Σd / 10^e`. Accumulating the integers instead of doubles gives a sum with one
/// rounding (the final division) instead of one per value: the float noise of a running
/// double sum (401.2 + 399.8 + ... = 144312.30000000002) is gone, so the rollup's `_sum`
/// column is itself decimal and the `float-decimal` codec stores it as a small integer
/// instead of 64 noisy XOR bits (docs/format.md, "Rollup rows").
///
/// The exponent grows as values need it (0.5 after 400 turns e = 0 into e = 1, rescaling the
/// sum); a value that is not such a decimal (NaN, ±infinity, −0.0, 1/3, magnitudes where
/// `d` would reach 2^51) or a sum that would overflow makes the accumulator inexact, and the
/// caller keeps the plain double sum.
package struct DecimalSum: Sendable, Equatable {
    /// Σd (valid while `exact`).
    package private(set) var total: Int64 = 0
    /// The decimal exponent e.
    package private(set) var exponent = 0
    package private(set) var exact = true

    /// 9 decimals: beyond nanounits telemetry is not printed decimals, and 10^9 keeps
    /// `d` of values up to 2 · 10^6 below 2^51.
    static let maxExponent = 9
    static let powers: [Double] = (0...maxExponent).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }
    static let intPowers: [Int64] = (0...maxExponent).map { e in
        var p: Int64 = 1
        for _ in 0..<e { p *= 10 }
        return p
    }
    /// |v · 10^e| below 2^51: `Double(d)` is exact and the rounding trick works.
    static let limit = 2_251_799_813_685_248.0
    /// Adding and subtracting 1.5 · 2^52 rounds |x| < 2^51 to the nearest integer.
    static let roundingMagic = 6_755_399_441_055_744.0

    package init() {}

    /// Adds `v · weight` (a weight of nanoseconds makes a sample-and-hold integral).
    @inline(__always)
    package mutating func add(_ v: Double, weight: Int64 = 1) {
        guard exact else { return }
        var e = exponent
        while true {
            let p = DecimalSum.powers[e]
            let x = v * p
            if x.magnitude < DecimalSum.limit {
                let d = Int64((x + DecimalSum.roundingMagic) - DecimalSum.roundingMagic)
                if (Double(d) / p).bitPattern == v.bitPattern {
                    if e != exponent { rescale(to: e) }
                    guard exact else { return }
                    let (m, o1) = d.multipliedReportingOverflow(by: weight)
                    let (s, o2) = total.addingReportingOverflow(m)
                    if o1 || o2 { exact = false } else { total = s }
                    return
                }
            }
            e += 1
            if e > DecimalSum.maxExponent { exact = false; return }
        }
    }

    private mutating func rescale(to e: Int) {
        let (s, o) = total.multipliedReportingOverflow(by: DecimalSum.intPowers[e - exponent])
        if o { exact = false } else { total = s; exponent = e }
    }

    /// The sum, correctly rounded (one IEEE division), or nil when inexact or too large for
    /// `Double(total)` to be exact.
    package var value: Double? { value(extraExponent: 0) }

    /// The sum divided by `10^extraExponent` (9 turns value·ns into value·s), correctly
    /// rounded: trailing decimal zeros of the total are dropped first (a sum of
    /// value × millisecond-aligned nanoseconds has six), so that `Double` holds it exactly.
    /// Nil when inexact, or when what remains is too large for an exact `Double` or an
    /// exponent of at most 18.
    package func value(extraExponent: Int) -> Double? {
        guard exact else { return nil }
        var t = total, e = exponent + extraExponent
        while e > 0 && t % 10 == 0 && t != 0 { t /= 10; e -= 1 }
        if t == 0 { e = 0 }
        guard Double(t).magnitude < DecimalSum.limit, e <= 18 else { return nil }
        return e == 0 ? Double(t) : Double(t) / DecimalSum.tenTo(e)
    }

    /// 10^e as a double (exact for e ≤ 22).
    static func tenTo(_ e: Int) -> Double {
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }
}

/// Exact sums of decimal floats: readings printed with a fixed number of decimals (401.2 V,
/// 12345.678 kWh) is `d / 10^e` with a small integer `d`, so the sum of a bucket is exactly
/// `Σd / 10^e`, and its sample-and-hold integral `Σ d·hold / 10^e`. Accumulating the integers
/// instead of doubles gives results with one rounding (the final division) instead of one per
/// value: the float noise of a running double sum (401.2 + 399.8 + ... =
/// 144312.30000000002) is gone, so the rollup's `_sum` and `_integral` columns are decimals
/// themselves and the `float-decimal` codec stores them as small integers instead of 64 noisy
/// XOR bits (docs/format/rollup-state.md, "Rollup rows").
///
/// Both totals share one exponent, which grows as values need it (0.5 after 400 turns e = 0
/// into e = 1, rescaling the totals), and one decimal check per value (the costly part: a
/// division), skipped when a value repeats the previous one (an idle device). A value that is not
/// such a decimal (NaN, ±infinity, −0.0, 1/3, magnitudes where `d` would reach 2^51) makes
/// both inexact; an overflowing total makes that total inexact; the caller then keeps its
/// double sums.
package struct DecimalSum: Sendable, Equatable {
    /// Σd over the counted values (valid while `sumExact`).
    package private(set) var total: Int64 = 0
    /// Σ d·weight (valid while `weightedExact`).
    package private(set) var weighted: Int64 = 0
    /// The decimal exponent e.
    package private(set) var exponent = 0
    package private(set) var sumExact = true
    package private(set) var weightedExact = true
    /// The previous value's bits and its `d` at `exponent` (a repeat skips the check).
    private var lastBits: UInt64 = 0
    private var lastD: Int64 = 0
    private var hasLast = false
    /// 10^exponent, kept here so the per-value check reads no global table.
    private var power = 1.0

    /// 9 decimals: beyond nanounits readings are not printed decimals, and 10^9 keeps
    /// `d` of values up to 2 · 10^6 below 2^51.
    static let maxExponent = 9
    static let powers: [Double] = (0...maxExponent).map { tenTo($0) }
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

    /// Whether the plain sum is exact (kept for callers that only sum).
    package var exact: Bool { sumExact }

    /// Adds `v` to the sum (when `counted`) and `v · weight` to the weighted total (a weight
    /// of nanoseconds makes a sample-and-hold integral).
    @inline(__always)
    package mutating func add(_ v: Double, weight: Int64 = 0, counted: Bool = true) {
        guard sumExact || weightedExact else { return }
        let d: Int64
        if hasLast && v.bitPattern == lastBits {
            d = lastD
        } else if let atCurrent = DecimalSum.integer(v, power: power) {
            // The common case: the value is a decimal at the exponent reached so far.
            d = atCurrent
            lastBits = v.bitPattern
            lastD = d
            hasLast = true
        } else {
            guard let found = digits(v) else { return }
            d = found
            lastBits = v.bitPattern
            lastD = d
            hasLast = true
        }
        if counted && sumExact {
            let (s, o) = total.addingReportingOverflow(d)
            if o { sumExact = false } else { total = s }
        }
        if weight != 0 && weightedExact {
            let (m, o1) = d.multipliedReportingOverflow(by: weight)
            let (s, o2) = weighted.addingReportingOverflow(m)
            if o1 || o2 { weightedExact = false } else { weighted = s }
        }
    }

    /// `round(v · p)` if `Double(that) / p` is exactly `v` (and |v · p| < 2^51).
    @inline(__always)
    static func integer(_ v: Double, power p: Double) -> Int64? {
        let x = v * p
        guard x.magnitude < limit else { return nil }
        let d = Int64((x + roundingMagic) - roundingMagic)
        return (Double(d) / p).bitPattern == v.bitPattern ? d : nil
    }

    /// `d` with `v = Double(d) / 10^exponent` exactly, raising the exponent when needed; nil
    /// (and both totals inexact) when there is none.
    private mutating func digits(_ v: Double) -> Int64? {
        var e = exponent
        while e <= DecimalSum.maxExponent {
            let p = DecimalSum.powers[e]
            let x = v * p
            if x.magnitude < DecimalSum.limit {
                let d = Int64((x + DecimalSum.roundingMagic) - DecimalSum.roundingMagic)
                if (Double(d) / p).bitPattern == v.bitPattern {
                    if e != exponent {
                        let k = DecimalSum.intPowers[e - exponent]
                        let (t, o1) = total.multipliedReportingOverflow(by: k)
                        let (w, o2) = weighted.multipliedReportingOverflow(by: k)
                        if o1 { sumExact = false } else { total = t }
                        if o2 { weightedExact = false } else { weighted = w }
                        exponent = e
                        power = p
                        let (ld, o3) = lastD.multipliedReportingOverflow(by: k)
                        if o3 { hasLast = false } else { lastD = ld }  // the cached d was at the old exponent
                    }
                    return d
                }
            }
            e += 1
        }
        sumExact = false
        weightedExact = false
        return nil
    }

    /// The sum, correctly rounded (one IEEE division), or nil when inexact or too large.
    package var value: Double? { sumExact ? DecimalSum.decimal(total, exponent) : nil }

    /// The weighted total divided by `10^extraExponent` (9 turns value·ns into value·s),
    /// correctly rounded, or nil when inexact or too large.
    package func weightedValue(extraExponent: Int) -> Double? {
        weightedExact ? DecimalSum.decimal(weighted, exponent + extraExponent) : nil
    }

    /// `t / 10^e` correctly rounded: trailing decimal zeros of `t` are dropped first (a sum
    /// of value × millisecond-aligned nanoseconds has six), so that `Double` holds it
    /// exactly. Nil when what remains is 2^51 or more or the exponent above 18.
    static func decimal(_ total: Int64, _ exponent: Int) -> Double? {
        var t = total, e = exponent
        while e > 0 && t % 10 == 0 && t != 0 { t /= 10; e -= 1 }
        if t == 0 { e = 0 }
        guard Double(t).magnitude < limit, e <= 18 else { return nil }
        return e == 0 ? Double(t) : Double(t) / tenTo(e)
    }

    /// 10^e as a double (exact for e ≤ 22).
    static func tenTo(_ e: Int) -> Double {
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }
}

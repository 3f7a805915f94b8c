/// Finds the largest power of ten dividing every delta of a block and divides it out exactly.
///
/// Timestamps are nanoseconds, but piles report at second or millisecond resolution, so deltas
/// are multiples of 10^9 or 10^6. Dividing by that unit first turns a jitter of ±1 s on a
/// 10 s interval into delta-of-deltas of ±2 (one varint byte) instead of ±2·10^9 (five bytes).
///
/// Divisibility and division use the 2-adic trick: `10^k = 2^k · 5^k`; `d` is divisible by
/// `2^k` when it has `k` trailing zeros, and `x` is divisible by the odd `5^k` exactly when
/// `x · inverse(5^k) mod 2^64 ≤ (2^64 - 1) / 5^k`, in which case that product *is* the quotient.
/// A multiply and a compare per value instead of a 64-bit division.
struct DecimalScale {
    /// 10^18 is the largest power of ten in an Int64.
    static let maxExponent = 18

    /// The exponent `k` of the unit `10^k`.
    let exponent: Int
    /// `10^k`.
    let unit: Int64
    /// The multiplicative inverse of `5^k` modulo 2^64.
    private let inverse: UInt64
    /// `UInt64.max / 5^k`: products at or below it came from multiples of `5^k`.
    private let limit: UInt64

    init(exponent k: Int) {
        precondition(k >= 0 && k <= DecimalScale.maxExponent, "BUG: decimal exponent \(k) out of range")
        var five: UInt64 = 1
        var ten: Int64 = 1
        for _ in 0..<k {
            five &*= 5
            ten &*= 10
        }
        // Newton's iteration for the inverse of an odd number: x = m is correct to 3 bits
        // (m·m ≡ 1 mod 8), and each step doubles the correct bits: 3, 6, 12, 24, 48, 96 ≥ 64.
        var x = five
        for _ in 0..<5 { x = x &* (2 &- five &* x) }
        exponent = k
        unit = ten
        inverse = x
        limit = UInt64.max / five
    }

    /// Whether `unit` divides `d` (any sign, any value including `Int64.min`).
    @inline(__always)
    func divides(_ d: Int64) -> Bool {
        let m = d.magnitude
        return m.trailingZeroBitCount >= exponent && (m &>> UInt64(exponent)) &* inverse <= limit
    }

    /// `d / unit`, exact; `d` must be divisible by `unit`.
    @inline(__always)
    func divide(_ d: Int64) -> Int64 {
        Int64(bitPattern: UInt64(bitPattern: d &>> Int64(exponent)) &* inverse)
    }

    /// The largest scale dividing every wrapping delta `values[i] &- values[i - 1]`.
    /// `deltaBits` is the bitwise or of all those deltas (the caller computed it already).
    static func largest(dividingDeltasOf values: UnsafeBufferPointer<Int64>, deltaBits: Int64) -> DecimalScale {
        // A multiple of 10^k has at least k trailing zero bits; all-zero deltas allow the maximum.
        var scale = DecimalScale(exponent: min(deltaBits.trailingZeroBitCount, maxExponent))
        var i = 1
        while i < values.count && scale.exponent > 0 {
            let d = values[i] &- values[i &- 1]
            if !scale.divides(d) {
                var k = scale.exponent - 1
                while k > 0 && !DecimalScale(exponent: k).divides(d) { k -= 1 }
                scale = DecimalScale(exponent: k)
            }
            i &+= 1
        }
        return scale
    }
}

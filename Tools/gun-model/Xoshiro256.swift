/// xoshiro256** (Blackman & Vigna): a small, fast, well-distributed generator whose output is
/// fixed by its seed on every platform, so generated data sets are reproducible byte for byte.
///
/// Not cryptographic. Each gun owns one generator, seeded from `(seed, gun index)`, so a gun's
/// telemetry does not change when `--guns` changes.
package struct Xoshiro256 {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the four state words with SplitMix64, as the authors recommend, so that similar
    /// seeds (0, 1, 2, ...) still give unrelated streams.
    package init(seed: UInt64, stream: UInt64) {
        // 0x9E3779B97F4A7C15 is 2^64 / golden ratio, SplitMix64's increment.
        var x = seed &+ stream &* 0xD1B5_4A32_D192_ED03
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&x)
        s1 = splitMix(&x)
        s2 = splitMix(&x)
        s3 = splitMix(&x)
    }

    /// The next 64 random bits.
    @inline(__always)
    package mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    @inline(__always)
    package mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lo, hi).
    @inline(__always)
    package mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * unit()
    }

    /// Uniform integer in the closed range [lo, hi].
    @inline(__always)
    package mutating func integer(_ lo: Int64, _ hi: Int64) -> Int64 {
        let span = UInt64(hi - lo) &+ 1
        // Modulo bias is below 2^-40 for the small spans used here; irrelevant for test data.
        return span == 0 ? Int64(bitPattern: next()) : lo + Int64(next() % span)
    }

    /// True with probability `p`.
    @inline(__always)
    package mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }
}

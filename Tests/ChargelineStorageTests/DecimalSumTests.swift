import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// Exact sums of decimal floats: one rounding at the end, exponent growth, and every way to
/// become inexact (the caller then keeps the double sum).
@Suite struct DecimalSumTests {
    @Test func sumsDecimalsWithoutFloatNoise() {
        var s = DecimalSum()
        var naive = 0.0
        for _ in 0..<10 { s.add(0.1); naive += 0.1 }
        #expect(naive != 1.0)  // the noise the exact sum avoids
        #expect(s.value == 1.0)
        #expect(s.exponent == 1 && s.total == 10)
    }

    @Test func growsTheExponentAndRescales() {
        var s = DecimalSum()
        s.add(400)
        #expect(s.exponent == 0)
        s.add(0.5)
        s.add(12345.678)
        #expect(s.exponent == 3 && s.total == 400_000 + 500 + 12_345_678)
        #expect(s.value == 12746.178)
    }

    @Test func weightsRepeatsAndExponentGrowthAgree() {
        var s = DecimalSum()
        s.add(400, weight: 10)
        s.add(400, weight: 10)  // a repeat: the cached d
        s.add(0.5, weight: 1)   // e = 0 -> 1 rescales both totals and the cached d
        s.add(400, weight: 2)
        s.add(7.5, weight: 4, counted: false)  // a previous sample: integral only
        #expect(s.exponent == 1 && s.total == 12_005 && s.weighted == 88_005 + 300)
        #expect(s.value == 1200.5 && s.weightedValue(extraExponent: 0) == 8830.5)
        #expect(s.weightedValue(extraExponent: 9) == 8830.5e-9)
    }

    @Test func equalsTheDoubleSumWhereThatIsExact() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<200 {
            var s = DecimalSum()
            var ints: Int64 = 0
            for _ in 0..<360 {
                let d = Int64.random(in: -80_000...80_000, using: &rng)
                ints += d
                s.add(Double(d) / 100)
            }
            #expect(s.value == Double(ints) / 100)
        }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, -0.0, 1.0 / 3.0, 1e300, .leastNonzeroMagnitude])
    func becomesInexactOnNonDecimals(_ v: Double) {
        var s = DecimalSum()
        s.add(1.5)
        s.add(v)
        s.add(2)
        #expect(s.value == nil && !s.exact)
    }

    @Test func becomesInexactOnOverflow() {
        var s = DecimalSum()
        // d = 2^50 - 1 each (below the 2^51 limit); 2^13 + 1 of them overflow Int64.
        let v = Double((1 << 50) - 1)
        for _ in 0...(1 << 13) { s.add(v) }
        #expect(s.value == nil && !s.exact)
        // Rescaling 1e9 by 10^9 fits Int64, but 1e18 + 1 has no exact double: no value.
        var t = DecimalSum()
        t.add(1_000_000_000)
        t.add(1e-9)
        #expect(t.exact && t.total == 1_000_000_000_000_000_001 && t.value == nil)
    }
}

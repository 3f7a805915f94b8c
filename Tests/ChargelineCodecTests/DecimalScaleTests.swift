import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

@Suite struct DecimalScaleTests {
    @Test func divisibilityMatchesDivision() {
        var rng = SplitMix64(seed: 101)
        for k in 0...DecimalScale.maxExponent {
            let scale = DecimalScale(exponent: k)
            for _ in 0..<2000 {
                let q = Int64.random(in: -1_000_000...1_000_000, using: &rng)
                let d = Int64.random(in: 0..<3, using: &rng) == 0 ? Int64(bitPattern: rng.next()) : q &* scale.unit
                let divides = d % scale.unit == 0
                #expect(scale.divides(d) == divides)
                if divides { #expect(scale.divide(d) == d / scale.unit) }
            }
            #expect(scale.divides(Int64.min) == (k == 0))
            #expect(scale.divides(0))
        }
    }
}

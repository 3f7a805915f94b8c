import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

/// `float-decimal`: exact decimals, exceptions, and every bit pattern round-tripping.
@Suite struct DecimalFloatTests {
    func roundTrip(_ v: [Double], expect encoding: BlockEncoding? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for options in Support.allOptions {
            let block = Support.encodeFloats(v, options)
            if let encoding { #expect(Support.encoding(block) == encoding, "\(options)", sourceLocation: sourceLocation) }
            let decoded = try Support.decodeFloats(block, count: v.count)
            #expect(decoded.map(\.bitPattern) == v.map(\.bitPattern), "\(options)", sourceLocation: sourceLocation)
        }
    }

    @Test func telemetryIsDecimal() throws {
        var rng = SplitMix64(seed: 21)
        let voltage = (0..<8192).map { _ in Double(4000 + Int.random(in: -2...2, using: &rng)) / 10 }
        try roundTrip(voltage, expect: .floatDecimal)
        let block = Support.encodeFloats(voltage)
        // ~2.3 bits of entropy per value; bit-packing would need 3.
        #expect(block.count < 8192 * 5 / 16, "\(block.count) bytes")
        var meter = 12_345_678
        let energy = (0..<8192).map { _ in meter += 160 + Int.random(in: -2...2, using: &rng); return Double(meter) / 1000 }
        try roundTrip(energy, expect: .floatDecimal)
        try roundTrip(Telemetry.voltage(8192, rng: &rng), expect: .floatDecimal)
        try roundTrip([0.1, 0.2, 0.30000000000000004], expect: nil)
        try roundTrip((0..<100).map { Double($0) * 1e-18 })
    }

    @Test func exponentIsTheSmallestThatFits() {
        func exponent(_ v: [Double]) -> Int? {
            v.map(\.bitPattern).withUnsafeBufferPointer { DecimalFloat.chooseExponent($0) }
        }
        #expect(exponent([1, 2, 3]) == 0)
        #expect(exponent([401.2, 400.9]) == 1)
        #expect(exponent([12345.678, 0.5]) == 3)
        #expect(exponent([.nan, .infinity]) == nil)
        #expect(exponent([3.298668384552002]) == nil)
    }

    @Test func exceptionsKeepTheBlockDecimal() throws {
        var rng = SplitMix64(seed: 22)
        var v = (0..<4096).map { _ in Double(250 + Int.random(in: -5...5, using: &rng)) / 10 }
        let specials = FloatCodecTests.specials.map { Double(bitPattern: $0) } + [Double.pi, 1e300, -1e-300]
        for (k, s) in specials.enumerated() { v[k * 97 + 3] = s }
        v[0] = -0.0
        v[4095] = .nan
        try roundTrip(v, expect: .floatDecimal)
    }

    @Test func tooManyExceptionsFallBack() throws {
        var rng = SplitMix64(seed: 23)
        let v = (0..<1000).map { i in i % 3 == 0 ? Double(i) / 10 : Double.random(in: 0..<1, using: &rng) }
        let block = Support.encodeFloats(v)
        #expect(Support.encoding(block) != .floatDecimal)
        try roundTrip(v)
    }

    /// Property test: random blocks mixing decimals, specials, subnormals, NaN payloads and
    /// random bit patterns, at several sizes; every bit pattern must come back.
    @Test(arguments: [1, 2, 5, 64, 777, 8192])
    func everyBitPatternRoundTrips(n: Int) throws {
        var rng = SplitMix64(seed: 0xDEC1 &+ UInt64(n))
        for mix in 0..<6 {
            let v: [Double] = (0..<n).map { _ in
                switch (rng.next() % 16, mix) {
                case (0, _): return Double(bitPattern: FloatCodecTests.specials[Int(rng.next() % UInt64(FloatCodecTests.specials.count))])
                case (1, 1...): return Double(bitPattern: rng.next() & 0x000F_FFFF_FFFF_FFFF)  // subnormal
                case (2, 2...): return Double(bitPattern: 0x7FF0_0000_0000_0000 | rng.next())  // NaN/inf, any payload
                case (3, 3...): return Double(bitPattern: rng.next())
                default: return Double(Int64.random(in: -100_000...100_000, using: &rng)) / [1, 10, 100, 1000][mix % 4]
                }
            }
            try roundTrip(v)
        }
    }

    @Test func corruptBlocksThrowOrKeepTheCount() {
        var rng = SplitMix64(seed: 24)
        var v = (0..<2000).map { _ in Double(4000 + Int.random(in: -2...2, using: &rng)) / 10 }
        v[17] = .nan
        let good = Support.encodeFloats(v)
        #expect(Support.encoding(good) == .floatDecimal)
        for cut in 0..<good.count {
            #expect(throws: CodecError.self) { try Support.decodeFloats(Array(good[..<cut]), count: v.count) }
        }
        for i in 0..<good.count {
            var bad = good
            bad[i] ^= 0x10
            if let d = try? Support.decodeFloats(bad, count: v.count) { #expect(d.count == v.count) }
        }
    }

    @Test func formatPins() {
        // [1.5, 2.5, 3.5, 4.5]: tag 0x13, stage 0, e = 1, 0 exceptions, then the residual stream
        // of 15, 25, 35, 45: order 1 (mode 01), n 4, v0 = zigzag(15) = 0x1e, center zigzag(10) = 0x14,
        // width 0.
        #expect(Support.hex(Support.encodeFloats([1.5, 2.5, 3.5, 4.5])) == "1300" + "01" + "00" + "01" + "04" + "1e" + "14" + "00")
        // One exception (NaN at index 1, gap 1) in 8 values (at most 8 / 8 = 1 allowed): its slot
        // repeats the previous integer 5. Then the stream of 5, 5, 5, 5, 5, 5, 5, 8 (order 0,
        // bit-packed from 5 at width 2: seven 0s and a 3).
        var payload: [UInt8] = []
        let v: [Double] = [0.5, .nan, 0.5, 0.5, 0.5, 0.5, 0.5, 0.8]
        v.map(\.bitPattern).withUnsafeBufferPointer { #expect(DecimalFloat.encode($0, into: &payload)) }
        #expect(Support.hex(payload) == "01" + "01" + "01" + "000000000000f87f" + "00" + "08" + "0a" + "02" + "00c0")
    }
}

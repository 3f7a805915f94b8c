import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

@Suite struct IntegerCodecTests {
    func roundTrip(_ v: [Int64], expect encoding: BlockEncoding? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for options in Support.allOptions {
            let block = Support.encodeIntegers(v, options)
            if let encoding {
                #expect(Support.encoding(block) == encoding, sourceLocation: sourceLocation)
            }
            #expect(try Support.decodeIntegers(block, count: v.count) == v, "\(options)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyBranch() throws {
        try roundTrip([], expect: .empty)
        try roundTrip([-7], expect: .integerConstant)
        try roundTrip(Array(repeating: Int64.min, count: 8192), expect: .integerConstant)
        try roundTrip((0..<1000).map { Int64($0) * 3 - 500 }, expect: .integerResidual)
        try roundTrip([1, 3, -1, 99], expect: .integerDelta)
        var rng = SplitMix64(seed: 41)
        try roundTrip(Telemetry.status(8192, rng: &rng), expect: .integerRunLength)
        try roundTrip((0..<100).map { _ in Int64(bitPattern: rng.next()) }, expect: .integerRaw)
    }

    /// `int-decimal`: nanosecond durations of millisecond-aligned samples keep their quotients
    /// by 10^6; every exponent up to 18, negatives and zeros round-trip, and a block with one
    /// value that is not a multiple of 10 stays `int-residual`.
    @Test func multiplesOfAPowerOfTen() throws {
        var rng = SplitMix64(seed: 57)
        let durations = (0..<24).map { _ in Int64.random(in: 0...3_600_000, using: &rng) * 1_000_000 }
        try roundTrip(durations, expect: .integerDecimal)
        let block = Support.encodeIntegers(durations, .compact)
        #expect(block.count < 24 * 4, "\(block.count) bytes: the quotients, not the nanoseconds")
        try roundTrip([9_000_000_000_000_000_000, -9_000_000_000_000_000_000, 0, 1_000_000_000_000_000_000, 0, 3_000_000_000_000_000_000] + durations)
        try roundTrip((0..<300).map { Int64($0 % 7 - 3) * 10 })
        var odd = durations
        odd[11] += 1
        try roundTrip(odd, expect: .integerResidual)
        for k in 1...18 {
            let p = IntegerCodec.powersOfTen[k]
            let v = (0..<50).map { _ in Int64.random(in: -9...9, using: &rng) * p }
            try roundTrip(v)
            #expect(v.withUnsafeBufferPointer { IntegerCodec.decimalExponent($0) } >= k)
        }
    }

    @Test func wrappingDeltas() throws {
        try roundTrip([Int64.max, Int64.min, Int64.max, 0, Int64.min, -1, 1])
        // UInt64 bit patterns, as storage uses them.
        let unsigned: [UInt64] = [0, UInt64.max, 1 << 63, (1 << 63) - 1, 42, UInt64.max - 1]
        try roundTrip(unsigned.map { Int64(bitPattern: $0) })
    }

    @Test(arguments: [UInt64(51), 52, 53, 54])
    func randomBlocks(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<40 {
            let n = [0, 1, 2, 3, 100, 8192][Int.random(in: 0..<6, using: &rng)]
            let shape = Int.random(in: 0..<4, using: &rng)
            var x = Int64.random(in: Int64.min...Int64.max, using: &rng)
            let v: [Int64] = (0..<n).map { _ in
                switch shape {
                case 0: return Int64(bitPattern: rng.next())
                case 1:
                    x &+= Int64.random(in: -300...300, using: &rng)
                    return x
                case 2:
                    if Int.random(in: 0..<50, using: &rng) == 0 { x = Int64(bitPattern: rng.next()) }
                    return x
                default:
                    return [Int64.min, Int64.max, 0, -1, 1][Int.random(in: 0..<5, using: &rng)]
                }
            }
            try roundTrip(v)
        }
    }

    @Test func prefixPreserving() throws {
        var rng = SplitMix64(seed: 55)
        let v = Telemetry.status(300, rng: &rng) + [Int64.min, Int64.max, 5, 5, 5, 6]
        for k in 0...v.count {
            let block = Support.encodeIntegers(Array(v[..<k]), .compact)
            #expect(try Support.decodeIntegers(block, count: k) == Array(v[..<k]))
        }
    }

    @Test func wrongCountThrows() {
        for v: [Int64] in [[1, 2, 4, 8], [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 9], [Int64.min, 1, Int64.max, -5]] {
            let block = Support.encodeIntegers(v)
            #expect(throws: CodecError.self) { try Support.decodeIntegers(block, count: v.count - 1) }
            #expect(throws: CodecError.self) { try Support.decodeIntegers(block, count: v.count + 1) }
        }
    }

    @Test func zeroRunLengthIsRejected() {
        // int-run-length: run value 1 with length 0.
        #expect(throws: CodecError.self) { try Support.decodeIntegers([0x23, 0x00, 0x02, 0x00, 0x02, 0x01], count: 1) }
    }

    @Test func formatPins() {
        #expect(Support.hex(Support.encodeIntegers([300, 300])) == "20002c01000000000000")
        // int-delta: zz(1) = 02, zz(+2) = 04, zz(-4) = 07, zz(100) = c8 01.
        #expect(Support.hex(Support.encodeIntegers([1, 3, -1, 99])) == "21000204 07c801".replacingOccurrences(of: " ", with: ""))
        // int-run-length: (zz(2) = 04, 6), (zz(+1) = 02, 5).
        #expect(Support.hex(Support.encodeIntegers([2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3])) == "230004060205")
        // [min, max] is 11 bytes as deltas (zz(min) takes 10, the wrapped delta -1 one byte).
        #expect(Support.hex(Support.encodeIntegers([Int64.min, Int64.max])) == "2100" + "ffffffffffffffffff01" + "01")
        // Alternating bit patterns: every delta needs 10 bytes, raw needs 8.
        let a: Int64 = 0x5555_5555_5555_5555
        #expect(
            Support.hex(Support.encodeIntegers([a, ~a, a]))
                == "2200" + "5555555555555555" + "aaaaaaaaaaaaaaaa" + "5555555555555555")
    }
}

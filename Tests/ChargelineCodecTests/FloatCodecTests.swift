import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

@Suite struct FloatCodecTests {
    /// Bit patterns every float codec must preserve exactly.
    static let specials: [UInt64] = [
        0x0000_0000_0000_0000,  // +0.0
        0x8000_0000_0000_0000,  // -0.0
        0x7FF0_0000_0000_0000,  // +inf
        0xFFF0_0000_0000_0000,  // -inf
        0x7FF8_0000_0000_0000,  // quiet NaN
        0x7FF0_0000_0000_0001,  // signalling NaN, payload 1
        0xFFFF_FFFF_FFFF_FFFF,  // negative NaN, all payload bits
        0x7FF8_DEAD_BEEF_0042,  // NaN with a payload
        0x0000_0000_0000_0001,  // smallest subnormal
        0x000F_FFFF_FFFF_FFFF,  // largest subnormal
        0x0010_0000_0000_0000,  // smallest normal
        0x7FEF_FFFF_FFFF_FFFF,  // greatest finite
        0x3FF0_0000_0000_0000,  // 1.0
    ]

    func roundTrip(_ v: [Double], expect encoding: BlockEncoding? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for options in Support.allOptions {
            let block = Support.encodeFloats(v, options)
            if let encoding {
                #expect(Support.encoding(block) == encoding, sourceLocation: sourceLocation)
            }
            let decoded = try Support.decodeFloats(block, count: v.count)
            #expect(decoded.map(\.bitPattern) == v.map(\.bitPattern), "\(options)", sourceLocation: sourceLocation)
        }
    }

    @Test func emptyAndSingle() throws {
        try roundTrip([], expect: .empty)
        try roundTrip([3.25], expect: .floatConstant)
    }

    @Test func constant() throws {
        try roundTrip(Array(repeating: 230.5, count: 8192), expect: .floatConstant)
        try roundTrip(Array(repeating: Double(bitPattern: 0x7FF8_DEAD_BEEF_0042), count: 9), expect: .floatConstant)
        // 0.0 and -0.0 compare equal but are different bit patterns: not constant.
        try roundTrip([0.0, -0.0], expect: .floatXOR)
    }

    @Test func xorOnTelemetry() throws {
        var rng = SplitMix64(seed: 21)
        // Not decimals (sevenths), so the decimal codec does not apply.
        let v = Telemetry.voltage(8192, rng: &rng).map { $0 / 7 }
        try roundTrip(v, expect: .floatXOR)
        #expect(Support.encodeFloats(v).count < 8 * 8192)
    }

    @Test func xorWindowReuseAndNewWindows() throws {
        // Repeats (bit 0), values whose XOR fits the previous window, and values needing a
        // new window, including a full 64-bit window (sign flip of a NaN with payload).
        try roundTrip([1.0, 1.0, 1.5, 1.25, 1.5, -1.5, Double(bitPattern: 0xFFFF_FFFF_FFFF_FFFF), 0.0, 1e-310])
    }

    @Test func rawFallbackForNoise() throws {
        var rng = SplitMix64(seed: 22)
        let v = (0..<1000).map { _ in Double(bitPattern: rng.next()) }
        try roundTrip(v, expect: .floatRaw)
    }

    @Test func specialBitPatterns() throws {
        let s = Self.specials.map { Double(bitPattern: $0) }
        try roundTrip(s)
        try roundTrip(s + s.reversed() + s)
        for p in Self.specials {
            try roundTrip([Double(bitPattern: p), 1.0, Double(bitPattern: p)])
        }
    }

    @Test(arguments: [UInt64(31), 32, 33, 34])
    func randomBlocks(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<30 {
            let n = [0, 1, 2, 3, 64, 8192][Int.random(in: 0..<6, using: &rng)]
            let shape = Int.random(in: 0..<4, using: &rng)
            var x = Double.random(in: -1000...1000, using: &rng)
            let v: [Double] = (0..<n).map { _ in
                switch shape {
                case 0: return Double(bitPattern: rng.next())
                case 1: return Double(bitPattern: Self.specials[Int.random(in: 0..<Self.specials.count, using: &rng)])
                case 2:
                    x += Double(Int.random(in: -5...5, using: &rng)) / 10
                    return x
                default:
                    return Int.random(in: 0..<4, using: &rng) == 0 ? Double(bitPattern: rng.next()) : x
                }
            }
            try roundTrip(v)
        }
    }

    @Test func prefixPreserving() throws {
        var rng = SplitMix64(seed: 35)
        let v = Telemetry.voltage(200, rng: &rng) + Self.specials.map { Double(bitPattern: $0) }
        for k in 0...v.count {
            let block = Support.encodeFloats(Array(v[..<k]), .fast)
            #expect(try Support.decodeFloats(block, count: k).map(\.bitPattern) == v[..<k].map(\.bitPattern))
        }
    }

    @Test func wrongCountThrows() {
        let v = [1.0, 2.0, 3.5, 3.5, 4.0].map { $0 / 3 }
        let xor = Support.encodeFloats(v)
        #expect(Support.encoding(xor) == .floatXOR)
        #expect(throws: CodecError.self) { try Support.decodeFloats(xor, count: 4) }
        #expect(throws: CodecError.self) { try Support.decodeFloats(xor, count: 6) }
        var rng = SplitMix64(seed: 36)
        let raw = Support.encodeFloats((0..<10).map { _ in Double(bitPattern: rng.next()) })
        #expect(throws: CodecError.self) { try Support.decodeFloats(raw, count: 9) }
    }

    @Test func formatPins() {
        // float-constant: 1.0 = 0x3FF0000000000000 little-endian.
        #expect(Support.hex(Support.encodeFloats([1.0, 1.0])) == "1000000000000000f03f")
        // float-xor: 1.0 (64 raw bits), repeat (bit 0), 1.5: xor 0x0008000000000000 has 12
        // leading zeros and 1 meaningful bit: control 1 1, 001100, 000000, then bit 1.
        // Bits LSB first: 64 bits of 1.0, then 0 1 1 001100 000000 1 (16 bits, no padding):
        // byte 8 = 0b01100110, byte 9 = 0b10000000.
        var stream: [UInt8] = []
        [1.0, 1.0, 1.5].map(\.bitPattern).withUnsafeBufferPointer { GorillaXOR.encode($0, into: &stream) }
        #expect(Support.hex(stream) == "000000000000f03f6680")
        // The same values as float-decimal: e = 1, no exceptions, then integers 10, 10, 15
        // (mode 0, n 3, from 10 = zigzag 0x14, width 3: 000 000 101 -> 0x40 0x01).
        #expect(Support.hex(Support.encodeFloats([1.0, 1.0, 1.5])) == "1300" + "01" + "00" + "00" + "03" + "14" + "03" + "4001")
        // float-raw: only when XOR is larger; pinned on two noise values.
        let raw = Support.encodeFloats([Double(bitPattern: 0x0123_4567_89AB_CDEF), Double(bitPattern: 0xFEDC_BA98_7654_3210)])
        #expect(Support.hex(raw) == "1200efcdab89674523011032547698badcfe")
    }
}

import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

@Suite struct BooleanCodecTests {
    func roundTrip(_ v: [Bool], expect encoding: BlockEncoding? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for options in Support.allOptions {
            let block = Support.encodeBooleans(v, options)
            if let encoding {
                #expect(Support.encoding(block) == encoding, sourceLocation: sourceLocation)
            }
            #expect(try Support.decodeBooleans(block, count: v.count) == v, "\(options)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyBranch() throws {
        try roundTrip([], expect: .empty)
        try roundTrip([true], expect: .booleanConstant)
        try roundTrip(Array(repeating: false, count: 8192), expect: .booleanConstant)
        try roundTrip([true, false], expect: .booleanBitmap)
    }

    @Test(arguments: [UInt64(61), 62])
    func randomBlocks(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for n in [2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 8191, 8192] {
            let density = Int.random(in: 1...20, using: &rng)
            try roundTrip((0..<n).map { _ in Int.random(in: 0..<density, using: &rng) == 0 })
        }
    }

    @Test func prefixPreserving() throws {
        var rng = SplitMix64(seed: 63)
        let v = (0..<100).map { _ in Bool.random(using: &rng) }
        for k in 0...v.count {
            #expect(try Support.decodeBooleans(Support.encodeBooleans(Array(v[..<k])), count: k) == Array(v[..<k]))
        }
    }

    @Test func malformedBlocksThrow() {
        // Constant byte other than 0/1, non-zero padding, wrong byte count.
        #expect(throws: CodecError.self) { try Support.decodeBooleans([0x31, 0x00, 0x02], count: 3) }
        #expect(throws: CodecError.self) { try Support.decodeBooleans([0x30, 0x00, 0xFF], count: 3) }
        #expect(throws: CodecError.self) { try Support.decodeBooleans([0x30, 0x00, 0x01, 0x00], count: 3) }
        #expect(throws: CodecError.self) { try Support.decodeBooleans([0x30, 0x00, 0x01], count: 9) }
    }

    @Test func formatPins() {
        #expect(Support.hex(Support.encodeBooleans([true, true, true])) == "310001")
        // Bitmap, least significant bit first: 1 0 1 1 0 0 0 0 | 1 = 0x0d, 0x01.
        #expect(Support.hex(Support.encodeBooleans([true, false, true, true, false, false, false, false, true])) == "30000d01")
    }
}

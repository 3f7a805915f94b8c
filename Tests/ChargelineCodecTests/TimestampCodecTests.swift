import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

@Suite struct TimestampCodecTests {
    func roundTrip(_ v: [Int64], expect encoding: BlockEncoding? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for options in Support.allOptions {
            let block = Support.encodeTimestamps(v, options)
            if let encoding {
                #expect(Support.encoding(block) == encoding, sourceLocation: sourceLocation)
            }
            let decoded = try Support.decodeTimestamps(block, count: v.count)
            #expect(decoded == v, "\(options)", sourceLocation: sourceLocation)
        }
    }

    @Test func emptyBlock() throws {
        let block = Support.encodeTimestamps([])
        #expect(block == [0x00, 0x00])
        try roundTrip([], expect: .empty)
        #expect(throws: CodecError.self) { try Support.decodeTimestamps(block, count: 1) }
    }

    @Test func constantStride() throws {
        try roundTrip([42], expect: .timestampConstantStride)
        try roundTrip([5, 5, 5, 5], expect: .timestampConstantStride)
        try roundTrip((0..<8192).map { 1_700_000_000_000_000_000 + Int64($0) * 10_000_000_000 }, expect: .timestampConstantStride)
        try roundTrip([Int64.max, Int64.min], expect: .timestampConstantStride)  // wrapping stride
        try roundTrip([10, 7, 4, 1, -2], expect: .timestampConstantStride)  // descending
    }

    @Test func secondJitterCostsOneByte() throws {
        var rng = SplitMix64(seed: 1)
        let v = Telemetry.timestamps(8192, rng: &rng)
        try roundTrip(v)
        // Whole-second jitter on nanosecond timestamps: scaled deltas 9...11 and delta-of-deltas
        // -2...2 both take one byte, so either encoding costs one byte per value.
        let block = Support.encodeTimestamps(v)
        #expect(block.count <= 8192 + 10)
        #expect(Support.encodeTimestamps(v, .compact).count < 8192 / 2)
    }

    @Test func deltaOfDeltaWithMillisecondJitter() throws {
        // 10 s ± 2 ms: scaled deltas ~10000 need 3 bytes, delta-of-deltas ±4 need 1 varint byte,
        // the jitter itself (5 values) about 2.3 bits entropy coded.
        var rng = SplitMix64(seed: 7)
        var t: Int64 = 1_700_000_000_000_000_000
        let v = (0..<8192).map { _ in
            t += 10_000_000_000 + Int64.random(in: -2...2, using: &rng) * 1_000_000
            return t
        }
        try roundTrip(v, expect: .timestampResidual)
        #expect(Support.encodeTimestamps(v).count < 8192 * 5 / 2 / 8)
    }

    @Test func deltaForIrregularSampling() throws {
        var rng = SplitMix64(seed: 2)
        var t: Int64 = 0
        let v = (0..<1000).map { _ in
            t += Int64.random(in: 1...1_000_000, using: &rng)
            return t
        }
        // The residual stream's delta predictor beats varints on uniform gaps.
        try roundTrip(v, expect: .timestampResidual)
    }

    @Test func decimalScaleIsFound() throws {
        // Millisecond jitter on nanosecond timestamps: the unit must be 10^6.
        var rng = SplitMix64(seed: 3)
        var t: Int64 = 1_700_000_000_000_000_000
        let v = (0..<500).map { _ in
            t += 10_000_000_000 + Int64.random(in: -1000...1000, using: &rng) * 1_000_000
            return t
        }
        let block = Support.encodeTimestamps(v)
        #expect(block[10] == 6)  // tag, stage, 8-byte first value, then the exponent
        try roundTrip(v)
    }

    @Test func adversarialValues() throws {
        try roundTrip([Int64.min, Int64.max, 0, -1, Int64.min, 1, Int64.max - 1])
        try roundTrip([0, Int64.max, Int64.min, Int64.max, Int64.min])
        try roundTrip([3, 3, 3, 4, 4, 2])  // duplicates and a step back
        try roundTrip([0, 1_000_000_000_000_000_000, -1_000_000_000_000_000_000, 0])
    }

    @Test(arguments: [UInt64(11), 12, 13, 14])
    func randomBlocks(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<40 {
            let n = [0, 1, 2, 3, 17, 8192][Int.random(in: 0..<6, using: &rng)]
            let shape = Int.random(in: 0..<4, using: &rng)
            var t = Int64.random(in: Int64.min...Int64.max, using: &rng)
            let step = Int64.random(in: -1_000_000...1_000_000, using: &rng) * [1, 1000, 1_000_000_000][shape % 3]
            let v: [Int64] = (0..<n).map { _ in
                switch shape {
                case 0: return Int64.random(in: Int64.min...Int64.max, using: &rng)
                default:
                    t &+= step &+ Int64.random(in: -2...2, using: &rng) * (shape == 3 ? 1 : 1000)
                    return t
                }
            }
            try roundTrip(v)
        }
    }

    @Test func prefixPreserving() throws {
        var rng = SplitMix64(seed: 5)
        let v = Telemetry.timestamps(300, rng: &rng)
        for k in 0...v.count {
            let block = Support.encodeTimestamps(Array(v[..<k]), .compact)
            #expect(try Support.decodeTimestamps(block, count: k) == Array(v[..<k]))
        }
    }

    @Test func wrongCountThrows() {
        var rng = SplitMix64(seed: 6)
        let v = Telemetry.timestamps(100, rng: &rng)
        let block = Support.encodeTimestamps(v)
        #expect(throws: CodecError.self) { try Support.decodeTimestamps(block, count: 99) }
        #expect(throws: CodecError.self) { try Support.decodeTimestamps(block, count: 101) }
        #expect(throws: CodecError.self) { try Support.decodeTimestamps(block, count: -1) }
    }

    @Test func failedDecodeLeavesOutputUntouched() {
        var out: [Int64] = [1, 2, 3]
        let block: [UInt8] = [0x02, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x80]  // truncated varint
        _ = block.withUnsafeBytes { b in
            #expect(throws: CodecError.self) { try TimestampCodec.decode(b, count: 3, into: &out) }
        }
        #expect(out == [1, 2, 3])
    }

    @Test func appendsToExistingOutput() throws {
        var out: [Int64] = [7]
        let block = Support.encodeTimestamps([1, 2, 3])
        try block.withUnsafeBytes { try TimestampCodec.decode($0, count: 3, into: &out) }
        #expect(out == [7, 1, 2, 3])
    }

    @Test func rejectsOtherFamilies() {
        let block = Support.encodeFloats([1.5, 2.5])
        #expect(throws: CodecError.self) { try Support.decodeTimestamps(block, count: 2) }
    }

    @Test func formatPins() {
        // ts-constant-stride: tag 01, stage 00, first = 1000 LE, stride zig-zag(10) = 20.
        #expect(Support.hex(Support.encodeTimestamps([1000, 1010, 1020])) == "0100e80300000000000014")
        // ts-delta-of-delta: first = 1e9, exponent 9, q1 = 100 (zz 200 = c8 01), dod +1 (02), -2 (03).
        let v: [Int64] = [1_000_000_000, 101_000_000_000, 202_000_000_000, 301_000_000_000]
        #expect(Support.hex(Support.encodeTimestamps(v)) == "020000ca9a3b0000000009" + "c8010203")
        // ts-delta: deltas 1, 100, 3 (zz 2, c801, 6).
        #expect(Support.hex(Support.encodeTimestamps([0, 1, 101, 104])) == "0300000000000000000000" + "02c80106")
    }
}

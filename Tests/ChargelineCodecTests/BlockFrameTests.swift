import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

/// The shared framing: second-stage rules, header validation, garbage input.
@Suite struct BlockFrameTests {
    @Test func secondStageIsUsedWhenItPays() throws {
        let voltages = (0..<8192).map { i in 230.0 + Double(i % 10) / 10 }
        #expect(Support.stage(Support.encodeFloats(voltages, .uncompressed)) == SecondStage.none)
        #expect(Support.stage(Support.encodeFloats(voltages, .fast)) == .lz4)
        #expect(Support.stage(Support.encodeFloats(voltages, .compact)) == .zstd)
        let lz4 = Support.encodeFloats(voltages, .fast)
        #expect(lz4.count < Support.encodeFloats(voltages, .uncompressed).count * 9 / 10)
        #expect(try Support.decodeFloats(lz4, count: 8192) == voltages)
    }

    @Test func smallPayloadsAreNeverCompressed() {
        // 40 one-byte deltas: an int-delta payload under 64 bytes stays uncompressed.
        let v = (0..<40).map { Int64($0 % 2) }
        let block = Support.encodeIntegers(v, .compact)
        #expect(block.count - 2 < CodecOptions.minimumPayloadForSecondStage)
        #expect(Support.stage(block) == SecondStage.none)
    }

    @Test func incompressiblePayloadsStayUncompressed() {
        var rng = SplitMix64(seed: 82)
        let noise = (0..<1000).map { _ in Double(bitPattern: rng.next()) }
        #expect(Support.stage(Support.encodeFloats(noise, .compact)) == SecondStage.none)
        #expect(Support.stage(Support.encodeFloats(noise, .fast)) == SecondStage.none)
    }

    @Test func encodersAppendAfterExistingBytes() throws {
        var out: [UInt8] = [0xAA, 0xBB]
        let v = (0..<8192).map { i in 230.0 + Double(i % 10) / 10 }
        v.withUnsafeBufferPointer { FloatCodec.encode($0, options: .compact, into: &out) }
        #expect(out[0] == 0xAA && out[1] == 0xBB)
        #expect(try Support.decodeFloats(Array(out[2...]), count: v.count) == v)
    }

    @Test func lyingLengthPrefixesThrow() throws {
        let v = (0..<8192).map { i in 230.0 + Double(i % 10) / 10 }
        for options in [CodecOptions.fast, .compact] {
            let block = Support.encodeFloats(v, options)
            // The length prefix is a uvarint right after the header; bump it by one.
            var lying = block
            lying[2] = lying[2] &+ 1
            #expect(throws: CodecError.self) { try Support.decodeFloats(lying, count: v.count) }
            // A prefix claiming a gigantic payload is rejected before allocating.
            var huge = Array(block[..<2]) + [0xFF, 0xFF, 0xFF, 0xFF, 0x07]
            huge += block[(2 + Varint.size(UInt64(8192 * 8)))...]
            #expect(throws: CodecError.self) { try Support.decodeFloats(huge, count: v.count) }
        }
    }

    @Test func headerErrorsAreDescriptive() {
        do {
            _ = try Support.decodeFloats([0x7F, 0x00], count: 1)
            Issue.record("unknown tag accepted")
        } catch {
            #expect("\(error)".contains("0x7f"))
        }
        #expect(throws: CodecError.self) { try Support.decodeFloats([0x10], count: 1) }
        #expect(throws: CodecError.self) { try Support.decodeFloats([0x10, 0x03, 0, 0, 0, 0, 0, 0, 0, 0], count: 1) }
        #expect(throws: CodecError.self) { try Support.decodeFloats([0x00, 0x00, 0x00], count: 0) }
        #expect(throws: CodecError.self) { try Support.decodeFloats([0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0], count: 0) }
    }

    /// Valid blocks of every codec and encoding, compressed and not.
    static func sampleBlocks() -> [(block: [UInt8], count: Int)] {
        var rng = SplitMix64(seed: 83)
        var out: [(block: [UInt8], count: Int)] = []
        let ts = Telemetry.timestamps(300, rng: &rng)
        let volts = Telemetry.voltage(300, rng: &rng)
        let status = Telemetry.status(300, rng: &rng)
        let strings = StringColumn((0..<300).map { i in ["idle", "charging", "fault \(i % 7)"][i % 3] })
        for options in Support.allOptions {
            out.append((Support.encodeTimestamps(ts, options), ts.count))
            out.append((Support.encodeTimestamps([1, 2, 3], options), 3))
            out.append((Support.encodeTimestamps([1, 5, 6, 100], options), 4))
            out.append((Support.encodeFloats(volts, options), volts.count))
            out.append((Support.encodeFloats([1, 1], options), 2))
            out.append((Support.encodeFloats([1.5, Double(bitPattern: rng.next())], options), 2))
            out.append((Support.encodeIntegers(status, options), status.count))
            out.append((Support.encodeIntegers(status.indices.map { Int64($0) * 7 }, options), status.count))
            out.append((Support.encodeIntegers([Int64(bitPattern: rng.next()), 1], options), 2))
            out.append((Support.encodeBooleans(status.map { $0 == 2 }, options), status.count))
            out.append((Support.encodeStrings(strings, options), strings.count))
            out.append((Support.encodeStrings(StringColumn(["a", "bc"]), options), 2))
        }
        return out
    }

    @Test func truncationsNeverCrash() {
        for (block, count) in Self.sampleBlocks() {
            #expect(Support.feedAllDecoders(block, count: count) == 1)
            for end in 0..<block.count {
                let cut = Array(block[..<end])
                Support.feedAllDecoders(cut, count: count)
            }
        }
    }

    @Test func flippedBytesNeverCrash() {
        var rng = SplitMix64(seed: 84)
        for (block, count) in Self.sampleBlocks() {
            for _ in 0..<200 {
                var bad = block
                let i = Int.random(in: 0..<bad.count, using: &rng)
                bad[i] ^= UInt8.random(in: 1...255, using: &rng)
                Support.feedAllDecoders(bad, count: count)
                Support.feedAllDecoders(bad, count: count + Int.random(in: -2...2, using: &rng))
            }
        }
    }

    @Test(arguments: [UInt64(85), 86])
    func randomGarbageNeverCrashes(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let tags = BlockEncoding.allCases.map(\.rawValue)
        for round in 0..<3000 {
            var bytes = (0..<Int.random(in: 0..<80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count >= 2 && round % 4 != 0 {
                // Mostly valid headers, so the payload decoders see the garbage.
                bytes[0] = tags[Int.random(in: 0..<tags.count, using: &rng)]
                bytes[1] = UInt8.random(in: 0...2, using: &rng)
                if round % 3 == 0 { bytes[1] = 0 }
            }
            Support.feedAllDecoders(bytes, count: Int.random(in: 0...40, using: &rng))
        }
    }
}

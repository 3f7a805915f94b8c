import Foundation
import Testing

@testable import ChargelineCodec

/// Golden blocks written by version 1 of the codecs: an old block must stay readable.
@Suite struct FixtureTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return Array(try Data(contentsOf: dir.appendingPathComponent(name)))
    }

    @Test func timestampBlockStillDecodes() throws {
        let block = try Self.fixture("timestamps-delta-v1.bin")
        #expect(Support.encoding(block) == .timestampDelta)
        #expect(try Support.decodeTimestamps(block, count: 64) == FixtureValues.timestamps)
        // Today's encoder prefers `ts-residual` (the jitter, bit-packed) for the same values; it
        // must be smaller and decode to the same timestamps.
        let today = Support.encodeTimestamps(FixtureValues.timestamps)
        #expect(Support.encoding(today) == .timestampResidual)
        #expect(today.count < block.count)
        #expect(try Support.decodeTimestamps(today, count: 64) == FixtureValues.timestamps)
    }

    @Test func zstdFloatBlockStillDecodes() throws {
        let block = try Self.fixture("floats-xor-zstd-v1.bin")
        #expect(Support.encoding(block) == .floatXOR)
        #expect(Support.stage(block) == .zstd)
        let decoded = try Support.decodeFloats(block, count: 512)
        #expect(decoded.map(\.bitPattern) == FixtureValues.floats.map(\.bitPattern))
        // Compressed bytes may differ between zstd versions, so only the first stage is pinned.
        var uncompressed = Support.encodeFloats(FixtureValues.floats, .uncompressed)
        uncompressed[1] = 0
        #expect(try Support.decodeFloats(uncompressed, count: 512) == decoded)
    }
}

import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

@Suite struct CompressorTests {
    @Test(arguments: [SecondStagePreference.none, .lz4, .zstd(level: 1), .zstd(level: 3), .zstd(level: 19)])
    func roundTrip(_ preference: SecondStagePreference) throws {
        let source = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 / 7) }
        var compressed: [UInt8] = [9]
        let n = try source.withUnsafeBytes { try Compressor.compress($0, using: preference, appendingTo: &compressed) }
        #expect(compressed.count == 1 + n)
        var restored = [UInt8](repeating: 0, count: source.count)
        let stage = Compressor.stage(of: preference)
        try compressed[1...].withUnsafeBytes { src in
            try restored.withUnsafeMutableBytes { try Compressor.decompress(src, stage: stage, into: $0) }
        }
        #expect(restored == source)
        // Asking for a different size must fail, never over- or under-fill.
        var short = [UInt8](repeating: 0, count: source.count - 1)
        #expect(throws: CodecError.self) {
            try compressed[1...].withUnsafeBytes { src in
                try short.withUnsafeMutableBytes { try Compressor.decompress(src, stage: stage, into: $0) }
            }
        }
    }

    @Test func garbageIsRejected() {
        var rng = SplitMix64(seed: 91)
        for _ in 0..<500 {
            let junk = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var dst = [UInt8](repeating: 0, count: Int.random(in: 0..<1000, using: &rng))
            for stage in [SecondStage.lz4, .zstd] {
                _ = try? junk.withUnsafeBytes { src in
                    try dst.withUnsafeMutableBytes { try Compressor.decompress(src, stage: stage, into: $0) }
                }
            }
        }
    }
}

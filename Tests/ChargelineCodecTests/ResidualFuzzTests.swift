import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

/// Damaged blocks of the residual-stream encodings (float-decimal, int-residual, int-decimal, ts-residual)
/// must make every decoder throw or return exactly the requested count: never trap, never read
/// outside the block. Fixed seeds, so a failure repeats.
@Suite struct ResidualFuzzTests {
    /// Valid blocks covering bit-packing, rANS and rANS with runs, every order, exceptions.
    static func seeds() -> [(block: [UInt8], count: Int)] {
        var rng = SplitMix64(seed: 0xF022)
        var out: [(block: [UInt8], count: Int)] = []
        var level: Int64 = 0
        let mixed = (0..<3000).map { i -> Int64 in
            if i % 500 == 0 { level = level == 0 ? 900 : 0 }
            return level == 0 ? 0 : level + Int64.random(in: -3...3, using: &rng)
        }
        out.append((Support.encodeIntegers(mixed), mixed.count))
        out.append((Support.encodeIntegers((0..<700).map { _ in Int64.random(in: 0..<4096, using: &rng) }), 700))
        var x: Int64 = 0
        out.append((Support.encodeIntegers((0..<900).map { _ in x += 100 + Int64.random(in: -2...2, using: &rng); return x }), 900))
        var floats = (0..<2000).map { _ in Double(2300 + Int.random(in: -4...4, using: &rng)) / 10 }
        floats[5] = .nan
        floats[1999] = -0.0
        out.append((Support.encodeFloats(floats), floats.count))
        let ts = Telemetry.timestamps(1500, rng: &rng).enumerated().map { $0.element + Int64($0.offset % 7) * 1_000_000 }
        out.append((Support.encodeTimestamps(ts), ts.count))
        let durations = (0..<500).map { _ in Int64.random(in: 0...3_600_000, using: &rng) * 1_000_000 }
        out.append((Support.encodeIntegers(durations), durations.count))
        for (block, _) in out {
            precondition([0x04, 0x13, 0x24, 0x25].contains(block[0]), "fuzz seed is not a residual-stream block")
        }
        return out
    }

    @Test func flippedAndTruncatedBlocksNeverTrap() {
        var rng = SplitMix64(seed: 0xF023)
        for (block, count) in Self.seeds() {
            for _ in 0..<400 {
                var bad = block
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let i = Int.random(in: 0..<bad.count, using: &rng)
                    bad[i] ^= UInt8.random(in: 1...255, using: &rng)
                }
                if Bool.random(using: &rng) { bad.removeLast(Int.random(in: 0..<bad.count, using: &rng)) }
                Support.feedAllDecoders(bad, count: count)
                Support.feedAllDecoders(bad, count: max(0, count + Int.random(in: -3...3, using: &rng)))
            }
        }
    }

    @Test func randomPayloadsUnderEveryResidualTagNeverTrap() {
        var rng = SplitMix64(seed: 0xF024)
        for tag: UInt8 in [0x04, 0x13, 0x24, 0x25] {
            for _ in 0..<2000 {
                var bad: [UInt8] = [tag, 0]
                // Plausible headers first (mode byte, small count), then noise.
                bad.append(UInt8.random(in: 0...11, using: &rng))
                for _ in 0..<Int.random(in: 0..<64, using: &rng) { bad.append(UInt8(truncatingIfNeeded: rng.next())) }
                Support.feedAllDecoders(bad, count: Int.random(in: 1...40, using: &rng))
            }
        }
    }
}

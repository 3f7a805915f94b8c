import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

/// The shared integer core: every order and coding round-trips any Int64 sequence, the choice
/// follows the data, and corrupt streams are rejected.
@Suite struct ResidualStreamTests {
    func encode(_ v: [Int64]) -> [UInt8] {
        var out: [UInt8] = []
        v.withUnsafeBufferPointer { values in
            out.appendUnsafe(maxCount: ResidualStream.maxEncodedCount(values.count)) { ResidualStream.encode(values, to: $0) }
        }
        return out
    }

    func decode(_ bytes: [UInt8], count: Int) throws -> [Int64] {
        var out = [Int64](repeating: 0, count: count)
        try bytes.withUnsafeBytes { raw in
            try out.withUnsafeMutableBufferPointer { try ResidualStream.decode(raw, encoding: .integerResidual, into: $0) }
        }
        return out
    }

    func roundTrip(_ v: [Int64], mode: UInt8? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = encode(v)
        if let mode { #expect(bytes[0] == mode, "mode", sourceLocation: sourceLocation) }
        #expect(try decode(bytes, count: v.count) == v, sourceLocation: sourceLocation)
    }

    @Test func ordersAndCodingsFollowTheData() throws {
        var rng = SplitMix64(seed: 11)
        // i.i.d. noise around a level: the value itself (order 0), entropy coded.
        try roundTrip((0..<8192).map { _ in 4000 + Int64.random(in: -2...2, using: &rng) }, mode: 0 | 4)
        // A random walk: deltas (order 1).
        var x: Int64 = 0
        try roundTrip((0..<8192).map { _ in x += Int64.random(in: -1...1, using: &rng); return x }, mode: 1 | 4)
        // A meter with a steady slope and noise: delta-of-delta (order 2).
        var slope: Int64 = 160
        x = 0
        try roundTrip((0..<8192).map { _ in slope += Int64.random(in: -1...1, using: &rng); x += slope; return x }, mode: 2 | 4)
        // A slope that keeps changing (a connector heating up and cooling down) under noise:
        // delta carries the slope, delta-of-delta triples the noise, the four-point line
        // (predictor 3) follows the slope at 2.5 times the noise variance.
        try roundTrip((0..<8192).map { i in
            let x = Int64(i % 400) - 200
            return 2000 + x * x / 40 + Int64.random(in: -2...2, using: &rng)
        }, mode: 3 | 4)
        // Idle stretches (a current of 0) between noisy sessions: rANS with zero runs (coding 2).
        var level: Int64 = 0
        try roundTrip((0..<8192).map { i in
            if i % 1000 == 0 { level = level == 0 ? 1500 : 0 }
            return level == 0 ? 0 : level + Int64.random(in: -2...2, using: &rng)
        }, mode: 1 | 8)
        // Runs longer than any bin, at the start and the end of a block.
        try roundTrip([Int64](repeating: 7, count: 5000) + [8, 9, 7] + [Int64](repeating: 7, count: 3000))
        // Uniform values: nothing to gain over bit-packing.
        try roundTrip((0..<8192).map { _ in Int64.random(in: 0..<2048, using: &rng) }, mode: 0)
    }

    /// Predictor 3 on its own: the clamped start (values 1...3 see `v_0` for missing history),
    /// the register loop from value 4, and wrapping at the Int64 limits.
    @Test func linePredictorMatchesItsDefinition() throws {
        func predicted(_ v: [Int64], _ i: Int) -> Int64 {
            let at = { (k: Int) in v[max(k, 0)] }
            return at(i - 1) &+ ((at(i - 2) &- at(i - 4)) >> 1)
        }
        var rng = SplitMix64(seed: 16)
        for n in [2, 3, 4, 5, 6, 100] {
            for shift: UInt64 in [0, 40, 60] {
                let v = (0..<n).map { _ in Int64(bitPattern: rng.next()) >> shift }
                v.withUnsafeBufferPointer { p in
                    for i in 1..<n { #expect(ResidualStream.linePrediction(p.baseAddress!, i) == predicted(v, i)) }
                }
                // Force predictor 3 by hand: header, then its residuals bit-packed at width 64.
                var bytes: [UInt8] = [3, UInt8(n)]
                bytes.appendUVarint(Varint.zigzag(v[0]))
                bytes.append(0)  // center 0
                bytes.append(64)
                var words: [UInt64] = []
                for i in 1..<n { words.append(UInt64(bitPattern: v[i] &- predicted(v, i))) }
                for w in words { withUnsafeBytes(of: w.littleEndian) { bytes.append(contentsOf: $0) } }
                #expect(try decode(bytes, count: n) == v, "n \(n) shift \(shift)")
                try roundTrip(v)
            }
        }
        // One value has no residual for predictor 3 to hold.
        #expect(throws: CodecError.self) { try decode([3, 1, 0, 0, 0], count: 1) }
    }

    @Test func extremesAndWrapping() throws {
        try roundTrip([0])
        try roundTrip([Int64.min])
        try roundTrip([Int64.min, Int64.max])
        try roundTrip([Int64.max, Int64.min, Int64.max, 0, -1, 1])
        try roundTrip((0..<1000).map { $0 % 2 == 0 ? Int64.min : Int64.max })
        // Outliers among small residuals go to large bins with extra bits.
        var rng = SplitMix64(seed: 12)
        try roundTrip((0..<5000).map { i in i % 777 == 0 ? Int64(bitPattern: rng.next()) : Int64.random(in: -3...3, using: &rng) })
    }

    @Test(arguments: [1, 2, 3, 7, 8, 9, 63, 64, 65, 1000, 8191, 8192])
    func randomBlocksOfEverySize(n: Int) throws {
        var rng = SplitMix64(seed: UInt64(n) &* 7919)
        for shift in [0, 1, 5, 13, 31, 55, 63] {
            let v = (0..<n).map { _ in Int64(bitPattern: rng.next()) >> UInt64(shift) }
            try roundTrip(v)
        }
    }

    @Test func binsCoverEveryValue() {
        var rng = SplitMix64(seed: 13)
        var samples: [UInt64] = [0, 1, 15, 16, 17, 31, 32, 47, 48, 63, 64, UInt64.max, UInt64.max >> 1, 1 << 63]
        for _ in 0..<10_000 { samples.append(rng.next() >> (rng.next() % 64)) }
        for u in samples {
            let (s, e) = ResidualBins.symbol(u)
            #expect(s < ResidualBins.symbolCount)
            #expect(e == ResidualBins.extraBits(s))
            let base = ResidualBins.base(s)
            #expect(u >= base && (e == 64 || u - base < (1 << UInt64(e))), "\(u) in bin \(s)")
        }
    }

    @Test func normalizedFrequenciesSumToTotal() {
        var rng = SplitMix64(seed: 14)
        for _ in 0..<200 {
            let k = Int.random(in: 1...ResidualBins.symbolCount, using: &rng)
            var counts = (0..<k).map { _ in rng.next() % 3 == 0 ? 0 : UInt32.random(in: 1...5000, using: &rng) }
            counts[k - 1] = max(counts[k - 1], 1)
            let total = counts.reduce(0) { $0 + Int($1) }
            var freq = [UInt32](repeating: 0, count: k)
            counts.withUnsafeMutableBufferPointer { c in
                freq.withUnsafeMutableBufferPointer { RANS.normalize(c.baseAddress!, symbols: k, count: total, into: $0.baseAddress!) }
            }
            #expect(freq.reduce(0, +) == RANS.total)
            for s in 0..<k { #expect((counts[s] == 0) == (freq[s] == 0)) }
        }
    }

    @Test func corruptStreamsThrowOrDecodeToTheCount() throws {
        var rng = SplitMix64(seed: 15)
        let v = (0..<3000).map { _ in 500 + Int64.random(in: -4...4, using: &rng) }
        let good = encode(v)
        #expect(good[0] == 4)
        // Every truncation, and a flipped bit at every byte, must throw or decode exactly
        // `count` values; rANS end-state checks catch nearly all of them.
        var caught = 0
        for cut in 0..<good.count {
            if (try? decode(Array(good[..<cut]), count: v.count)) == nil { caught += 1 }
        }
        #expect(caught == good.count)
        var flipsCaught = 0
        for i in 0..<good.count {
            var bad = good
            bad[i] ^= 1 << UInt8(i % 8)
            if let decoded = try? decode(bad, count: v.count) { #expect(decoded.count == v.count) } else { flipsCaught += 1 }
        }
        #expect(flipsCaught > good.count * 9 / 10)
        // A wrong count leaves words or states over.
        #expect(throws: CodecError.self) { try decode(good, count: v.count - 1) }
        #expect(throws: CodecError.self) { try decode(good, count: v.count + 1) }
    }

    /// The whole sparse rANS block of `formatPins`, as written by the first version (and still).
    static let sparsePin =
        "088020000202ff0f8901ff0f800100000100ff0f0100080000ffff0000ffff0000fffb000000f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    /// The zero-run block of `formatPins` (unchanged since the first version: screening keeps
    /// predictor 1 here).
    static let runsPin =
        "09801000000302b71c0cc3038001038108fe3f661e50ca13d31fb15d36359d5d0542ee5c3225596a83381bcc428b20d213f17017c33036353e52aa210027376a54dd8bd780d3771215c06d6220d4c2106119ddc0f0f0ac06ff01"

    /// The predictor-3 block of `formatPins`.
    static let linePin =
        "07d804d00f020c00c40400800400cb08003d00ed0400ef05003d00d5020106060d000d001ad704cc6f9400dcef390066c85faa0b53e3a64ea4e39953" +
        "59d77d8aeaf004c5af4915d82d2cc622e1f1c367e3f25a65e09db3fece39864a1cdd9d2d7062d4bd58fa28d4d9848c28b410a05a4b1843d9e51fad8d" +
        "e4e2e4e6f3692457fd57b728afb0a8bcc4b41aa4fe95c9b599e5aa0b9666a64ec6789953d58c7d8a2bd304c52baa15d833c5e1f1a1c7e53601b5771d" +
        "b87d88ae70a20e5a0be9ad0d15d87e23e1f1c367a6420cf0e09d11b7b3fee02c1cdd7ead7062594358fa3183d984ae01d9100f264ac7944bbb473f9d" +
        "43ac20b379fe1343fa73a170d954bf02"

    /// Blocks of up to `ResidualStream.smallBlock` values skip the histograms when bit-packing
    /// is certain to win (rollup columns: 24 rows per block); the bytes must be the ones the
    /// full search writes, for every kind of data that could tempt rANS: constant runs, few
    /// distinct values, narrow and wide noise, outliers, every block size around the limit.
    @Test func smallBlockShortcutWritesTheSameBytes() throws {
        var rng = SplitMix64(seed: 21)
        func both(_ v: [Int64]) -> (fast: [UInt8], full: [UInt8]) {
            var fast: [UInt8] = [], full: [UInt8] = []
            v.withUnsafeBufferPointer { values in
                fast.appendUnsafe(maxCount: ResidualStream.maxEncodedCount(values.count)) { ResidualStream.encode(values, to: $0) }
                full.appendUnsafe(maxCount: ResidualStream.maxEncodedCount(values.count)) {
                    ResidualStream.encode(values, to: $0, shortcut: false)
                }
            }
            return (fast, full)
        }
        var skipped = 0
        for n in [1, 2, 3, 4, 5, 8, 13, 24, 25, 31, 32, 48, 63, 64, 65] {
            for kind in 0..<8 {
                for _ in 0..<40 {
                    let v: [Int64] = (0..<n).map { i in
                        switch kind {
                        case 0: return 7
                        case 1: return Int64.random(in: 0...1, using: &rng)
                        case 2: return 1000 + Int64.random(in: -3...3, using: &rng)
                        case 3: return Int64.random(in: -1_000_000...1_000_000, using: &rng)
                        case 4: return i % 9 == 0 ? Int64.random(in: -1 << 40...1 << 40, using: &rng) : 5
                        case 5: return Int64(i) * 3600 + Int64.random(in: 0...2, using: &rng)
                        case 6: return Int64.random(in: 0...3, using: &rng) == 0 ? Int64.random(in: 0...100_000, using: &rng) : 0
                        default: return Int64.random(in: Int64.min...Int64.max, using: &rng)
                        }
                    }
                    let (fast, full) = both(v)
                    #expect(fast == full, "n \(n) kind \(kind): \(v)")
                    #expect(try decode(fast, count: n) == v)
                    // Whether the shortcut applies here at all (it should, for wide noise).
                    if kind == 3, n == 24 {
                        let p = 1
                        let bound = v.withUnsafeBufferPointer { b in
                            ResidualStream.packedAndRANSFloor(
                                b.baseAddress!, order: p, residuals: n - 1,
                                center: ResidualStream.sampledMedian(b.baseAddress!, residuals: n - 1, order: p), header: 0)
                        }
                        if bound.packed <= bound.ransFloor { skipped += 1 }
                    }
                }
            }
        }
        // Most (22 of 40 with this seed): delta residuals of uniform noise crowd near the
        // median, where their extra bits are few, so rANS cannot always be ruled out.
        #expect(skipped >= 20, "wide noise in 24-value blocks mostly skips the histograms")
    }

    @Test func formatPins() throws {
        // Order 0, bit-packed: mode 00, n 4, center zigzag(10) = 0x14, width 2, values 0,1,2,3 -> 0b11100100.
        #expect(Support.hex(encode([10, 11, 12, 13])) == "00" + "04" + "14" + "02" + "e4")
        // Order 1 (a ramp), bit-packed width 0: mode 01, n 5, v0 = zigzag(5), center zigzag(3),
        // width 0.
        #expect(Support.hex(encode([5, 8, 11, 14, 17])) == "01" + "05" + "0a" + "06" + "00")
        // rANS with zero runs (coding 2): 4096 values, every 64th is 1, the rest 0. Order 0
        // (mode 0x08), n 4096 (0x80 0x20), center 0; table of D = 2 symbols: gap 2 -> symbol 2
        // (residual 1, zigzag 2), freq − 1 = 2047 (0xff 0x0f); gap 137 (0x89 0x01) -> symbol 140
        // (runs of 63: bit length 6, 136 + 6 − 2), freq − 1 = 2047; then T = 128 (0x80 0x01),
        // states, words, extra bits (5 per run: 63 − 32 = 31).
        let sparse = (0..<4096).map { Int64($0 % 64 == 0 ? 1 : 0) }
        let block = encode(sparse)
        #expect(Support.hex(Array(block[..<14])) == "08" + "8020" + "00" + "02" + "02ff0f" + "8901ff0f" + "8001")
        #expect(Support.hex(block) == Self.sparsePin, "\(Support.hex(block))")
        #expect(try decode(block, count: 4096) == sparse)
        // 1024 zeros then 1024 values cycling 1...9: order 1 with runs (mode 0x09).
        let idleThenBusy = [Int64](repeating: 0, count: 1024) + (0..<1024).map { Int64($0 % 9 + 1) }
        let runs = encode(idleThenBusy)
        #expect(runs[0] == 0x09)
        #expect(Support.hex(runs) == Self.runsPin, "\(Support.hex(runs))")
        #expect(try decode(runs, count: 2048) == idleThenBusy)
        // Parabolic arcs under a repeating noise pattern: predictor 3, rANS (mode 0x07), n 600
        // (0xd8 0x04), v0 = 1000 (zigzag 2000 = 0xd0 0x0f), then the center.
        let noise: [Int64] = [0, 2, -1, 1, -2, 0, 1]
        let ramp = (0..<600).map { i in
            let x = Int64(i % 200) - 100
            return 500 + x * x / 20 + noise[i % 7]
        }
        let line = encode(ramp)
        #expect(Support.hex(Array(line[..<5])) == "07" + "d804" + "d00f")
        #expect(Support.hex(line) == Self.linePin, "\(Support.hex(line))")
        #expect(try decode(line, count: 600) == ramp)
    }
}

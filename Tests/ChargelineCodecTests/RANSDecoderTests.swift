import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

/// ``RANS/Decoder`` against the encoder's steps (``RANS/EncoderSymbol/put(_:_:)``, driven as
/// ``ResidualStream`` drives it): every shape of frequency table the packed decode table must
/// hold (one symbol at 4096, a symbol at 4095, all 167 symbols), token counts on both sides of
/// the branch-free loop's limits (pairs, two words left), and damaged streams. Fixed seeds.
@Suite struct RANSDecoderTests {
    struct Stream {
        var words: [UInt16]
        var x0: UInt32
        var x1: UInt32
    }

    /// Encodes `symbols` last first, symbol `j` on state `j & 1`, as `ResidualStream` does.
    func encode(_ symbols: [Int], freq: [UInt32]) -> Stream {
        var enc: [RANS.EncoderSymbol] = []
        var start: UInt32 = 0
        for f in freq {
            enc.append(RANS.EncoderSymbol(freq: f, start: start))
            start += f
        }
        // Each symbol moves at most one word.
        let capacity = 2 * symbols.count + 2
        var buffer = [UInt8](repeating: 0, count: capacity)
        return buffer.withUnsafeMutableBytes { raw in
            var words = raw.baseAddress! + capacity
            let end = words
            var x0 = RANS.lowerBound
            var x1 = RANS.lowerBound
            for j in stride(from: symbols.count - 1, through: 0, by: -1) {
                if j & 1 == 0 { enc[symbols[j]].put(&x0, &words) } else { enc[symbols[j]].put(&x1, &words) }
            }
            let count = (end - words) / 2
            let w = (0..<count).map { UInt16(littleEndian: words.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            return Stream(words: w, x0: x0, x1: x1)
        }
    }

    /// The symbols `RANS.Decoder` reads from `stream`, or the error it throws.
    func decode(_ stream: Stream, tokens: Int, freq: [UInt32]) throws(CodecError) -> [Int] {
        var table = [UInt32](repeating: 0, count: Int(RANS.total))
        freq.withUnsafeBufferPointer { f in
            table.withUnsafeMutableBufferPointer { RANS.buildDecodeTable(f.baseAddress!, symbols: freq.count, into: $0.baseAddress!) }
        }
        // Exactly the words, no padding: a read past them is a read past the block.
        let bytes = stream.words.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }
        var symbols: [Int] = []
        var order = true
        var failure: CodecError?
        table.withUnsafeBufferPointer { t in
            bytes.withUnsafeBytes { b in
                var decoder = RANS.Decoder(
                    table: t.baseAddress!, states: (stream.x0, stream.x1),
                    words: b.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, wordCount: stream.words.count)
                do throws(CodecError) {
                    try decoder.decode(tokens, encoding: .integerResidual) { j, s in
                        order = order && j == symbols.count
                        symbols.append(Int(s))
                    }
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        #expect(order, "symbols are emitted in token order")
        return symbols
    }

    /// Frequency tables summing to 4096, from degenerate to full.
    static func tables() -> [[UInt32]] {
        var rng = SplitMix64(seed: 0x4A45)
        var out: [[UInt32]] = [[4096], [4095, 1], [1, 4095], [2048, 2048], [1, 1, 4094]]
        // All 167 symbols, nearly uniform.
        var uniform = [UInt32](repeating: 4096 / 167, count: 167)
        uniform[0] += 4096 - uniform.reduce(0, +)
        out.append(uniform)
        // Skewed like telemetry residuals (geometric), absent symbols in between.
        for _ in 0..<4 {
            let k = Int.random(in: 2...ResidualBins.symbolCount, using: &rng)
            var counts = (0..<k).map { s in rng.next() % 4 == 0 ? 0 : UInt32(1 + 100_000 >> min(s, 16)) }
            counts[k - 1] = max(counts[k - 1], 1)
            let total = counts.reduce(0) { $0 + Int($1) }
            var freq = [UInt32](repeating: 0, count: k)
            counts.withUnsafeMutableBufferPointer { c in
                freq.withUnsafeMutableBufferPointer { RANS.normalize(c.baseAddress!, symbols: k, count: total, into: $0.baseAddress!) }
            }
            out.append(freq)
        }
        return out
    }

    /// `count` symbols drawn with the table's probabilities.
    func draw(_ count: Int, freq: [UInt32], rng: inout SplitMix64) -> [Int] {
        (0..<count).map { _ in
            var slot = UInt32(rng.next() % UInt64(RANS.total))
            var s = 0
            while slot >= freq[s] {
                slot -= freq[s]
                s += 1
            }
            return s
        }
    }

    @Test func decodesWhatTheEncoderWrote() throws {
        var rng = SplitMix64(seed: 0x4A46)
        for freq in Self.tables() {
            for count in [0, 1, 2, 3, 4, 5, 6, 7, 17, 1000, 1001, 20_000] {
                let symbols = draw(count, freq: freq, rng: &rng)
                let stream = encode(symbols, freq: freq)
                #expect(try decode(stream, tokens: count, freq: freq) == symbols, "\(freq.count) symbols, \(count) tokens")
            }
        }
    }

    @Test func damagedStreamsThrowAndNeverReadPastTheirWords() {
        var rng = SplitMix64(seed: 0x4A47)
        for freq in Self.tables() where freq.count > 1 {
            for count in [1, 2, 3, 50, 1001] {
                let symbols = draw(count, freq: freq, rng: &rng)
                let stream = encode(symbols, freq: freq)
                if !stream.words.isEmpty {
                    // The last word is read by the checked tail, which notices it is missing.
                    var short = stream
                    short.words.removeLast()
                    #expect(throws: CodecError.self) { try decode(short, tokens: count, freq: freq) }
                }
                var long = stream
                long.words.append(UInt16.random(in: 0...UInt16.max, using: &rng))
                #expect(throws: CodecError.self) { try decode(long, tokens: count, freq: freq) }
                // Random states and words: any outcome but a trap or a read outside the words.
                for _ in 0..<20 {
                    var bad = stream
                    bad.x0 = UInt32(truncatingIfNeeded: rng.next())
                    bad.x1 = rng.next() % 2 == 0 ? bad.x1 : UInt32(truncatingIfNeeded: rng.next() >> 48)
                    if !bad.words.isEmpty { bad.words[Int(rng.next() % UInt64(bad.words.count))] ^= 0x5A5A }
                    _ = try? decode(bad, tokens: max(0, count + Int(rng.next() % 3) - 1), freq: freq)
                }
            }
        }
    }
}

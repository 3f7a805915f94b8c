import Testing

@testable import ChargelineCodec
import ChargelineTestSupport

@Suite struct VarintTests {
    @Test func roundTripAndSizes() throws {
        let values: [UInt64] = [0, 1, 127, 128, 16383, 16384, UInt64(UInt32.max), UInt64.max - 1, UInt64.max]
        var out: [UInt8] = []
        for v in values { out.appendUVarint(v) }
        #expect(out.count == values.map(Varint.size).reduce(0, +))
        try out.withUnsafeBytes { b in
            var r = ByteReader(b, encoding: .integerDelta)
            for v in values { #expect(try r.readUVarint("v") == v) }
            try r.expectEnd()
        }
        for v: Int64 in [0, -1, 1, Int64.min, Int64.max] {
            #expect(Varint.unzigzag(Varint.zigzag(v)) == v)
        }
        #expect(Varint.zigzag(-1) == 1 && Varint.zigzag(1) == 2)
    }

    @Test func overlongVarintsThrow() {
        let eleven = [UInt8](repeating: 0x80, count: 10) + [0x00]
        let tooBig = [UInt8](repeating: 0xFF, count: 9) + [0x02] + [0, 0, 0]
        for bytes in [eleven, tooBig, [0x80], [0xFF, 0xFF]] {
            #expect(throws: CodecError.self) {
                try bytes.withUnsafeBytes { b in
                    var r = ByteReader(b, encoding: .integerDelta)
                    _ = try r.readUVarint("v")
                }
            }
        }
    }
}

@Suite struct BitWriterTests {
    /// 5,000 fields of random widths 0...64 with random values, and the bytes a BitWriter
    /// makes of them.
    static func randomFields(seed: UInt64) -> (fields: [(UInt64, Int)], bits: Int, bytes: [UInt8]) {
        var rng = SplitMix64(seed: seed)
        var fields: [(UInt64, Int)] = []
        for _ in 0..<5000 {
            let n = Int.random(in: 0...64, using: &rng)
            let v = n == 64 ? rng.next() : rng.next() & ((1 << UInt64(n)) - 1)
            fields.append((v, n))
        }
        let bits = fields.map(\.1).reduce(0, +)
        var out: [UInt8] = []
        out.appendUnsafe(maxCount: BitWriter.capacity(bits: bits)) { p in
            var w = BitWriter(p)
            for (v, n) in fields { w.write(v, count: n) }
            return w.finish()
        }
        return (fields, bits, out)
    }

    @Test func fieldsRoundTrip() throws {
        let (fields, bits, out) = Self.randomFields(seed: 111)
        #expect(out.count == (bits + 7) / 8)
        try out.withUnsafeBytes { b in
            var r = BitReader(b, encoding: .floatXOR)
            for (v, n) in fields where n > 0 { #expect(try r.read(n) == v) }
            try r.expectEnd()
            #expect(throws: CodecError.self) { try r.read(9) }
        }
    }

    /// `readInWindow` (the hot loops' unchecked read) gives what `read` gives wherever
    /// `hasWindow` allows it, including fields of 58...64 bits that straddle the 8-byte load.
    @Test func windowReadsMatchCheckedReads() throws {
        let (fields, bits, out) = Self.randomFields(seed: 112)
        var windowed = 0
        var straddling = 0
        try out.withUnsafeBytes { b in
            var r = BitReader(b, encoding: .floatXOR)
            for (v, n) in fields {
                if r.hasWindow {
                    if (b.count * 8 - r.remainingBits) % 8 + n > 64 { straddling += 1 }
                    #expect(r.readInWindow(n) == v, "\(n)-bit field")
                    windowed += 1
                } else if n > 0 {
                    #expect(try r.read(n) == v)
                }
            }
            try r.expectEnd()
        }
        #expect(windowed > 4900 && straddling > 10, "\(windowed) window reads, \(straddling) straddling")
    }
}

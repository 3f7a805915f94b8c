/// Encodes and decodes blocks of Int64. Storage also stores UInt64 fields here through their
/// bit patterns, so all arithmetic wraps and every 64-bit pattern round-trips.
///
/// Per block the smallest applicable encoding is chosen (ties go to the faster decoder):
/// - ``BlockEncoding/integerConstant``: all values equal;
/// - ``BlockEncoding/integerDelta``: zig-zag varint deltas (counters, slowly moving values);
/// - ``BlockEncoding/integerRunLength``: (delta of run value, run length) pairs (status codes
///   that rarely change);
/// - ``BlockEncoding/integerResidual``: predicted (value, delta or delta-of-delta) residuals,
///   bit-packed or entropy coded (noisy measurements, meters);
/// - ``BlockEncoding/integerDecimal``: the same for the quotients by 10^k when every value is
///   a multiple of 10^k (nanosecond durations between millisecond-aligned samples: ~20 bits
///   per value less);
/// - ``BlockEncoding/integerRaw``: 8 little-endian bytes per value (random 64-bit data).
public enum IntegerCodec {
    /// Appends one self-describing block (tag byte first) holding `values` to `out`.
    /// Allocates nothing beyond the growth of `out` (and the second-stage compressor's own state).
    public static func encode(_ values: UnsafeBufferPointer<Int64>, options: CodecOptions, into out: inout [UInt8]) {
        let start = BlockFrame.begin(&out)
        let encoding = writePayload(values, into: &out)
        BlockFrame.finish(&out, blockStart: start, encoding: encoding, options: options)
    }

    /// Decodes a block of exactly `count` values, appending them to `out`.
    ///
    /// Throws ``CodecError`` when the block is malformed, belongs to another codec or does not
    /// hold exactly `count` values; `out` is then left as it was. Never reads outside `block`.
    public static func decode(_ block: UnsafeRawBufferPointer, count: Int, into out: inout [Int64]) throws(CodecError) {
        // Worst case: a 10-byte varint per value (deltas), or two per run of one (run length).
        let maxPayload = max(2 * Varint.maxBytes * count, 1 + ResidualStream.maxEncodedCount(count))
        try BlockFrame.withPayload(block, family: .integer, count: count, maxPayloadCount: maxPayload) {
            (encoding, payload) throws(CodecError) -> Void in
            try out.appendDecoded(count: count, filler: 0) { (dst) throws(CodecError) -> Void in
                try decodePayload(encoding, payload, into: dst)
            }
        }
    }

    /// Decodes like `decode(_:count:into:)`, appending the values as 64-bit patterns (what
    /// storage keeps), so no `[Int64]` is built and converted.
    public static func decodeBits(_ block: UnsafeRawBufferPointer, count: Int, into out: inout [UInt64]) throws(CodecError) {
        let maxPayload = max(2 * Varint.maxBytes * count, 1 + ResidualStream.maxEncodedCount(count))
        try BlockFrame.withPayload(block, family: .integer, count: count, maxPayloadCount: maxPayload) {
            (encoding, payload) throws(CodecError) -> Void in
            try out.appendDecoded(count: count, filler: 0) { (bits) throws(CodecError) -> Void in
                try bits.withMemoryRebound(to: Int64.self) { (dst) throws(CodecError) -> Void in
                    try decodePayload(encoding, payload, into: dst)
                }
            }
        }
    }

    /// Fills `dst` from a first-stage payload of `encoding`.
    private static func decodePayload(
        _ encoding: BlockEncoding, _ payload: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Int64>
    ) throws(CodecError) {
        let count = dst.count
        var reader = ByteReader(payload, encoding: encoding)
        switch encoding {
        case .integerConstant:
            dst.initialize(repeating: Int64(bitPattern: try reader.readUInt64("constant value")))
        case .integerRaw:
            guard payload.count == 8 &* count else {
                throw .malformed(
                    encoding, "payload has \(payload.count) bytes but \(count) values need \(8 * count)")
            }
            for i in dst.indices {
                dst[i] = Int64(littleEndian: payload.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self))
            }
            return
        case .integerDelta:
            var v: Int64 = 0
            for i in dst.indices {
                v &+= try reader.readVarint("delta")
                dst[i] = v
            }
        case .integerRunLength:
            try decodeRuns(&reader, into: dst)
        case .integerResidual:
            try ResidualStream.decode(payload, encoding: encoding, into: dst)
            return
        case .integerDecimal:
            let k = Int(try reader.readByte("decimal exponent"))
            guard k >= 1 && k <= maxDecimalExponent else {
                throw .malformed(encoding, "decimal exponent \(k) is outside 1...\(maxDecimalExponent)")
            }
            try ResidualStream.decode(UnsafeRawBufferPointer(rebasing: payload[1...]), encoding: encoding, into: dst,
                                      output: ScaledOutput(power: powersOfTen[k]))
            return
        default:
            preconditionFailure("BUG: \(encoding) passed the integer family check")
        }
        try reader.expectEnd()
    }

    // MARK: - Encoding

    private static func writePayload(_ values: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) -> BlockEncoding {
        let n = values.count
        if n == 0 { return .empty }
        // One pass sizes every candidate: deltas from 0 for the first value, runs as
        // (delta of run value, run length).
        var deltaSize = Varint.size(Varint.zigzag(values[0]))
        var runSize = 0
        var runs = 0
        var runValue: Int64 = 0
        var runStart = 0
        var i = 1
        while i < n {
            let d = values[i] &- values[i &- 1]
            deltaSize &+= Varint.size(Varint.zigzag(d))
            if d != 0 {
                runSize &+= Varint.size(Varint.zigzag(values[runStart] &- runValue))
                    &+ Varint.size(UInt64(i &- runStart))
                runValue = values[runStart]
                runStart = i
                runs &+= 1
            }
            i &+= 1
        }
        if runs == 0 {
            out.appendUInt64(UInt64(bitPattern: values[0]))
            return .integerConstant
        }
        runSize &+= Varint.size(Varint.zigzag(values[runStart] &- runValue)) &+ Varint.size(UInt64(n &- runStart))
        let rawSize = 8 &* n
        // The residual stream, unless runs already take under a bit per value (status codes):
        // it cannot save much there and costs a full encode. Of the values or, when they are
        // all multiples of 10^k, of the quotients; whichever is smaller.
        if runSize &* 8 > n {
            let start = out.count
            var best = min(deltaSize, runSize, rawSize)
            var residual = false
            out.appendUnsafe(maxCount: ResidualStream.maxEncodedCount(n)) { p in
                ResidualStream.encode(values, to: p)
            }
            if out.count - start < best {
                best = out.count - start
                residual = true
            } else {
                out.removeLast(out.count - start)
            }
            let k = decimalExponent(values)
            if k > 0 {
                let decimalStart = out.count
                appendDecimal(values, exponent: k, into: &out)
                if out.count - decimalStart < best {
                    out.removeSubrange(start..<decimalStart)
                    return .integerDecimal
                }
                out.removeLast(out.count - decimalStart)
            }
            if residual { return .integerResidual }
        }
        if deltaSize <= runSize && deltaSize <= rawSize {
            out.appendUnsafe(maxCount: deltaSize) { p in
                var written = 0
                var previous: Int64 = 0
                for v in values {
                    written &+= Varint.write(Varint.zigzag(v &- previous), to: p + written)
                    previous = v
                }
                return written
            }
            return .integerDelta
        }
        if runSize <= rawSize {
            out.appendUnsafe(maxCount: runSize) { p in
                var written = 0
                var previous: Int64 = 0
                var start = 0
                var i = 1
                while i <= n {
                    if i == n || values[i] != values[start] {
                        written &+= Varint.write(Varint.zigzag(values[start] &- previous), to: p + written)
                        written &+= Varint.write(UInt64(i &- start), to: p + written)
                        previous = values[start]
                        start = i
                    }
                    i &+= 1
                }
                return written
            }
            return .integerRunLength
        }
        out.appendUnsafe(maxCount: rawSize) { p in
            for i in 0..<n {
                p.storeBytes(of: values[i].littleEndian, toByteOffset: i &* 8, as: Int64.self)
            }
            return rawSize
        }
        return .integerRaw
    }

    /// The largest exponent `int-decimal` takes (10^18 is the largest power of ten in an Int64).
    static let maxDecimalExponent = 18
    static let powersOfTen: [Int64] = (0...maxDecimalExponent).map { e in
        var p: Int64 = 1
        for _ in 0..<e { p &*= 10 }
        return p
    }

    /// The largest k ≤ 18 such that 10^k divides every value (0 when some value is not a
    /// multiple of 10; values of 0 divide by anything). Stops at the first such value, so
    /// data of other kinds pays for a few remainders.
    static func decimalExponent(_ values: UnsafeBufferPointer<Int64>) -> Int {
        var k = maxDecimalExponent
        for v in values where v != 0 {
            while k > 0 && v % powersOfTen[k] != 0 { k &-= 1 }
            if k == 0 { return 0 }
        }
        return k
    }

    /// Appends an `int-decimal` payload: `k`, then the residual stream of `values / 10^k`
    /// (exact: the caller found every value a multiple). The quotients go to scratch space
    /// behind the region the stream may use, so nothing is allocated.
    private static func appendDecimal(_ values: UnsafeBufferPointer<Int64>, exponent k: Int, into out: inout [UInt8]) {
        let n = values.count
        let streamMax = ResidualStream.maxEncodedCount(n)
        out.appendUnsafe(maxCount: 1 &+ streamMax &+ 8 &+ 8 &* n) { p in
            let scratchOffset = ((1 &+ streamMax &+ 7 &+ Int(bitPattern: p)) & ~7) &- Int(bitPattern: p)
            return (p + scratchOffset).withMemoryRebound(to: Int64.self, capacity: n) { q in
                let power = powersOfTen[k]
                for i in 0..<n { q[i] = values[i] / power }
                p.storeBytes(of: UInt8(k), as: UInt8.self)
                return 1 &+ ResidualStream.encode(UnsafeBufferPointer(start: q, count: n), to: p + 1)
            }
        }
    }

    // MARK: - Decoding

    private static func decodeRuns(_ reader: inout ByteReader, into dst: UnsafeMutableBufferPointer<Int64>) throws(CodecError) {
        var v: Int64 = 0
        var filled = 0
        while filled < dst.count {
            v &+= try reader.readVarint("run value")
            let lengthOffset = reader.position
            let length = try reader.readLength("run length", limit: dst.count &- filled)
            guard length > 0 else {
                throw .malformed(reader.encoding, "run length at payload offset \(lengthOffset) is zero")
            }
            (dst.baseAddress.unsafelyUnwrapped + filled).initialize(repeating: v, count: length)
            filled &+= length
        }
    }
}

/// Encodes and decodes blocks of `Double` by bit pattern: every float64 round-trips exactly,
/// including NaN payloads, -0.0, subnormals and infinities.
///
/// Per block the smallest applicable encoding is chosen:
/// - ``BlockEncoding/floatConstant``: every value has the same bit pattern;
/// - ``BlockEncoding/floatDecimal``: decimals `d / 10^e` (ALP-style, with exceptions), the
///   integers predicted and bit-packed or entropy coded (telemetry at a fixed resolution);
/// - ``BlockEncoding/floatXOR``: the Gorilla XOR bit stream (non-decimal, slowly varying);
/// - ``BlockEncoding/floatRaw``: 8 little-endian bytes per value, when XOR would be larger.
public enum FloatCodec {
    /// Appends one self-describing block (tag byte first) holding `values` to `out`.
    /// Allocates nothing beyond the growth of `out` (and the second-stage compressor's own state).
    public static func encode(_ values: UnsafeBufferPointer<Double>, options: CodecOptions, into out: inout [UInt8]) {
        let start = BlockFrame.begin(&out)
        let encoding = values.withMemoryRebound(to: UInt64.self) { bits in
            writePayload(bits, into: &out, payloadStart: start + BlockFrame.headerCount)
        }
        BlockFrame.finish(&out, blockStart: start, encoding: encoding, options: options)
    }

    /// Decodes a block of exactly `count` values, appending them to `out`.
    ///
    /// Throws ``CodecError`` when the block is malformed, belongs to another codec or does not
    /// hold exactly `count` values; `out` is then left as it was. Never reads outside `block`.
    public static func decode(_ block: UnsafeRawBufferPointer, count: Int, into out: inout [Double]) throws(CodecError) {
        // Worst case is decimal: header, up to count / 8 exceptions of 18 bytes, the residual
        // stream; XOR needs under 10 bytes per value.
        let maxPayload = 1 + Varint.maxBytes + 18 * (count / DecimalFloat.exceptionDivisor)
            + ResidualStream.maxEncodedCount(count)
        try BlockFrame.withPayload(block, family: .float, count: count, maxPayloadCount: maxPayload) {
            (encoding, payload) throws(CodecError) -> Void in
            try out.appendDecoded(count: count, filler: 0) { (dst) throws(CodecError) -> Void in
                try dst.withMemoryRebound(to: UInt64.self) { (bits) throws(CodecError) -> Void in
                    try decodePayload(encoding, payload, into: bits)
                }
            }
        }
    }

    /// Decodes like `decode(_:count:into:)`, appending the values' bit patterns (what storage
    /// keeps), so no `[Double]` is built and converted.
    public static func decodeBits(_ block: UnsafeRawBufferPointer, count: Int, into out: inout [UInt64]) throws(CodecError) {
        let maxPayload = 1 + Varint.maxBytes + 18 * (count / DecimalFloat.exceptionDivisor)
            + ResidualStream.maxEncodedCount(count)
        try BlockFrame.withPayload(block, family: .float, count: count, maxPayloadCount: maxPayload) {
            (encoding, payload) throws(CodecError) -> Void in
            try out.appendDecoded(count: count, filler: 0) { (bits) throws(CodecError) -> Void in
                try decodePayload(encoding, payload, into: bits)
            }
        }
    }

    /// Fills `bits` (the caller's new values, viewed as bit patterns) from a first-stage payload.
    private static func decodePayload(
        _ encoding: BlockEncoding, _ payload: UnsafeRawBufferPointer, into bits: UnsafeMutableBufferPointer<UInt64>
    ) throws(CodecError) {
        let count = bits.count
        switch encoding {
        case .floatConstant:
            var reader = ByteReader(payload, encoding: encoding)
            let v = try reader.readUInt64("constant value")
            try reader.expectEnd()
            bits.initialize(repeating: v)
        case .floatRaw:
            guard payload.count == 8 &* count else {
                throw .malformed(encoding, "payload has \(payload.count) bytes but \(count) values need \(8 * count)")
            }
            for i in bits.indices {
                bits[i] = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))
            }
        case .floatXOR:
            try GorillaXOR.decode(payload, into: bits)
        case .floatDecimal:
            try DecimalFloat.decode(payload, into: bits)
        default:
            preconditionFailure("BUG: \(encoding) passed the float family check")
        }
    }

    private static func writePayload(
        _ bits: UnsafeBufferPointer<UInt64>, into out: inout [UInt8], payloadStart: Int
    ) -> BlockEncoding {
        let n = bits.count
        if n == 0 { return .empty }
        let first = bits[0]
        var differing: UInt64 = 0
        for v in bits { differing |= v ^ first }
        if differing == 0 {
            out.appendUInt64(first)
            return .floatConstant
        }
        let rawCount = 8 &* n
        var decimalCount = Int.max
        if DecimalFloat.encode(bits, into: &out) {
            decimalCount = out.count - payloadStart
            // XOR cannot get below ~2 bits per changing value plus window headers; a decimal
            // block under a byte per value is not worth the XOR attempt.
            if decimalCount <= n { return .floatDecimal }
        }
        // XOR is sized by writing it after the decimal payload (if any); the loser is removed.
        let xorStart = out.count
        GorillaXOR.encode(bits, into: &out)
        let xorCount = out.count - xorStart
        if decimalCount <= xorCount && decimalCount <= rawCount {
            out.removeLast(xorCount)
            return .floatDecimal
        }
        out.removeSubrange(payloadStart..<xorStart)
        if xorCount <= rawCount { return .floatXOR }
        // Neither paid (noise, random data): replace them by the raw words.
        out.removeLast(out.count - payloadStart)
        out.appendUnsafe(maxCount: rawCount) { p in
            for i in 0..<n {
                p.storeBytes(of: bits[i].littleEndian, toByteOffset: i &* 8, as: UInt64.self)
            }
            return rawCount
        }
        return .floatRaw
    }
}

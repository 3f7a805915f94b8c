/// Encodes and decodes blocks of `Bool`:
/// - ``BlockEncoding/booleanConstant``: one byte (0 or 1) when all values are equal;
/// - ``BlockEncoding/booleanBitmap``: one bit per value, least significant bit first, zero
///   padding bits in the last byte.
public enum BooleanCodec {
    /// `0x01` in every byte: the low bit of eight packed `Bool`s.
    private static let lowBits: UInt64 = 0x0101_0101_0101_0101
    /// Multiplying eight 0/1 bytes by this gathers byte `i` into bit `i` of the top byte: the
    /// partial products land in distinct bit positions, so nothing carries.
    private static let gather: UInt64 = 0x0102_0408_1020_4080
    /// Bit `i` set in byte `i`: selects each byte's own bit after a byte is broadcast.
    private static let spreadMask: UInt64 = 0x8040_2010_0804_0201

    /// Appends one self-describing block (tag byte first) holding `values` to `out`.
    public static func encode(_ values: UnsafeBufferPointer<Bool>, options: CodecOptions, into out: inout [UInt8]) {
        let start = BlockFrame.begin(&out)
        let encoding = writePayload(UnsafeRawBufferPointer(values), into: &out)
        BlockFrame.finish(&out, blockStart: start, encoding: encoding, options: options)
    }

    /// Decodes a block of exactly `count` values, appending them to `out`.
    ///
    /// Throws ``CodecError`` when the block is malformed, belongs to another codec or does not
    /// hold exactly `count` values; `out` is then left as it was. Never reads outside `block`.
    public static func decode(_ block: UnsafeRawBufferPointer, count: Int, into out: inout [Bool]) throws(CodecError) {
        let maxPayload = (count + 7) / 8 + 1
        try BlockFrame.withPayload(block, family: .boolean, count: count, maxPayloadCount: maxPayload) {
            (encoding, payload) throws(CodecError) -> Void in
            try out.appendDecoded(count: count, filler: false) { (dst) throws(CodecError) -> Void in
                switch encoding {
                case .booleanConstant:
                    var reader = ByteReader(payload, encoding: encoding)
                    let b = try reader.readByte("constant value")
                    try reader.expectEnd()
                    guard b <= 1 else {
                        throw .malformed(encoding, "constant value byte is \(b), not 0 or 1")
                    }
                    dst.initialize(repeating: b == 1)
                case .booleanBitmap:
                    try decodeBitmap(payload, into: UnsafeMutableRawBufferPointer(dst))
                default:
                    preconditionFailure("BUG: \(encoding) passed the boolean family check")
                }
            }
        }
    }

    private static func writePayload(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) -> BlockEncoding {
        let n = bytes.count
        if n == 0 { return .empty }
        let first = bytes[0]
        var differing: UInt8 = 0
        for b in bytes { differing |= b ^ first }
        if differing == 0 {
            out.append(first)
            return .booleanConstant
        }
        let size = (n + 7) / 8
        out.appendUnsafe(maxCount: size) { p in
            var i = 0
            var o = 0
            while i &+ 8 <= n {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) & lowBits
                p.storeBytes(of: UInt8(truncatingIfNeeded: (word &* gather) &>> 56), toByteOffset: o, as: UInt8.self)
                i &+= 8
                o &+= 1
            }
            if i < n {
                var last: UInt8 = 0
                var bit: UInt8 = 0
                while i < n {
                    last |= (bytes[i] & 1) &<< bit
                    bit &+= 1
                    i &+= 1
                }
                p.storeBytes(of: last, toByteOffset: o, as: UInt8.self)
            }
            return size
        }
        return .booleanBitmap
    }

    /// Expands bits to `Bool` bytes; `dst` is the raw view of the caller's new `Bool`s.
    private static func decodeBitmap(_ payload: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws(CodecError) {
        let n = dst.count
        guard payload.count == (n + 7) / 8 else {
            throw .malformed(
                .booleanBitmap, "payload has \(payload.count) bytes but \(n) values need \((n + 7) / 8)")
        }
        if n & 7 != 0 && payload[payload.count - 1] &>> UInt8(n & 7) != 0 {
            throw .malformed(.booleanBitmap, "padding bits after value \(n) are not zero")
        }
        var o = 0
        var i = 0
        while o &+ 8 <= n {
            // Broadcast the byte, keep bit i in byte i, then turn each non-zero byte into 0x01
            // (adding 0x7F sets bit 7 exactly when the byte is non-zero; no byte exceeds 0x80,
            // so nothing carries into the next byte).
            let selected = (UInt64(payload[i]) &* lowBits) & spreadMask
            let word = ((selected &+ 0x7F7F_7F7F_7F7F_7F7F) &>> 7) & lowBits
            dst.storeBytes(of: word.littleEndian, toByteOffset: o, as: UInt64.self)
            o &+= 8
            i &+= 1
        }
        while o < n {
            dst[o] = (payload[o &>> 3] &>> UInt8(o & 7)) & 1
            o &+= 1
        }
    }
}

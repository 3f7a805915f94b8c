/// Encodes and decodes blocks of byte strings (``StringColumn``):
/// - ``BlockEncoding/stringPlain``: every length as a uvarint, then all bytes concatenated
///   (lengths first, so a second stage sees similar bytes together);
/// - ``BlockEncoding/stringDictionary``: the distinct values once, then one bit-packed index per
///   value (status texts, error codes, connector states: few distinct values).
public enum StringCodec {
    /// Appends one self-describing block (tag byte first) holding every value of `column`.
    ///
    /// Allocates nothing per value; a dictionary attempt uses one temporary table per block.
    public static func encode(_ column: StringColumn, options: CodecOptions, into out: inout [UInt8]) {
        checkInvariant(column)
        let start = BlockFrame.begin(&out)
        let encoding = column.bytes.withUnsafeBytes { bytes in
            column.ends.withUnsafeBufferPointer { ends in
                writePayload(bytes: bytes, ends: ends, into: &out)
            }
        }
        BlockFrame.finish(&out, blockStart: start, encoding: encoding, options: options)
    }

    /// Decodes a block of exactly `count` values, appending them to `out`.
    ///
    /// Throws ``CodecError`` when the block is malformed, belongs to another codec or does not
    /// hold exactly `count` values; `out` is then left as it was. Never reads outside `block`.
    public static func decode(_ block: UnsafeRawBufferPointer, count: Int, into out: inout StringColumn) throws(CodecError) {
        let originalCount = out.count
        // Strings have no per-value size bound; the header already caps payloads at Int32.max
        // bytes and the second stage checks the declared size against the compressed size.
        try BlockFrame.withPayload(block, family: .string, count: count, maxPayloadCount: Int(Int32.max)) {
            (encoding, payload) throws(CodecError) -> Void in
            var reader = ByteReader(payload, encoding: encoding)
            do throws(CodecError) {
                switch encoding {
                case .stringPlain:
                    try decodePlain(&reader, count: count, into: &out)
                case .stringDictionary:
                    try StringDictionary.decode(&reader, count: count, into: &out)
                default:
                    preconditionFailure("BUG: \(encoding) passed the string family check")
                }
                try reader.expectEnd()
            } catch {
                out.truncate(to: originalCount)
                throw error
            }
        }
    }

    // MARK: - Encoding

    private static func checkInvariant(_ column: StringColumn) {
        var previous: UInt32 = 0
        for end in column.ends {
            precondition(end >= previous, "BUG: StringColumn ends decrease (\(end) after \(previous))")
            previous = end
        }
        precondition(
            Int(previous) == column.bytes.count,
            "BUG: StringColumn's last end \(previous) does not match its \(column.bytes.count) bytes")
    }

    private static func writePayload(
        bytes: UnsafeRawBufferPointer, ends: UnsafeBufferPointer<UInt32>, into out: inout [UInt8]
    ) -> BlockEncoding {
        let n = ends.count
        if n == 0 { return .empty }
        var plainSize = bytes.count
        var start: UInt32 = 0
        for end in ends {
            plainSize &+= Varint.size(UInt64(end &- start))
            start = end
        }
        if StringDictionary.encodeIfSmaller(bytes: bytes, ends: ends, than: plainSize, into: &out) {
            return .stringDictionary
        }
        out.reserveCapacity(out.count + plainSize)
        out.appendUnsafe(maxCount: plainSize - bytes.count) { p in
            var written = 0
            var start: UInt32 = 0
            for end in ends {
                written &+= Varint.write(UInt64(end &- start), to: p + written)
                start = end
            }
            return written
        }
        out.append(contentsOf: bytes)
        return .stringPlain
    }

    // MARK: - Decoding

    private static func decodePlain(_ reader: inout ByteReader, count: Int, into out: inout StringColumn) throws(CodecError) {
        let base = out.bytes.count
        // Every length takes at least one byte, so more values than bytes cannot be valid;
        // checking first keeps a wrong count from reserving a huge `ends`.
        guard count <= reader.remaining else {
            throw .malformed(
                reader.encoding, "\(count) lengths cannot fit in a \(reader.remaining)-byte payload")
        }
        out.ends.reserveCapacity(out.ends.count + count)
        var total = 0
        for _ in 0..<count {
            total &+= try reader.readLength("string length", limit: reader.remaining)
            guard total <= reader.remaining, let end = UInt32(exactly: base &+ total) else {
                throw .malformed(
                    reader.encoding,
                    "string lengths add up to more than the \(reader.remaining) bytes left in the payload "
                        + "(or the column would exceed \(UInt32.max) bytes)")
            }
            out.ends.append(end)
        }
        out.bytes.append(contentsOf: try reader.readBytes(total, "string bytes"))
    }
}

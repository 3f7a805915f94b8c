/// The framing shared by every codec:
///
/// ```
/// ┌──────────────┬─────────────────┬──────────────────────────────────────────────┐
/// │ tag <1 byte> │ stage <1 byte>  │ payload (stage 0)                            │
/// │              │                 │ or len <uvarint> compressed <bytes> (1, 2)  │
/// └──────────────┴─────────────────┴──────────────────────────────────────────────┘
/// ```
///
/// Encoders append the header with ``begin(_:)``, write the first-stage payload, then call
/// ``finish(_:blockStart:encoding:options:)`` which sets the tag and applies the second stage
/// when it pays. Decoders call ``withPayload(_:family:count:maxPayloadCount:_:)``.
enum BlockFrame {
    /// Bytes before the payload: the tag and the second-stage byte.
    static let headerCount = 2

    /// A second stage is kept only when compressed length + length prefix ≤ 90% of the payload:
    /// saving less than 10% does not pay for the decompression on every read.
    static let requiredSavingsPercent = 10

    /// Appends placeholder header bytes; returns the block's start offset in `out`.
    @inline(__always)
    static func begin(_ out: inout [UInt8]) -> Int {
        let start = out.count
        out.append(0)
        out.append(SecondStage.none.rawValue)
        return start
    }

    /// Sets the tag of the block starting at `blockStart` and, when `options` ask for it and it
    /// pays, replaces the payload with `len <uvarint> compressed <bytes>`.
    ///
    /// The compressed form is written after the payload in `out` itself and moved into place,
    /// so no scratch buffer is allocated.
    static func finish(_ out: inout [UInt8], blockStart: Int, encoding: BlockEncoding, options: CodecOptions) {
        out[blockStart] = encoding.rawValue
        let payloadStart = blockStart + headerCount
        let payloadCount = out.count - payloadStart
        let stage = Compressor.stage(of: options.secondStage)
        guard stage != .none, payloadCount >= CodecOptions.minimumPayloadForSecondStage,
            let bound = Compressor.maxCompressedCount(stage, sourceCount: payloadCount)
        else { return }

        let scratch = Varint.maxBytes + bound
        out.append(contentsOf: repeatElement(0, count: scratch))
        let kept: Int? = out.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress.unsafelyUnwrapped
            let payload = UnsafeRawBufferPointer(start: base + payloadStart, count: payloadCount)
            let dst = base + payloadStart + payloadCount + Varint.maxBytes
            guard
                let compressed = Compressor.compress(
                    payload, using: options.secondStage,
                    into: UnsafeMutableRawBufferPointer(start: dst, count: bound))
            else { return nil }
            let prefix = Varint.size(UInt64(payloadCount))
            guard (prefix + compressed) * 100 <= payloadCount * (100 - requiredSavingsPercent) else { return nil }
            // The payload is no longer needed: overwrite it with the prefix and the compressed
            // bytes (memmove semantics; the regions do not overlap in a harmful direction).
            let written = Varint.write(UInt64(payloadCount), to: base + payloadStart)
            (base + payloadStart + written).copyMemory(from: dst, byteCount: compressed)
            return payloadStart + written + compressed
        }
        if let kept {
            out[blockStart + 1] = stage.rawValue
            out.removeLast(out.count - kept)
        } else {
            out.removeLast(scratch)
        }
    }

    /// The parsed header of a block.
    struct Header {
        var encoding: BlockEncoding
        var stage: SecondStage
        /// The first-stage payload size (declared, for compressed blocks).
        var payloadCount: Int
        /// The bytes after the header (and the length prefix, for compressed blocks).
        var stored: UnsafeRawBufferPointer
    }

    /// Parses and checks the header bytes; does not decompress.
    static func parseHeader(_ block: UnsafeRawBufferPointer) throws(CodecError) -> Header {
        guard block.count >= headerCount else {
            throw CodecError(
                "block is \(block.count) byte(s) long; every block has at least a tag and a stage byte, "
                    + "so it is truncated")
        }
        guard let encoding = BlockEncoding(rawValue: block[0]) else {
            throw CodecError(
                "block tag 0x\(String(block[0], radix: 16)) is not a known encoding; the block is corrupt "
                    + "or was written by a newer Chargeline")
        }
        guard let stage = SecondStage(rawValue: block[1]) else {
            throw CodecError(
                "\(encoding.name) block: second-stage byte \(block[1]) is not 0 (none), 1 (lz4) or 2 (zstd); "
                    + "the block is corrupt or was written by a newer Chargeline")
        }
        let rest = UnsafeRawBufferPointer(rebasing: block[headerCount...])
        if stage == .none {
            return Header(encoding: encoding, stage: stage, payloadCount: rest.count, stored: rest)
        }
        var reader = ByteReader(rest, encoding: encoding)
        let declared = try reader.readLength("uncompressed payload length", limit: Int(Int32.max))
        let stored = UnsafeRawBufferPointer(rebasing: rest[reader.position...])
        return Header(encoding: encoding, stage: stage, payloadCount: declared, stored: stored)
    }

    /// Checks the header against the decoding codec and `count`, decompresses when needed and
    /// calls `body` with the encoding and the first-stage payload. Returns without calling `body`
    /// for an ``BlockEncoding/empty`` block (which requires `count == 0`).
    ///
    /// `maxPayloadCount` bounds the declared uncompressed size before anything is allocated
    /// (the largest payload `count` values can need in this codec).
    static func withPayload(
        _ block: UnsafeRawBufferPointer, family: BlockEncoding.Family, count: Int, maxPayloadCount: Int,
        _ body: (BlockEncoding, UnsafeRawBufferPointer) throws(CodecError) -> Void
    ) throws(CodecError) {
        guard count >= 0 else {
            throw CodecError("cannot decode a negative value count (\(count)); the caller's count is wrong")
        }
        let header = try parseHeader(block)
        let encoding = header.encoding
        if encoding == .empty {
            guard count == 0, header.payloadCount == 0, header.stage == .none else {
                throw .malformed(
                    encoding,
                    "an empty block holds no values and no payload, but \(count) value(s) were requested "
                        + "and it has \(header.payloadCount) payload byte(s)")
            }
            return
        }
        guard encoding.family == family else {
            throw CodecError(
                "block tag 0x\(String(encoding.rawValue, radix: 16)) (\(encoding.name)) is a \(encoding.family) "
                    + "encoding, not a \(family) one; the block belongs to another field type or is corrupt")
        }
        guard count > 0 else {
            throw .malformed(encoding, "the block holds values but the caller asked for 0")
        }
        if header.stage == .none {
            try body(encoding, header.stored)
            return
        }
        guard header.payloadCount <= maxPayloadCount else {
            throw .malformed(
                encoding,
                "declared uncompressed payload of \(header.payloadCount) bytes exceeds the \(maxPayloadCount) "
                    + "bytes \(count) value(s) can need")
        }
        try Compressor.validateDeclaredCount(header.stored, stage: header.stage, count: header.payloadCount)
        try withUnsafeTemporaryAllocation(byteCount: header.payloadCount, alignment: 8) {
            (scratch) throws(CodecError) -> Void in
            do throws(CodecError) {
                try Compressor.decompress(header.stored, stage: header.stage, into: scratch)
            } catch {
                throw CodecError("\(encoding.name) block: \(error.message)")
            }
            try body(encoding, UnsafeRawBufferPointer(scratch))
        }
    }
}

extension Array {
    /// Appends `count` copies of `filler`, runs `body` on the new region and removes it again if
    /// `body` throws, so a failed decode leaves the caller's array as it was.
    @inline(__always)
    mutating func appendDecoded(
        count: Int, filler: Element, _ body: (UnsafeMutableBufferPointer<Element>) throws(CodecError) -> Void
    ) throws(CodecError) {
        let start = self.count
        append(contentsOf: repeatElement(filler, count: count))
        do throws(CodecError) {
            try withUnsafeMutableBufferPointer { (all: inout UnsafeMutableBufferPointer<Element>) throws(CodecError) -> Void in
                try body(UnsafeMutableBufferPointer(rebasing: all[start...]))
            }
        } catch {
            removeLast(count)
            throw error
        }
    }
}

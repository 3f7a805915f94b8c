/// A bounds-checked cursor over a block payload. Every read checks the remaining length first
/// and throws ``CodecError`` naming the encoding and payload offset, so garbage input can never
/// read out of bounds.
struct ByteReader {
    /// The payload; may have a nil base address when empty.
    let buffer: UnsafeRawBufferPointer
    /// The encoding being decoded, for error messages.
    let encoding: BlockEncoding
    /// The offset of the next unread byte.
    private(set) var position: Int = 0

    init(_ buffer: UnsafeRawBufferPointer, encoding: BlockEncoding) {
        self.buffer = buffer
        self.encoding = encoding
    }

    /// Bytes left to read.
    var remaining: Int { buffer.count &- position }

    /// Throws unless every byte was consumed: trailing bytes mean the count or the block is wrong.
    func expectEnd() throws(CodecError) {
        if position != buffer.count {
            throw .malformed(
                encoding,
                "\(buffer.count - position) unexpected trailing byte(s) after payload offset \(position) "
                    + "(the value count does not match the block)")
        }
    }

    @inline(__always)
    private func need(_ n: Int, _ field: StaticString) throws(CodecError) {
        if _slowPath(n > remaining) {
            throw .truncated(encoding, field: field, offset: position, needed: n, payloadCount: buffer.count)
        }
    }

    /// Reads one byte.
    @inline(__always)
    mutating func readByte(_ field: StaticString) throws(CodecError) -> UInt8 {
        try need(1, field)
        let b = buffer.load(fromByteOffset: position, as: UInt8.self)
        position &+= 1
        return b
    }

    /// Reads a little-endian 64-bit word.
    @inline(__always)
    mutating func readUInt64(_ field: StaticString) throws(CodecError) -> UInt64 {
        try need(8, field)
        let v = buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position &+= 8
        return UInt64(littleEndian: v)
    }

    /// Reads a little-endian 32-bit word.
    @inline(__always)
    mutating func readUInt32(_ field: StaticString) throws(CodecError) -> UInt32 {
        try need(4, field)
        let v = buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position &+= 4
        return UInt32(littleEndian: v)
    }

    /// Reads `n` bytes in place.
    mutating func readBytes(_ n: Int, _ field: StaticString) throws(CodecError) -> UnsafeRawBufferPointer {
        if n < 0 {
            throw .malformed(encoding, "\(field) has negative length \(n) at payload offset \(position)")
        }
        try need(n, field)
        let slice = UnsafeRawBufferPointer(rebasing: buffer[position..<(position &+ n)])
        position &+= n
        return slice
    }

    /// Reads an unsigned LEB128 varint. Rejects varints longer than 10 bytes or overflowing 64 bits.
    @inline(__always)
    mutating func readUVarint(_ field: StaticString) throws(CodecError) -> UInt64 {
        if _fastPath(remaining >= Varint.maxBytes) {
            // At least 10 bytes remain: no per-byte bounds check needed.
            let base = buffer.baseAddress.unsafelyUnwrapped + position
            let b0 = base.load(as: UInt8.self)
            if b0 < 0x80 {
                position &+= 1
                return UInt64(b0)
            }
            var result = UInt64(b0 & 0x7F)
            var i = 1
            while i < Varint.maxBytes {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                result |= UInt64(b & 0x7F) &<< UInt64(7 &* i)
                if b < 0x80 {
                    if i == Varint.maxBytes - 1 && b > 1 { break }
                    position &+= i &+ 1
                    return result
                }
                i &+= 1
            }
            throw .malformed(encoding, "\(field) varint at payload offset \(position) overflows 64 bits")
        }
        return try readUVarintSlow(field)
    }

    @inline(never)
    private mutating func readUVarintSlow(_ field: StaticString) throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var i = 0
        while i < Varint.maxBytes {
            if position &+ i >= buffer.count {
                throw .truncated(
                    encoding, field: field, offset: position, needed: i + 1, payloadCount: buffer.count)
            }
            let b = buffer[position &+ i]
            result |= UInt64(b & 0x7F) &<< UInt64(7 &* i)
            if b < 0x80 {
                if i == Varint.maxBytes - 1 && b > 1 { break }
                position &+= i &+ 1
                return result
            }
            i &+= 1
        }
        throw .malformed(encoding, "\(field) varint at payload offset \(position) overflows 64 bits")
    }

    /// Reads a zig-zag encoded signed varint.
    @inline(__always)
    mutating func readVarint(_ field: StaticString) throws(CodecError) -> Int64 {
        Varint.unzigzag(try readUVarint(field))
    }

    /// Reads a uvarint that must fit `0...limit` (a length or count), as an `Int`.
    mutating func readLength(_ field: StaticString, limit: Int) throws(CodecError) -> Int {
        let start = position
        let v = try readUVarint(field)
        if v > UInt64(limit) {
            throw .malformed(
                encoding, "\(field) \(v) at payload offset \(start) exceeds the limit \(limit)")
        }
        return Int(v)
    }
}

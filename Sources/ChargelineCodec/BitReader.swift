/// Reads bit fields written by ``BitWriter`` (least significant bit first), bounds-checked:
/// reading past the end throws instead of touching memory outside the payload.
struct BitReader {
    private let buffer: UnsafeRawBufferPointer
    private let encoding: BlockEncoding
    /// The absolute position of the next unread bit.
    private(set) var bitOffset = 0
    private let bitCount: Int

    init(_ buffer: UnsafeRawBufferPointer, encoding: BlockEncoding) {
        self.buffer = buffer
        self.encoding = encoding
        self.bitCount = buffer.count &* 8
    }

    /// Bits left to read (including the final byte's padding).
    var remainingBits: Int { bitCount &- bitOffset }

    /// Reads a field of `count` bits (1...64).
    @inline(__always)
    mutating func read(_ count: Int) throws(CodecError) -> UInt64 {
        if _slowPath(count > bitCount &- bitOffset) {
            throw .malformed(
                encoding,
                "bit stream ends at bit \(bitCount) but a \(count)-bit field starts at bit \(bitOffset)")
        }
        let byte = bitOffset &>> 3
        let shift = UInt64(bitOffset & 7)
        var v: UInt64
        if _fastPath(byte &+ 8 <= buffer.count) {
            v = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: byte, as: UInt64.self)) &>> shift
            if shift &+ UInt64(count) > 64 {
                // The field spills into a ninth byte, which exists because the length check passed.
                v |= UInt64(buffer[byte &+ 8]) &<< (64 &- shift)
            }
        } else {
            v = loadTail(from: byte) &>> shift
        }
        bitOffset &+= count
        return count == 64 ? v : v & ((1 &<< UInt64(count)) &- 1)
    }

    /// Whether the next field of up to 64 bits can be read with ``readInWindow(_:)``: at least
    /// 16 bytes remain from the current byte, so the 8-byte load and a ninth byte for a field
    /// straddling it are inside the buffer.
    @inline(__always)
    var hasWindow: Bool { (bitOffset &>> 3) &+ 16 <= buffer.count }

    /// Reads a field of `count` bits (0...64) without a bounds check or a throw, for hot loops
    /// that test ``hasWindow`` first (``read(_:)`` is the checked form for the rest).
    @inline(__always)
    mutating func readInWindow(_ count: Int) -> UInt64 {
        let base = buffer.baseAddress.unsafelyUnwrapped
        let byte = bitOffset &>> 3
        let shift = UInt64(bitOffset & 7)
        var v = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: byte, as: UInt64.self)) &>> shift
        if _slowPath(shift &+ UInt64(count) > 64) {
            v |= UInt64(base.load(fromByteOffset: byte &+ 8, as: UInt8.self)) &<< (64 &- shift)
        }
        bitOffset &+= count
        return count == 64 ? v : v & ((1 &<< UInt64(count)) &- 1)
    }

    /// Moves past `count` bits the caller has already read by other means (`count` must not
    /// exceed ``remainingBits``).
    mutating func skip(_ count: Int) {
        precondition(count >= 0 && count <= remainingBits, "BUG: skipping \(count) of \(remainingBits) bits")
        bitOffset &+= count
    }

    /// Reads one bit.
    @inline(__always)
    mutating func readBit() throws(CodecError) -> Bool {
        if _slowPath(bitOffset >= bitCount) {
            throw .malformed(encoding, "bit stream ends at bit \(bitCount) but another bit was expected")
        }
        let b = buffer[bitOffset &>> 3] &>> UInt8(bitOffset & 7)
        bitOffset &+= 1
        return b & 1 != 0
    }

    /// The last fewer-than-8 bytes, zero-extended into a word.
    @inline(never)
    private func loadTail(from byte: Int) -> UInt64 {
        var v: UInt64 = 0
        var i = 0
        while byte &+ i < buffer.count {
            v |= UInt64(buffer[byte &+ i]) &<< UInt64(8 &* i)
            i &+= 1
        }
        return v
    }

    /// Throws unless the stream ends within the current byte and its padding bits are all zero
    /// (or all one with `paddingOnes`): anything else means the count or the block is wrong.
    func expectEnd(paddingOnes: Bool = false) throws(CodecError) {
        let usedBytes = (bitOffset + 7) / 8
        if usedBytes != buffer.count {
            throw .malformed(
                encoding,
                "bit stream has \(buffer.count - usedBytes) unexpected trailing byte(s) after bit \(bitOffset) "
                    + "(the value count does not match the block)")
        }
        if bitOffset & 7 != 0 {
            let padding = buffer[usedBytes - 1] &>> UInt8(bitOffset & 7)
            let expected: UInt8 = paddingOnes ? 0xFF &>> UInt8(bitOffset & 7) : 0
            if padding != expected {
                throw .malformed(
                    encoding, "padding bits after bit \(bitOffset) are not all \(paddingOnes ? "one" : "zero")")
            }
        }
    }
}

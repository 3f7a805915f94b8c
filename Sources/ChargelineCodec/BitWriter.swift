/// Packs bit fields into a byte region, least significant bit first: bit `i` of the stream is
/// bit `i % 8` of byte `i / 8`, and a field's lowest bit comes first. Bits gather in a 64-bit
/// word that is stored little-endian when full, so each write is a shift, an or and (every
/// 64 bits) one store.
///
/// The region must have room for the bits written plus 8 bytes of slack (``finish()`` stores a
/// whole word).
struct BitWriter {
    private let base: UnsafeMutableRawPointer
    /// Where the next full word goes.
    private var byteOffset = 0
    /// Pending bits, low `pending` bits valid.
    private var word: UInt64 = 0
    private var pending = 0

    init(_ base: UnsafeMutableRawPointer) {
        self.base = base
    }

    /// Appends the low `count` bits of `value` (`count` in 0...64; higher bits of `value` must be
    /// zero).
    @inline(__always)
    mutating func write(_ value: UInt64, count: Int) {
        word |= value &<< UInt64(pending)
        let total = pending &+ count
        if total >= 64 {
            base.storeBytes(of: word.littleEndian, toByteOffset: byteOffset, as: UInt64.self)
            byteOffset &+= 8
            // The bits of `value` that did not fit; none when the word was empty before.
            word = pending == 0 ? 0 : value &>> UInt64(64 &- pending)
            pending = total &- 64
        } else {
            pending = total
        }
    }

    /// Fills the current byte with one bits (a no-op when it is complete).
    mutating func padWithOnes() {
        let n = (8 &- (pending & 7)) & 7
        write((1 &<< UInt64(n)) &- 1, count: n)
    }

    /// Flushes the last partial word and returns the number of bytes the stream occupies
    /// (the final byte is zero-padded).
    mutating func finish() -> Int {
        base.storeBytes(of: word.littleEndian, toByteOffset: byteOffset, as: UInt64.self)
        return byteOffset &+ (pending &+ 7) / 8
    }

    /// The bytes needed for `bits` bits plus the 8-byte slack of ``finish()``.
    static func capacity(bits: Int) -> Int {
        (bits + 7) / 8 + 8
    }
}

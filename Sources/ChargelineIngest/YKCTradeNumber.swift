/// A 16-byte BCD trade (order) number: pile (7) + gun (1) + YYMMDDhhmmss (6) + counter (2),
/// kept as two packed halves so it is copied without allocating.
public struct YKCTradeNumber: Sendable, Hashable {
    /// Bytes 0-7, packed big-endian.
    public var high: UInt64
    /// Bytes 8-15, packed big-endian.
    public var low: UInt64

    /// Reads 16 bytes at `offset`.
    @inlinable
    public init(_ p: UnsafeRawBufferPointer, _ offset: Int) {
        high = YKCBytes.bcdPacked(p, offset, 8)
        low = YKCBytes.bcdPacked(p, offset + 8, 8)
    }

    /// A trade number from its two packed halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// All zeros: a 0x13 outside a charging session.
    public var isZero: Bool { high == 0 && low == 0 }

    /// The 32 hex digits (allocates).
    public var text: String { YKCBytes.packedText(high, digits: 16) + YKCBytes.packedText(low, digits: 16) }

    /// Writes the 16 bytes into `out` at `offset` (for the 0x40 reply).
    public func write(into out: inout [UInt8], at offset: Int) {
        for i in 0..<8 {
            out[offset + i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            out[offset + 8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
    }
}

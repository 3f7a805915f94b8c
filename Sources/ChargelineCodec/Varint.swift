/// LEB128 unsigned varints (7 bits per byte, least significant group first, high bit set on
/// every byte but the last; at most 10 bytes for 64 bits, as in Go's `encoding/binary`) and
/// zig-zag mapping of signed values, so small magnitudes of either sign take one byte.
enum Varint {
    /// A `UInt64` never needs more than 10 bytes (ceil(64 / 7)).
    static let maxBytes = 10

    /// Maps 0, -1, 1, -2, ... to 0, 1, 2, 3, ...
    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v &<< 1) ^ (v &>> 63))
    }

    /// Inverse of ``zigzag(_:)``.
    @inline(__always)
    static func unzigzag(_ u: UInt64) -> Int64 {
        Int64(bitPattern: (u &>> 1) ^ (0 &- (u & 1)))
    }

    /// The number of bytes ``write(_:to:)`` uses for `v`.
    @inline(__always)
    static func size(_ v: UInt64) -> Int {
        let bits = 64 - (v | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    /// Writes `v` at `p` (which must have ``maxBytes`` writable bytes) and returns the count.
    @inline(__always)
    static func write(_ v: UInt64, to p: UnsafeMutableRawPointer) -> Int {
        var v = v
        var i = 0
        while v >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: i, as: UInt8.self)
            v &>>= 7
            i &+= 1
        }
        p.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
        return i &+ 1
    }
}

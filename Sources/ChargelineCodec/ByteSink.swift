/// Writing into the caller's byte buffer without per-value bounds checks or allocations.
extension Array where Element == UInt8 {
    /// Grows the array by `maxCount` bytes, lets `body` write into that region through a raw
    /// pointer and return how many bytes it used, then trims the rest. The array's amortized
    /// growth is the only allocation, so a caller that reuses its buffer allocates nothing.
    ///
    /// `body` must not write past `maxCount` bytes and must return a count in `0...maxCount`.
    @inline(__always)
    mutating func appendUnsafe(maxCount: Int, _ body: (UnsafeMutableRawPointer) -> Int) {
        let start = count
        append(contentsOf: repeatElement(0, count: maxCount))
        let used = withUnsafeMutableBytes { raw in
            body(raw.baseAddress.unsafelyUnwrapped + start)
        }
        precondition(used >= 0 && used <= maxCount, "BUG: encoder wrote \(used) of \(maxCount) bytes")
        removeLast(maxCount &- used)
    }

    /// Appends `v` as 8 little-endian bytes.
    @inline(__always)
    mutating func appendUInt64(_ v: UInt64) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }

    /// Appends `v` as an unsigned LEB128 varint.
    @inline(__always)
    mutating func appendUVarint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        append(UInt8(truncatingIfNeeded: v))
    }
}

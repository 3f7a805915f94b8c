/// The Gorilla XOR float encoding (Pelkonen et al., VLDB 2015), on 64-bit patterns.
///
/// The first value is written as 64 raw bits. Each following value is XORed with its
/// predecessor, then (fields least significant bit first, see ``BitWriter``):
///
/// - `0`: the XOR is zero (value repeated);
/// - `1 0` + `m` bits: the XOR's meaningful bits fit the previous window (at least as many
///   leading and trailing zeros), `m = 64 - leading - trailing` of that window;
/// - `1 1` + 6 bits leading zeros + 6 bits (meaningful bit count − 1) + the meaningful bits:
///   a new window.
///
/// Unlike the paper's 5-bit leading count (capped at 31), 6 bits store any count 0...63, so no
/// window is ever widened. The last byte is padded with one bits: a decoder asked for one value
/// too many then reads a `1 1` control with no room for its fields and throws, where zero
/// padding would silently decode as repeats.
enum GorillaXOR {
    /// Appends the XOR stream of `bits` (non-empty) to `out`.
    static func encode(_ bits: UnsafeBufferPointer<UInt64>, into out: inout [UInt8]) {
        let n = bits.count
        // First value: 64 bits; others at most 2 + 6 + 6 + 64 = 78 bits.
        let capacity = BitWriter.capacity(bits: 64 + 78 * (n - 1))
        out.appendUnsafe(maxCount: capacity) { p in
            var w = BitWriter(p)
            var previous = bits[0]
            w.write(previous, count: 64)
            // No window yet: 65 leading zeros can never be matched.
            var leading = 65
            var trailing = 0
            var i = 1
            while i < n {
                let v = bits[i]
                let x = v ^ previous
                previous = v
                i &+= 1
                if x == 0 {
                    w.write(0, count: 1)
                    continue
                }
                let lz = x.leadingZeroBitCount
                let tz = x.trailingZeroBitCount
                if lz >= leading && tz >= trailing {
                    // Control `1 0` (LSB first: value 0b01).
                    w.write(0b01, count: 2)
                    w.write(x &>> UInt64(trailing), count: 64 &- leading &- trailing)
                } else {
                    let meaningful = 64 &- lz &- tz
                    // Control `1 1`, 6 bits leading zeros, 6 bits meaningful - 1: one 14-bit field.
                    let control = 0b11 | UInt64(lz) &<< 2 | UInt64(meaningful &- 1) &<< 8
                    w.write(control, count: 14)
                    w.write(x &>> UInt64(tz), count: meaningful)
                    leading = lz
                    trailing = tz
                }
            }
            w.padWithOnes()
            return w.finish()
        }
    }

    /// Decodes exactly `out.count` (≥ 1) values from `payload`, which must end with the stream.
    static func decode(_ payload: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt64>) throws(CodecError) {
        var r = BitReader(payload, encoding: .floatXOR)
        var previous = try r.read(64)
        out[0] = previous
        var leading = -1
        var trailing = 0
        var i = 1
        while i < out.count {
            if try r.readBit() {
                if try r.readBit() {
                    let lz = Int(try r.read(6))
                    let meaningful = Int(try r.read(6)) &+ 1
                    guard lz &+ meaningful <= 64 else {
                        throw .malformed(
                            .floatXOR,
                            "value \(i): window of \(lz) leading zeros and \(meaningful) meaningful bits "
                                + "exceeds 64 bits (bit \(r.bitOffset))")
                    }
                    leading = lz
                    trailing = 64 &- lz &- meaningful
                } else if leading < 0 {
                    throw .malformed(
                        .floatXOR, "value \(i) reuses a window before any was defined (bit \(r.bitOffset))")
                }
                let m = 64 &- leading &- trailing
                previous ^= try r.read(m) &<< UInt64(trailing)
            }
            out[i] = previous
            i &+= 1
        }
        try r.expectEnd(paddingOnes: true)
    }
}

/// An append-only UTF-8 byte buffer with allocation-free number formatting, shared by the
/// CSV, JSON and HTML writers.
struct TextBuffer {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }
    mutating func append(byte: UInt8) { bytes.append(byte) }

    mutating func append(_ v: Int) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(v.magnitude)
    }

    /// `x` rounded to `decimals` places, trailing zeros kept (stable column widths); `nan`
    /// and infinities, which no figure produces, are written as `0`.
    mutating func append(_ x: Double, decimals: Int) {
        guard x.isFinite else { bytes.append(UInt8(ascii: "0")); return }
        let scale = Self.powers[decimals]
        let scaled = (abs(x) * Double(scale)).rounded()
        // Beyond 2^53 the fixed-point path loses digits; fall back to Swift's shortest form.
        guard scaled < 9.0e15 else { append(x.description); return }
        let n = UInt64(scaled)
        if x < 0 && n != 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(UInt(n / scale))
        guard decimals > 0 else { return }
        bytes.append(UInt8(ascii: "."))
        // The fraction's digits, zero-padded, written in place (no array per number).
        var frac = n % scale
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: decimals))
        var i = start + decimals - 1
        while frac > 0 { bytes[i] = UInt8(ascii: "0") + UInt8(frac % 10); frac /= 10; i -= 1 }
    }

    private mutating func appendDigits(_ v: UInt) {
        if v < 10 { bytes.append(UInt8(ascii: "0") + UInt8(v)); return }
        let start = bytes.count
        var v = v
        while v > 0 { bytes.append(UInt8(ascii: "0") + UInt8(v % 10)); v /= 10 }
        // Swapped in place: `bytes[start...].reverse()` copied the slice (an allocation per number).
        var lo = start, hi = bytes.count - 1
        while lo < hi { bytes.swapAt(lo, hi); lo += 1; hi -= 1 }
    }

    private static let powers: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]
}

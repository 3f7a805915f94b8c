/// A set of Unicode scalar values: sorted, disjoint, non-adjacent closed ranges, with a bitmap
/// for ASCII so the common case is one shift and mask.
struct ScalarSet: Sendable, Hashable {
    /// The largest scalar value.
    static let maxScalar: UInt32 = 0x10FFFF

    private(set) var ranges: [ClosedRange<UInt32>]
    private var asciiLow: UInt64 = 0
    private var asciiHigh: UInt64 = 0

    /// The set of the scalars in `ranges` (any order, overlaps allowed).
    init(_ ranges: [ClosedRange<UInt32>] = []) {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        merged.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        self.ranges = merged
        for r in merged where r.lowerBound < 128 {
            for c in r.lowerBound...min(r.upperBound, 127) {
                if c < 64 { asciiLow |= 1 << UInt64(c) } else { asciiHigh |= 1 << UInt64(c - 64) }
            }
        }
    }

    /// Whether `c` is in the set.
    @inline(__always)
    func contains(_ c: UInt32) -> Bool {
        if c < 64 { return asciiLow & (1 << UInt64(c)) != 0 }
        if c < 128 { return asciiHigh & (1 << UInt64(c - 64)) != 0 }
        var lo = 0
        var hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let r = ranges[mid]
            if c < r.lowerBound { hi = mid } else if c > r.upperBound { lo = mid + 1 } else { return true }
        }
        return false
    }

    /// Every scalar not in the set (surrogates included, as Go's negated classes do; decoded
    /// input never holds one).
    func inverted() -> ScalarSet {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in ranges {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = r.upperBound &+ 1
        }
        if next <= Self.maxScalar { out.append(next...Self.maxScalar) }
        return ScalarSet(out)
    }

    /// The set with every member's case variants added (`(?i)`).
    func caseFolded() -> ScalarSet {
        var extra = ranges
        for r in ranges { CaseFolding.shared.forEachVariant(in: r) { extra.append($0...$0) } }
        return ScalarSet(extra)
    }

    /// The only member, when there is exactly one.
    var single: UInt32? {
        ranges.count == 1 && ranges[0].lowerBound == ranges[0].upperBound ? ranges[0].lowerBound : nil
    }

    /// The first UTF-8 bytes of the members' encodings (UTF-8 keeps the order of scalars,
    /// so a range's lead bytes are the span between its ends' lead bytes).
    func leadBytes(into table: inout [Bool]) {
        for r in ranges {
            let lo = Int(Self.leadByte(r.lowerBound))
            let hi = Int(Self.leadByte(r.upperBound))
            for b in lo...hi { table[b] = true }
        }
    }

    static func leadByte(_ c: UInt32) -> UInt8 {
        switch c {
        case 0..<0x80: UInt8(c)
        case 0x80..<0x800: UInt8(0xC0 | (c >> 6))
        case 0x800..<0x10000: UInt8(0xE0 | (c >> 12))
        default: UInt8(0xF0 | (c >> 18))
        }
    }
}

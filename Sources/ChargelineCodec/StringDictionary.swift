/// The ``BlockEncoding/stringDictionary`` layout:
///
/// ```
/// ┌──────────────────────┬───────────────────────────┬─────────────────┬─────────────────────────┐
/// │ entries <uvarint> d  │ len <uvarint> × d         │ entry bytes     │ index <w bits> × count  │
/// └──────────────────────┴───────────────────────────┴─────────────────┴─────────────────────────┘
/// ```
///
/// Entries are in order of first appearance; `w` is the bit width of `d - 1` (0 when d = 1, so a
/// block of one repeated string is just that string); indexes are packed least significant bit
/// first with zero padding.
enum StringDictionary {
    /// At most this many distinct values: beyond it a dictionary rarely beats plain and the
    /// hash table stops fitting in L1/L2 cache.
    static let maxEntries = 4096

    /// Tries the dictionary encoding and appends it to `out` when it is smaller than
    /// `plainSize`; returns whether it did. `bytes`/`ends` describe a non-empty column.
    static func encodeIfSmaller(
        bytes: UnsafeRawBufferPointer, ends: UnsafeBufferPointer<UInt32>, than plainSize: Int,
        into out: inout [UInt8]
    ) -> Bool {
        let n = ends.count
        // A dictionary only pays when values repeat: at most one entry per two values.
        let limit = min(maxEntries, max(1, n / 2))
        // Open addressing at load factor ≤ 1/2: a power of two at least twice the entry limit.
        var tableSize = 1
        while tableSize < 2 * limit { tableSize <<= 1 }
        let mask = tableSize - 1
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: tableSize + limit + n) { scratch in
            let base = scratch.baseAddress.unsafelyUnwrapped
            let table = base  // entry number + 1, 0 = free slot
            let firsts = base + tableSize  // value index of each entry's first appearance
            let codes = firsts + limit  // entry number of each value
            table.initialize(repeating: 0, count: tableSize)
            var entries = 0
            var entryBytes = 0
            for i in 0..<n {
                let value = slice(bytes, ends, i)
                var slot = Int(truncatingIfNeeded: hash(value)) & mask
                while true {
                    let e = Int(table[slot])
                    if e == 0 {
                        if entries == limit { return false }
                        table[slot] = Int32(entries + 1)
                        firsts[entries] = Int32(i)
                        codes[i] = Int32(entries)
                        entries += 1
                        entryBytes += Varint.size(UInt64(value.count)) + value.count
                        break
                    }
                    if equal(slice(bytes, ends, Int(firsts[e - 1])), value) {
                        codes[i] = Int32(e - 1)
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
            let width = indexWidth(entries)
            let indexBytes = (n * width + 7) / 8
            let size = Varint.size(UInt64(entries)) + entryBytes + indexBytes
            guard size < plainSize else { return false }

            out.reserveCapacity(out.count + size + 8)
            out.appendUVarint(UInt64(entries))
            for e in 0..<entries { out.appendUVarint(UInt64(slice(bytes, ends, Int(firsts[e])).count)) }
            for e in 0..<entries { out.append(contentsOf: slice(bytes, ends, Int(firsts[e]))) }
            if width > 0 {
                out.appendUnsafe(maxCount: BitWriter.capacity(bits: n * width)) { p in
                    var w = BitWriter(p)
                    for i in 0..<n { w.write(UInt64(codes[i]), count: width) }
                    return w.finish()
                }
            }
            return true
        }
    }

    /// Decodes `count` values (the reader is positioned at the entry count).
    static func decode(_ reader: inout ByteReader, count: Int, into out: inout StringColumn) throws(CodecError) {
        let entriesOffset = reader.position
        let entries = try reader.readLength("entry count", limit: count)
        guard entries > 0 else {
            throw .malformed(reader.encoding, "entry count at payload offset \(entriesOffset) is zero")
        }
        guard entries <= reader.remaining else {
            throw .malformed(reader.encoding, "\(entries) entry lengths cannot fit in \(reader.remaining) bytes")
        }
        try withUnsafeTemporaryAllocation(of: Int.self, capacity: entries) { (entryEnds) throws(CodecError) -> Void in
            var total = 0
            for e in 0..<entries {
                total &+= try reader.readLength("entry length", limit: reader.remaining)
                guard total <= reader.remaining else {
                    throw .malformed(
                        reader.encoding, "entry lengths add up to more than the \(reader.remaining) bytes left")
                }
                entryEnds[e] = total
            }
            let entryBytes = try reader.readBytes(total, "entry bytes")
            let width = indexWidth(entries)
            let indexCount = (count.multipliedReportingOverflow(by: width).partialValue + 7) / 8
            guard count <= Int(Int32.max), indexCount <= reader.remaining else {
                throw .malformed(
                    reader.encoding,
                    "\(count) indexes of \(width) bits need \(indexCount) bytes but \(reader.remaining) remain")
            }
            let indexes = try reader.readBytes(indexCount, "indexes")
            var bits = BitReader(indexes, encoding: reader.encoding)

            // Pass 1: validate indexes and append ends; pass 2 copies the bytes.
            let base = out.bytes.count
            var end = base
            out.ends.reserveCapacity(out.ends.count + count)
            for i in 0..<count {
                let e = width == 0 ? 0 : Int(try bits.read(width))
                guard e < entries else {
                    throw .malformed(reader.encoding, "value \(i) refers to entry \(e) of \(entries)")
                }
                end &+= entryEnds[e] &- (e == 0 ? 0 : entryEnds[e - 1])
                guard let end32 = UInt32(exactly: end) else {
                    throw .malformed(reader.encoding, "decoded strings exceed the column limit of \(UInt32.max) bytes")
                }
                out.ends.append(end32)
            }
            try bits.expectEnd()
            out.bytes.reserveCapacity(end)
            var bits2 = BitReader(indexes, encoding: reader.encoding)
            for _ in 0..<count {
                let e = width == 0 ? 0 : Int(try bits2.read(width))
                let start = e == 0 ? 0 : entryEnds[e - 1]
                out.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: entryBytes[start..<entryEnds[e]]))
            }
        }
    }

    /// Bits needed to store entry numbers `0..<entries`.
    @inline(__always)
    static func indexWidth(_ entries: Int) -> Int {
        entries <= 1 ? 0 : Int.bitWidth - (entries - 1).leadingZeroBitCount
    }

    @inline(__always)
    private static func slice(_ bytes: UnsafeRawBufferPointer, _ ends: UnsafeBufferPointer<UInt32>, _ i: Int) -> UnsafeRawBufferPointer {
        let start = i == 0 ? 0 : Int(ends[i - 1])
        return UnsafeRawBufferPointer(rebasing: bytes[start..<Int(ends[i])])
    }

    /// A fast multiplicative hash over 8-byte words (not for adversaries: a collision only
    /// costs a longer probe).
    @inline(__always)
    private static func hash(_ v: UnsafeRawBufferPointer) -> UInt64 {
        // 2^64 / golden ratio: the usual Fibonacci-hashing multiplier, spreads bits well.
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h = UInt64(v.count) &* k
        var i = 0
        while i &+ 8 <= v.count {
            h = (h ^ v.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
            h ^= h &>> 32
            i &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < v.count {
            tail |= UInt64(v[i]) &<< shift
            shift &+= 8
            i &+= 1
        }
        h = (h ^ tail) &* k
        return h ^ (h &>> 29)
    }

    @inline(__always)
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i &+ 8 <= a.count {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i &+= 8
        }
        while i < a.count {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }
}

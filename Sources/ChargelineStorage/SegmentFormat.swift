import ChargelineCore

/// Byte layout of segment files (docs/format/segment.md): the one version this build reads
/// and writes.
///
/// ```
/// ┌────────────────────── header (32 bytes) ──────────────────────┐
/// │ magic "CLSG" │ version <u16> │ flags <u16> │ partition start <i64> │ partition end <i64> │ seq <u64> │
/// ├────────────────────── blocks ─────────────────────────────────┤
/// │ timestamp block │ crc <u32> │ value block │ crc <u32> │ ...  per series, group of fields
/// │                                                               with one set of timestamps, chunk
/// ├────────────────────── index ──────────────────────────────────┤
/// │ directory │ keys │ timestamps (if any) │ one section per field (`SegmentSections`)
/// ├────────────────────── footer (32 bytes) ──────────────────────┤
/// │ index offset <u64> │ index length <u32> │ directory crc <u32> │ series <u32> │ blocks <u32> │ version <u16> │ 0 <u16> │ magic "CLSG" │
/// └────────────────────────────────────────────────────────────────┘
/// ```
/// Every block's `crc` is CRC-32C over its bytes; each index section has its own crc in the
/// directory. Both kinds of block begin with the codec's one-byte encoding tag.
package enum SegmentFormat {
    package static let magic: UInt32 = 0x4753_4C43  // "CLSG" read little-endian
    /// The one version written and read. Versions 1-6 were development formats of builds
    /// before the first release; a reader refuses them (docs/format.md says what the next
    /// version must do). 7 added the `int-decimal` block encoding and value blocks that
    /// several metas of one chunk name (docs/format/segment.md).
    package static let version: UInt16 = 7
    /// Largest uncompressed index a reader accepts (a corrupt length must not allocate more).
    package static let maxIndexBytes = 1 << 30
    package static let headerSize = 32
    package static let footerSize = 32
    /// Values per block in segments written by a head flush: a block's decoded size (64 KiB of
    /// timestamps and 64 KiB of values) stays in L2.
    package static let maxBlockValues = 8192
    /// Values per block in compacted segments: a day partition of 10 s samples (8640 rows) fits
    /// one block per field instead of 8192 + 448, so the frequency tables, headers, CRCs and
    /// index metas of the short tail block go away and the entropy coder sees one day's
    /// statistics. Still 128 KiB decoded per column. Readers take any block size (the count is
    /// in the index), so this is not a format change.
    package static let maxCompactedBlockValues = 16_384
    /// Most values a reader decodes from one block: no writer makes more than 16,384, and a
    /// meta claiming more (a damaged index whose checksum still matches) must be reported, not
    /// turned into a multi-gigabyte allocation. Generous, so a future writer with larger
    /// blocks still reads.
    package static let maxReadableBlockValues = 1 << 20

    /// How `rows` rows are cut into blocks of at most `limit`: as few blocks as possible, of
    /// near-equal size (8640 rows at a limit of 8192 become 4320 + 4320, not 8192 + 448, so no
    /// block is too short for its tables to pay).
    package static func blockBoundaries(rows: Int, limit: Int) -> [Range<Int>] {
        guard rows > 0 else { return [] }
        let blocks = (rows + limit - 1) / limit
        return (0..<blocks).map { b in (rows * b / blocks)..<(rows * (b + 1) / blocks) }
    }
    /// Bytes of one block meta in a field section's rows without statistics: offset <u64>,
    /// length <u32>, count <u32>, minTime <i64>, maxTime <i64>, tsOffset <u64>, tsLength <u32>.
    package static let blockMetaSizeWithoutStatistics = 8 + 4 + 4 + 8 + 8 + 8 + 4
    /// Bytes of one block meta with statistics: the 44 above, then min, max, sum, first,
    /// last <u64> and flags <u8>.
    package static let blockMetaSizeWithStatistics = blockMetaSizeWithoutStatistics + 8 * 5 + 1

    /// The block meta size of a field section with or without statistics.
    package static func blockMetaSize(statistics: Bool) -> Int {
        statistics ? blockMetaSizeWithStatistics : blockMetaSizeWithoutStatistics
    }
}

/// Where a block lies and what it holds: enough to prune by time and to answer count, sum,
/// min, max, first and last without decoding it.
package struct BlockMeta: Sendable, Equatable {
    package var offset: UInt64
    package var length: UInt32
    package var count: UInt32
    package var minTime: Int64
    package var maxTime: Int64
    /// Type-dependent 64-bit patterns: float bits, two's-complement integer, unsigned, 0/1.
    package var min: UInt64
    package var max: UInt64
    /// Float: f64 bits of the sum. Integer/unsigned: the wrapping sum (see `flags`).
    /// Boolean: the number of `true`. String: 0.
    package var sum: UInt64
    package var first: UInt64
    package var last: UInt64
    /// Bit 0: the integer sum overflowed (recompute from values). Bit 1: no numeric stats
    /// (strings, and blocks written without statistics).
    package var flags: UInt8

    /// Where the block's (shared) timestamp block lies, including its CRC.
    package var timestampOffset: UInt64 = 0
    package var timestampLength: UInt32 = 0

    package static let sumOverflowed: UInt8 = 1
    package static let noStats: UInt8 = 2

    /// Whether `min`, `max`, `sum`, `first` and `last` describe the block's values (false for
    /// strings and for stores written without block statistics): what a reader may prune or
    /// answer by, without knowing the flags byte.
    package var hasStatistics: Bool { flags & Self.noStats == 0 }

    /// Computes the meta of `data[range]` (sorted, unique timestamps).
    package static func stats(of data: ColumnData, _ range: Range<Int>, offset: UInt64, length: UInt32) -> BlockMeta {
        var meta = BlockMeta(offset: offset, length: length, count: UInt32(range.count),
                             minTime: data.timestamps[range.lowerBound], maxTime: data.timestamps[range.upperBound - 1],
                             min: 0, max: 0, sum: 0, first: 0, last: 0, flags: 0)
        switch data.type {
        case .string:
            meta.flags = noStats
        case .float:
            var lo = Double.infinity, hi = -Double.infinity, s = 0.0
            for i in range {
                let v = Double(bitPattern: data.bits[i])
                if v < lo { lo = v }
                if v > hi { hi = v }
                s += v
            }
            meta.min = lo.bitPattern; meta.max = hi.bitPattern; meta.sum = s.bitPattern
        case .integer:
            var lo = Int64.max, hi = Int64.min, s: Int64 = 0, overflow = false
            for i in range {
                let v = Int64(bitPattern: data.bits[i])
                lo = Swift.min(lo, v); hi = Swift.max(hi, v)
                let (r, o) = s.addingReportingOverflow(v)
                s = r; overflow = overflow || o
            }
            meta.min = UInt64(bitPattern: lo); meta.max = UInt64(bitPattern: hi); meta.sum = UInt64(bitPattern: s)
            if overflow { meta.flags |= sumOverflowed }
        case .unsigned:
            var lo = UInt64.max, hi = UInt64.min, s: UInt64 = 0, overflow = false
            for i in range {
                let v = data.bits[i]
                lo = Swift.min(lo, v); hi = Swift.max(hi, v)
                let (r, o) = s.addingReportingOverflow(v)
                s = r; overflow = overflow || o
            }
            meta.min = lo; meta.max = hi; meta.sum = s
            if overflow { meta.flags |= sumOverflowed }
        case .boolean:
            var trues: UInt64 = 0
            for i in range where data.bits[i] != 0 { trues += 1 }
            meta.min = trues == UInt64(range.count) ? 1 : 0
            meta.max = trues > 0 ? 1 : 0
            meta.sum = trues
        }
        if data.type != .string {
            meta.first = data.bits[range.lowerBound]
            meta.last = data.bits[range.upperBound - 1]
        }
        return meta
    }

    /// Appends the meta as a field section's rows hold it (`SegmentSections`): 44 bytes
    /// without statistics (the meta must be `noStats`), 85 with them.
    package func encode(into out: inout [UInt8], statistics: Bool) {
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(offset)
        put(UInt64(length) | UInt64(count) << 32)
        put(minTime)
        put(maxTime)
        put(timestampOffset)
        put(timestampLength)
        if statistics {
            for v in [min, max, sum, first, last] { put(v) }
            out.append(flags)
        } else {
            precondition(flags == BlockMeta.noStats, "BUG: a section without statistics holds only metas without statistics")
        }
    }

    /// Reads a meta at `p` of a section's rows with or without statistics (the caller
    /// checked the size); a meta without statistics reads as `noStats` with `min` .. `last` 0.
    package static func decode(_ raw: UnsafeRawBufferPointer, at p: Int, statistics: Bool) -> BlockMeta {
        func u64(_ k: Int) -> UInt64 { raw.loadLE(UInt64.self, at: p + 8 * k) }
        let lc = u64(1)
        var meta = BlockMeta(offset: u64(0), length: UInt32(truncatingIfNeeded: lc), count: UInt32(truncatingIfNeeded: lc >> 32),
                             minTime: Int64(bitPattern: u64(2)), maxTime: Int64(bitPattern: u64(3)),
                             min: 0, max: 0, sum: 0, first: 0, last: 0, flags: noStats,
                             timestampOffset: u64(4), timestampLength: raw.loadLE(UInt32.self, at: p + 40))
        if statistics {
            func stat(_ k: Int) -> UInt64 { raw.loadLE(UInt64.self, at: p + 44 + 8 * k) }
            (meta.min, meta.max, meta.sum, meta.first, meta.last) = (stat(0), stat(1), stat(2), stat(3), stat(4))
            meta.flags = raw[p + 84]
        }
        return meta
    }
}

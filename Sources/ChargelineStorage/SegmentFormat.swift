import ChargelineCore

/// Byte layout of segment files (docs/format.md, "Segment files"). Version 5 (written for
/// segments without block statistics, i.e. rollups) has the blocks of version 4 and an index
/// cut into separately checked and compressed sections: the series keys, and one section per
/// field (`SegmentSections`), so a read loads only its fields' block metas. Version 4 (read
/// only) is version 3 with 44-byte block metas. Version 3 (written for the others)
/// has the layout of version 2 but its column blocks may use residual predictor 3 (the
/// four-point line), which version-2 readers do not know. Version 2 stores one timestamp block per (series, group of fields with identical timestamps, ≤ 8192
/// rows, ≤ 16,384 when compacted) and one value block per field, each followed by its own CRC, and may compress the
/// index; version 1 (read only) paired a timestamp block with every value block:
///
/// ```
/// ┌────────────────────── header (32 bytes) ──────────────────────┐
/// │ magic "CLSG" │ version <u16> │ flags <u16> │ partition start <i64> │ partition end <i64> │ seq <u64> │
/// ├────────────────────── blocks ─────────────────────────────────┤
/// │ tsLen <u32> │ timestamp block │ value block │ crc <u32> │  ... one per (series, field, ≤8192 / 16384 values)
/// ├────────────────────── index ──────────────────────────────────┤
/// │ series entries sorted by key; per field: name, type, block metas (offset, stats)
/// ├────────────────────── footer (32 bytes) ──────────────────────┤
/// │ index offset <u64> │ index length <u32> │ index crc <u32> │ series <u32> │ blocks <u32> │ version <u16> │ 0 <u16> │ magic "CLSG" │
/// └────────────────────────────────────────────────────────────────┘
/// ```
/// A block's `crc` is CRC-32C over `tsLen` and both encoded blocks; the index `crc` covers the
/// index bytes. Both encoded blocks begin with the codec's one-byte encoding tag.
package enum SegmentFormat {
    package static let magic: UInt32 = 0x4753_4C43  // "CLSG" read little-endian
    /// The version written for segments with block statistics: 3, the layout of 2 with blocks
    /// that may use residual predictor 3.
    package static let version: UInt16 = 3
    /// The version written for segments without block statistics (every rollup segment): 4,
    /// the layout of 3 with 44-byte block metas that leave out the five 8-byte statistics
    /// (`blockMetaSizeV4`) and the flags byte. A rollup day holds 1.12 M metas (20,000 series x
    /// 56 stored columns), whose 41 bytes of zero statistics and flags were 46 of its 118 MB of
    /// index to checksum, decompress and parse on every report.
    /// Since version 5 (written now), the index is in sections (`SegmentSections`): a report
    /// reads 5 to 30 of a rollup day's 56 stored columns, and with one index it decompressed
    /// and parsed all 72 MB of a day's metas, for each day of its week of lookback too.
    package static let versionWithoutStatistics: UInt16 = 5
    /// The first version with 44-byte block metas (no statistics).
    package static let compactMetasVersion: UInt16 = 4
    /// The first version with a sectioned index.
    package static let sectionedVersion: UInt16 = 5
    /// Versions this build reads.
    package static let readableVersions: ClosedRange<UInt16> = 1...5

    /// The version a writer stores: 5 without block statistics, 3 with them.
    package static func version(statistics: Bool) -> UInt16 {
        statistics ? version : versionWithoutStatistics
    }
    /// Footer flag (version 2): the index section is `uncompressed length <u32>` + one zstd frame.
    package static let indexCompressed: UInt16 = 1
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
    /// Bytes of one block meta in a version-1 index.
    package static let blockMetaSizeV1 = 8 + 4 + 4 + 8 + 8 + 8 * 5 + 1
    /// Bytes of one block meta in a version-2 index: the version-1 fields, then the timestamp
    /// block's offset <u64> and length <u32>.
    package static let blockMetaSizeV2 = blockMetaSizeV1 + 8 + 4

    /// Bytes of one block meta in a version-4 index: offset <u64>, length <u32>, count <u32>,
    /// minTime <i64>, maxTime <i64>, tsOffset <u64>, tsLength <u32>; no statistics, no flags
    /// (every block is `noStats`).
    package static let blockMetaSizeV4 = 8 + 4 + 4 + 8 + 8 + 8 + 4

    /// The block meta size of an index of `version`.
    package static func blockMetaSize(version: UInt16) -> Int {
        switch version {
        case 1: blockMetaSizeV1
        case 2, 3: blockMetaSizeV2
        default: blockMetaSizeV4
        }
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
    /// (strings).
    package var flags: UInt8

    /// Version 2: where the block's (shared) timestamp block lies, including its CRC.
    /// Version 1 (0, 0): the timestamps are inside the block itself (`tsLen` prefix).
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

    /// Appends the meta as an index of `version` holds it: 85 bytes (versions 2 and 3), or 44
    /// without statistics (versions 4 and 5; the meta must be `noStats`).
    package func encode(into out: inout [UInt8], version: UInt16 = SegmentFormat.version) {
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(offset)
        put(UInt64(length) | UInt64(count) << 32)
        put(minTime)
        put(maxTime)
        if version >= SegmentFormat.compactMetasVersion {
            precondition(flags == BlockMeta.noStats, "BUG: a version-\(version) index holds only metas without statistics")
        } else {
            for v in [min, max, sum, first, last] { put(v) }
            out.append(flags)
        }
        put(timestampOffset)
        put(timestampLength)
    }

    /// Reads a meta of `version` at `p` (the caller checked the size).
    package static func decode(_ raw: UnsafeRawBufferPointer, at p: Int, version: UInt16) -> BlockMeta {
        func u64(_ k: Int) -> UInt64 { raw.loadLE(UInt64.self, at: p + 8 * k) }
        let lc = u64(1)
        if version >= SegmentFormat.compactMetasVersion {
            return BlockMeta(offset: u64(0), length: UInt32(truncatingIfNeeded: lc), count: UInt32(truncatingIfNeeded: lc >> 32),
                             minTime: Int64(bitPattern: u64(2)), maxTime: Int64(bitPattern: u64(3)),
                             min: 0, max: 0, sum: 0, first: 0, last: 0, flags: noStats,
                             timestampOffset: u64(4), timestampLength: raw.loadLE(UInt32.self, at: p + 40))
        }
        var meta = BlockMeta(offset: u64(0), length: UInt32(truncatingIfNeeded: lc), count: UInt32(truncatingIfNeeded: lc >> 32),
                             minTime: Int64(bitPattern: u64(2)), maxTime: Int64(bitPattern: u64(3)),
                             min: u64(4), max: u64(5), sum: u64(6), first: u64(7), last: u64(8), flags: raw[p + 72])
        if version >= 2 {
            meta.timestampOffset = raw.loadLE(UInt64.self, at: p + 73)
            meta.timestampLength = raw.loadLE(UInt32.self, at: p + 81)
        }
        return meta
    }
}

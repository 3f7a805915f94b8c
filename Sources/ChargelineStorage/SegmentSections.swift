import ChargelineCodec
package import ChargelineCore

/// The index of a segment (docs/format/segment.md, "Index"): a small directory, then the
/// series keys, the timestamp blocks, and one section per field, each with its own checksum
/// and compression. A reader loads the keys, and for the fields it reads their sections and
/// the timestamp blocks; the footer's index checksum covers the directory only.
///
/// Why sections: a rollup day of 20,000 series has 56 stored columns and a 72 MB index; a
/// report reads 5 to 30 of the columns, and its lookback only needs to know which series have
/// rows (2 columns' metas) on each of the 7 days before. With one index they decompressed and
/// parsed every column's metas of 9 days.
///
/// ```
/// directory:  directory length <u32> │ series <u32> │ field sections <u32> (bit 31: a timestamps section)
///             keys:       stored <u32> │ raw <u32> │ crc <u32> │ codec <u8>
///             timestamps: stored <u32> │ raw <u32> │ crc <u32> │ codec <u8>   (when bit 31 is set)
///             per field section, sorted by name bytes then type:
///               nameLen <u16> │ name │ kind <u8> │ entries <u32> │ blocks <u32> │ stored <u32> │ raw <u32> │ crc <u32> │ codec <u8>
/// sections:   keys, timestamps (if any), then the field sections in directory order, back to back
/// keys:       per series, sorted by key bytes: keyLen <u16> │ key
/// timestamps: column by column, over the T timestamp blocks (in the order fields first use
///             them), differences wrapping:
///               T x count <u32> │ T x minTime step <i64> (the first: minTime) │ T x span <i64> (maxTime - minTime)
///               T x tsOffset step <u64> (the first: tsOffset) │ T x tsLength <u32>
/// field:      column by column, over the E series holding the field (ascending) and their
///             N block metas (in series order, then time order), differences wrapping:
///               E x series step <u32> (series - previous series; the first: series + 1)
///               E x blocks <u32>
///               N x offset step <u64> (offset - previous meta's offset; the first: offset)
///               N x length <u32>
///             kind bit 6 clear (the metas name timestamp blocks):
///               N x timestamp block step <u32> (its number in the timestamps section minus the
///                 previous meta's; the first: number + 1)
///             kind bit 6 set (own times):
///               N x count <u32> │ N x minTime step <i64> │ N x span <i64>
///               N x tsOffset back <u64> (offset - tsOffset) │ N x tsLength <u32>
///             kind bit 7 set (with statistics), last:
///               N x flags <u8> │ N x min <u64> │ N x max ^ min <u64> │ N x sum <u64>
///               N x first ^ min <u64> │ N x last ^ min <u64>
/// ```
/// `kind`: the field type in bits 0-5; bit 7 (`withStatistics`) set when the section's metas
/// carry statistics (each block its flags and five statistics), clear when every block of the
/// section is without them (`flags` = 2: what a rollup segment and string fields hold); bit 6
/// (`ownTimes`) set when the metas hold their own count and times. The writer gives sections
/// with statistics timestamp block numbers and the others own times (see below). In the type
/// byte rather than bytes of their own so a rollup section costs what it did before either.
///
/// Why a timestamps section: the fields of a row share one timestamp block, and a block's
/// count, time range and timestamp block are its timestamp block's. Stored once instead of in
/// every field's section (where no compressor sees the repeats across sections), they took
/// the raw index from more than the one-piece index of rows it replaces to less. Rollup
/// sections keep their own: their hour-aligned times cost little per section, and a read of
/// a few rollup columns would otherwise load the whole timestamps section.
/// Why columns of differences: one section holds one field of every series, whose metas
/// differ mostly by the series' size in `offset`; stored as rows of metas, zstd kept about
/// twice the bytes. Why XOR with `min`: a block's statistics are close in value, so their
/// 64-bit patterns share the high bytes (sign, exponent, leading mantissa) that XOR zeroes.
///
/// Readers turn a field section back into rows (`rows`): series <u32> │ blocks <u32> │ metas
/// of 44 or 85 bytes (`BlockMeta.encode`), the form `FlatSegmentIndex` indexes.
package struct SegmentSections: Sendable {
    /// Where one section's stored bytes lie (from the index start) and how to read them.
    package struct Section: Sendable {
        package var offset: Int
        package var stored: Int
        package var raw: Int
        package var crc: UInt32
        package var compressed: Bool
    }
    /// One field's section: its name, type, whether its metas carry statistics, and counts.
    package struct Field: Sendable {
        package var name: String
        package var nameBytes: [UInt8]
        package var type: FieldType
        package var statistics: Bool
        /// Whether the section's metas hold their own count and times (`ownTimes`) instead of
        /// naming a block of the timestamps section.
        package var ownTimes: Bool
        package var entries: Int
        package var blocks: Int
        package var section: Section
    }
    /// What a field block takes from its timestamp block.
    package struct TimestampBlock: Sendable, Equatable {
        var count: UInt32
        var minTime: UInt64
        var maxTime: UInt64
        var offset: UInt64
        var length: UInt32
    }

    package var seriesCount: Int
    package var keys: Section
    package var timestamps: Section
    package var fields: [Field]

    /// Fixed bytes of the directory before the field sections, and of one field section
    /// without its name.
    static let headerBytes = 4 + 4 + 4 + 13
    /// Bit 31 of the directory's field section count: a timestamps section follows the keys
    /// (absent when no section names a timestamp block, as in rollup segments, which then cost
    /// nothing for it).
    static let hasTimestamps: UInt32 = 1 << 31
    static let fieldBytes = 2 + 1 + 4 + 4 + 13
    /// Bit 7 of a field section's `kind` byte: its metas carry statistics.
    static let withStatistics: UInt8 = 0x80
    /// Bit 6 of a field section's `kind` byte: its metas hold their own count and times.
    static let ownTimes: UInt8 = 0x40
    /// The field type bits of `kind`.
    static let typeMask: UInt8 = 0x3F
    /// Bytes of a field section's entry header (series, blocks).
    static let entryBytes = 8
    /// Bytes per timestamp block in the timestamps section.
    static let timestampBlockBytes = 4 + 8 + 8 + 8 + 4
    /// Bytes per block meta in a field section's stored columns: offset and length, then its
    /// own count, times, timestamp block offset and length, or the step of the timestamp block
    /// it names; with statistics flags and five statistics.
    static func columnBytes(statistics: Bool, ownTimes: Bool) -> Int {
        8 + 4 + (ownTimes ? 4 + 8 + 8 + 8 + 4 : 4) + (statistics ? 1 + 5 * 8 : 0)
    }

    /// Bytes of a field section's stored columns.
    static func rawBytes(entries: Int, blocks: Int, statistics: Bool, ownTimes: Bool) -> Int {
        entries * entryBytes + blocks * columnBytes(statistics: statistics, ownTimes: ownTimes)
    }
    /// Bytes of a field section's rows (what `rows` returns).
    static func rowBytes(entries: Int, blocks: Int, statistics: Bool) -> Int {
        entries * entryBytes + blocks * SegmentFormat.blockMetaSize(statistics: statistics)
    }

    // MARK: - Writing

    /// The stored index (directory and sections) of `entries` (series sorted by key, fields
    /// sorted by name), and the directory's checksum (the footer's index crc).
    static func encode(_ entries: [(key: [UInt8], fields: [(name: [UInt8], type: FieldType, blocks: [BlockMeta])])]) -> (bytes: [UInt8], crc: UInt32) {
        func put<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        var keys: [UInt8] = []
        struct Key: Hashable { var name: [UInt8]; var type: UInt8 }
        // A section carries statistics when any of its blocks has them.
        var statistics: [Key: Bool] = [:]
        // Timestamp blocks, numbered in the order metas first name them (by offset).
        var timestampNumbers: [UInt64: UInt32] = [:]
        var timestampBlocks: [TimestampBlock] = []
        for entry in entries {
            for field in entry.fields where field.blocks.contains(where: { $0.flags & BlockMeta.noStats == 0 }) {
                statistics[Key(name: field.name, type: field.type.rawValue)] = true
            }
        }
        // Sections with statistics name timestamp blocks, the others hold their own times (see
        // `ownTimes`): number the blocks the former name.
        for entry in entries {
            for field in entry.fields where statistics[Key(name: field.name, type: field.type.rawValue)] == true {
                for b in field.blocks {
                    let ts = TimestampBlock(b)
                    if let n = timestampNumbers[b.timestampOffset] {
                        guard timestampBlocks[Int(n)] == ts else {
                            preconditionFailure("BUG: value blocks sharing the timestamp block at \(b.timestampOffset) disagree on its count or times")
                        }
                    } else {
                        timestampNumbers[b.timestampOffset] = UInt32(timestampBlocks.count)
                        timestampBlocks.append(ts)
                    }
                }
            }
        }
        var sections: [Key: (entries: Int, blocks: Int, raw: [UInt8])] = [:]
        for (s, entry) in entries.enumerated() {
            put(UInt16(entry.key.count), &keys)
            keys.append(contentsOf: entry.key)
            for field in entry.fields {
                let k = Key(name: field.name, type: field.type.rawValue)
                let withStatistics = statistics[k] ?? false
                var section = sections[k] ?? (0, 0, [])
                sections[k] = nil  // unique while appended to
                section.entries += 1
                section.blocks += field.blocks.count
                put(UInt32(s), &section.raw)
                put(UInt32(field.blocks.count), &section.raw)
                for b in field.blocks { b.encode(into: &section.raw, statistics: withStatistics) }
                sections[k] = section
            }
        }
        let order = sections.keys.sorted { $0.name == $1.name ? $0.type < $1.type : $0.name.lexicographicallyPrecedes($1.name) }
        // Each section compressed on its own; kept only when that saves 10% (the codecs'
        // second-stage rule).
        func pack(_ raw: [UInt8]) -> (stored: [UInt8], codec: UInt8) {
            var out: [UInt8] = []
            let packed = raw.withUnsafeBytes { try? Compressor.compress($0, using: .zstd(level: 3), appendingTo: &out) }
            return packed != nil && out.count * 10 <= raw.count * 9 ? (out, 1) : (raw, 0)
        }
        var body: [UInt8] = []
        var directory: [UInt8] = []
        func describe(_ raw: [UInt8]) {
            let (stored, codec) = pack(raw)
            put(UInt32(stored.count), &directory)
            put(UInt32(raw.count), &directory)
            put(CRC32C.checksum(stored), &directory)
            directory.append(codec)
            body.append(contentsOf: stored)
        }
        put(UInt32(entries.count), &directory)
        put(UInt32(order.count) | (timestampBlocks.isEmpty ? 0 : Self.hasTimestamps), &directory)
        describe(keys)
        if !timestampBlocks.isEmpty { describe(timestampColumns(timestampBlocks)) }
        for k in order {
            let section = sections[k]!
            let withStatistics = statistics[k] ?? false
            put(UInt16(k.name.count), &directory)
            directory.append(contentsOf: k.name)
            directory.append(k.type | (withStatistics ? Self.withStatistics : Self.ownTimes))
            put(UInt32(section.entries), &directory)
            put(UInt32(section.blocks), &directory)
            describe(section.raw.withUnsafeBytes {
                columns($0, entries: section.entries, blocks: section.blocks, statistics: withStatistics, ownTimes: !withStatistics,
                        timestampNumbers: timestampNumbers)
            })
        }
        var out: [UInt8] = []
        put(UInt32(directory.count + 4), &out)
        out.append(contentsOf: directory)
        let crc = CRC32C.checksum(out)
        out.append(contentsOf: body)
        return (out, crc)
    }

    // MARK: - Reading

    /// Parses and checks a directory: `stored` is the start of the index area (at least the
    /// directory), `indexLength` the whole area's length, `series` and `blocks` the footer's
    /// counts. `corrupt(what, offset in the index)` builds the error.
    static func parse(_ stored: UnsafeRawBufferPointer, indexLength: Int, series: Int, blocks: Int,
                      corrupt: (String, Int) -> ChargelineError) throws -> SegmentSections {
        guard stored.count >= headerBytes else { throw corrupt("index directory truncated", 0) }
        let length = Int(stored.loadLE(UInt32.self, at: 0))
        guard length >= headerBytes, length <= stored.count, length <= indexLength else {
            throw corrupt("index directory of \(length) bytes does not fit the \(indexLength)-byte index", 0)
        }
        let seriesCount = Int(stored.loadLE(UInt32.self, at: 4))
        let declared = stored.loadLE(UInt32.self, at: 8)
        let fieldCount = Int(declared & ~hasTimestamps)
        guard seriesCount == series else { throw corrupt("index directory lists \(seriesCount) series, the footer \(series)", 4) }
        guard fieldCount <= (length - headerBytes) / fieldBytes else { throw corrupt("index directory declares \(fieldCount) field sections in \(length) bytes", 8) }
        var p = 12
        var next = length  // where the next section's stored bytes start
        func section() throws -> Section {
            let s = Int(stored.loadLE(UInt32.self, at: p)), r = Int(stored.loadLE(UInt32.self, at: p + 4))
            let crc = stored.loadLE(UInt32.self, at: p + 8), codec = stored[p + 12]
            guard codec <= 1, codec == 1 || s == r, r <= SegmentFormat.maxIndexBytes, s <= indexLength - next else {
                throw corrupt("index section (stored \(s), raw \(r), codec \(codec)) is damaged or outside the index", p)
            }
            defer { p += 13; next += s }
            return Section(offset: next, stored: s, raw: r, crc: crc, compressed: codec == 1)
        }
        let keys = try section()
        guard keys.raw >= 2 * seriesCount else { throw corrupt("keys section of \(keys.raw) bytes for \(seriesCount) series", p - 13) }
        guard declared & hasTimestamps == 0 || length - p >= 13 else { throw corrupt("index directory truncated", p) }
        let timestamps = declared & hasTimestamps == 0 ? Section(offset: next, stored: 0, raw: 0, crc: 0, compressed: false) : try section()
        guard timestamps.raw % timestampBlockBytes == 0 else {
            throw corrupt("timestamps section of \(timestamps.raw) bytes is not a whole number of \(timestampBlockBytes)-byte blocks", p - 13)
        }
        var fields: [Field] = []
        fields.reserveCapacity(fieldCount)
        var total = 0, rows = keys.raw + timestamps.raw
        for _ in 0..<fieldCount {
            guard length - p >= 2 else { throw corrupt("index directory truncated", p) }
            let n = Int(stored.loadLE(UInt16.self, at: p))
            guard length - p >= fieldBytes + n else { throw corrupt("index directory truncated", p) }
            let nameBytes = Array(UnsafeRawBufferPointer(rebasing: stored[(p + 2)..<(p + 2 + n)]))
            p += 2 + n
            let kind = stored[p], statistics = kind & withStatistics != 0, own = kind & ownTimes != 0
            guard let type = FieldType(rawValue: kind & typeMask) else { throw corrupt("unknown field type \(kind & typeMask)", p) }
            let entries = Int(stored.loadLE(UInt32.self, at: p + 1)), count = Int(stored.loadLE(UInt32.self, at: p + 5))
            guard entries <= seriesCount else { throw corrupt("field section of \(entries) entries for \(seriesCount) series", p + 1) }
            p += 9
            let s = try section()
            guard count <= SegmentFormat.maxIndexBytes, s.raw == rawBytes(entries: entries, blocks: count, statistics: statistics, ownTimes: own) else {
                throw corrupt("field section of \(s.raw) bytes does not hold \(entries) entries and \(count) block metas", p - 13)
            }
            if let last = fields.last, !(last.nameBytes.lexicographicallyPrecedes(nameBytes) || (last.nameBytes == nameBytes && last.type.rawValue < type.rawValue)) {
                throw corrupt("field sections out of order", p)
            }
            total += count
            rows += rowBytes(entries: entries, blocks: count, statistics: statistics)
            fields.append(Field(name: String(decoding: nameBytes, as: UTF8.self), nameBytes: nameBytes, type: type,
                                statistics: statistics, ownTimes: own, entries: entries, blocks: count, section: s))
        }
        guard p == length, next == indexLength else { throw corrupt("index directory and sections do not fill the \(indexLength)-byte index", p) }
        // The limit for the whole index as a reader holds it, not per section: a damaged
        // directory must not have a read allocate gigabytes section after section.
        guard rows <= SegmentFormat.maxIndexBytes else {
            throw corrupt("index sections declare more than \(SegmentFormat.maxIndexBytes) bytes in all", 0)
        }
        guard total == blocks else { throw corrupt("field sections hold \(total) block metas, the footer \(blocks)", 0) }
        return SegmentSections(seriesCount: seriesCount, keys: keys, timestamps: timestamps, fields: fields)
    }

    // MARK: - Section transforms

    /// The timestamps section's stored columns (see above).
    static func timestampColumns(_ blocks: [TimestampBlock]) -> [UInt8] {
        let n = blocks.count
        var out = [UInt8](repeating: 0, count: n * timestampBlockBytes)
        out.withUnsafeMutableBytes { o in
            func store<T: FixedWidthInteger>(_ v: T, _ column: Int, _ k: Int) {
                o.storeBytes(of: v.littleEndian, toByteOffset: column + MemoryLayout<T>.size * k, as: T.self)
            }
            var previousMin: UInt64 = 0, previousOffset: UInt64 = 0
            for (k, b) in blocks.enumerated() {
                store(b.count, 0, k)
                store(b.minTime &- previousMin, 4 * n, k)
                store(b.maxTime &- b.minTime, 12 * n, k)
                store(b.offset &- previousOffset, 20 * n, k)
                store(b.length, 28 * n, k)
                previousMin = b.minTime
                previousOffset = b.offset
            }
        }
        return out
    }

    /// The timestamp blocks of a timestamps section's stored columns (the inverse of
    /// `timestampColumns`; the caller checked the size is a whole number of blocks).
    static func timestampBlocks(_ columns: UnsafeRawBufferPointer) -> [TimestampBlock] {
        let n = columns.count / timestampBlockBytes
        var out: [TimestampBlock] = []
        out.reserveCapacity(n)
        var minTime: UInt64 = 0, offset: UInt64 = 0
        for k in 0..<n {
            minTime = minTime &+ columns.loadLE(UInt64.self, at: 4 * n + 8 * k)
            offset = offset &+ columns.loadLE(UInt64.self, at: 20 * n + 8 * k)
            out.append(TimestampBlock(count: columns.loadLE(UInt32.self, at: 4 * k), minTime: minTime,
                                      maxTime: minTime &+ columns.loadLE(UInt64.self, at: 12 * n + 8 * k),
                                      offset: offset, length: columns.loadLE(UInt32.self, at: 28 * n + 4 * k)))
        }
        return out
    }

    /// Where the columns of a field section start (see the layout above).
    private struct ColumnStarts {
        let counts, offset, length, timestamp: Int
        let count, minTime, span, back, tsLength: Int  // own times
        let flags, min, max, sum, first, last: Int
        init(entries: Int, blocks n: Int, ownTimes: Bool) {
            counts = 4 * entries; offset = 8 * entries; length = offset + 8 * n; timestamp = length + 4 * n
            count = length + 4 * n; minTime = count + 4 * n; span = minTime + 8 * n; back = span + 8 * n; tsLength = back + 8 * n
            flags = ownTimes ? tsLength + 4 * n : timestamp + 4 * n
            min = flags + n; max = min + 8 * n; sum = max + 8 * n
            first = sum + 8 * n; last = first + 8 * n
        }
    }

    /// A field section's stored columns from its rows: `entries` times series <u32> │ blocks
    /// <u32> │ metas (`blocks` metas in all, with or without `statistics`), each meta's
    /// timestamp block named by its number in `timestampNumbers` (by timestamp offset).
    static func columns(_ rows: UnsafeRawBufferPointer, entries: Int, blocks: Int, statistics: Bool, ownTimes: Bool,
                        timestampNumbers: [UInt64: UInt32]) -> [UInt8] {
        let n = blocks, m = SegmentFormat.blockMetaSize(statistics: statistics)
        var out = [UInt8](repeating: 0, count: rawBytes(entries: entries, blocks: n, statistics: statistics, ownTimes: ownTimes))
        let c = ColumnStarts(entries: entries, blocks: n, ownTimes: ownTimes)
        out.withUnsafeMutableBytes { o in
            func store<T: FixedWidthInteger>(_ v: T, _ column: Int, _ k: Int) {
                o.storeBytes(of: v.littleEndian, toByteOffset: column + MemoryLayout<T>.size * k, as: T.self)
            }
            var p = 0, k = 0
            var previousSeries: UInt32 = .max, previousOffset: UInt64 = 0, previousNumber: UInt32 = .max, previousMin: UInt64 = 0
            for e in 0..<entries {
                let s = rows.loadLE(UInt32.self, at: p), b = Int(rows.loadLE(UInt32.self, at: p + 4))
                store(s &- previousSeries, 0, e)
                store(UInt32(b), c.counts, e)
                previousSeries = s
                p += entryBytes
                for _ in 0..<b {
                    let off = rows.loadLE(UInt64.self, at: p), lc = rows.loadLE(UInt64.self, at: p + 8)
                    store(off &- previousOffset, c.offset, k)
                    store(UInt32(truncatingIfNeeded: lc), c.length, k)
                    if ownTimes {
                        let lo = rows.loadLE(UInt64.self, at: p + 16)
                        store(UInt32(truncatingIfNeeded: lc >> 32), c.count, k)
                        store(lo &- previousMin, c.minTime, k)
                        store(rows.loadLE(UInt64.self, at: p + 24) &- lo, c.span, k)
                        store(off &- rows.loadLE(UInt64.self, at: p + 32), c.back, k)
                        store(rows.loadLE(UInt32.self, at: p + 40), c.tsLength, k)
                        previousMin = lo
                    } else {
                        guard let number = timestampNumbers[rows.loadLE(UInt64.self, at: p + 32)] else {
                            preconditionFailure("BUG: a block meta names a timestamp block the timestamps section lacks")
                        }
                        store(number &- previousNumber, c.timestamp, k)
                        previousNumber = number
                    }
                    if statistics {
                        let min = rows.loadLE(UInt64.self, at: p + 44)
                        store(rows[p + 84], c.flags, k)
                        store(min, c.min, k)
                        store(rows.loadLE(UInt64.self, at: p + 52) ^ min, c.max, k)
                        store(rows.loadLE(UInt64.self, at: p + 60), c.sum, k)
                        store(rows.loadLE(UInt64.self, at: p + 68) ^ min, c.first, k)
                        store(rows.loadLE(UInt64.self, at: p + 76) ^ min, c.last, k)
                    }
                    previousOffset = off
                    p += m
                    k += 1
                }
            }
        }
        return out
    }

    /// A field section's rows from its stored columns and the segment's timestamp blocks, the
    /// inverse of `columns`; throws (through `corrupt`) when the per-series block counts do not
    /// add up to `blocks` or a meta names a timestamp block that is not there.
    static func rows(_ columns: UnsafeRawBufferPointer, entries: Int, blocks: Int, statistics: Bool, ownTimes: Bool,
                     timestamps: [TimestampBlock], corrupt: (String) -> ChargelineError) throws -> [UInt8] {
        let n = blocks, m = SegmentFormat.blockMetaSize(statistics: statistics)
        guard columns.count == rawBytes(entries: entries, blocks: n, statistics: statistics, ownTimes: ownTimes) else {
            throw corrupt("field section of \(columns.count) bytes does not hold \(entries) entries and \(n) block metas")
        }
        var total = 0
        for e in 0..<entries { total += Int(columns.loadLE(UInt32.self, at: 4 * entries + 4 * e)) }
        guard total == n else { throw corrupt("field section's series hold \(total) block metas, its directory entry \(n)") }
        let c = ColumnStarts(entries: entries, blocks: n, ownTimes: ownTimes)
        var out = [UInt8](repeating: 0, count: rowBytes(entries: entries, blocks: n, statistics: statistics))
        try out.withUnsafeMutableBytes { o in
            func load<T: FixedWidthInteger>(_ column: Int, _ k: Int, as: T.Type) -> T {
                columns.loadLE(T.self, at: column + MemoryLayout<T>.size * k)
            }
            func store<T: FixedWidthInteger>(_ v: T, at q: Int) { o.storeBytes(of: v.littleEndian, toByteOffset: q, as: T.self) }
            var p = 0, k = 0
            var series: UInt32 = .max, off: UInt64 = 0, number: UInt32 = .max, lo: UInt64 = 0
            for e in 0..<entries {
                series = series &+ load(0, e, as: UInt32.self)
                let b = Int(load(c.counts, e, as: UInt32.self))
                store(series, at: p)
                store(UInt32(b), at: p + 4)
                p += entryBytes
                for _ in 0..<b {
                    off = off &+ load(c.offset, k, as: UInt64.self)
                    let ts: TimestampBlock
                    if ownTimes {
                        lo = lo &+ load(c.minTime, k, as: UInt64.self)
                        ts = TimestampBlock(count: load(c.count, k, as: UInt32.self), minTime: lo, maxTime: lo &+ load(c.span, k, as: UInt64.self),
                                            offset: off &- load(c.back, k, as: UInt64.self), length: load(c.tsLength, k, as: UInt32.self))
                    } else {
                        number = number &+ load(c.timestamp, k, as: UInt32.self)
                        guard Int(number) < timestamps.count else {
                            throw corrupt("block meta \(k) names timestamp block \(number) of \(timestamps.count)")
                        }
                        ts = timestamps[Int(number)]
                    }
                    store(off, at: p)
                    store(UInt64(load(c.length, k, as: UInt32.self)) | UInt64(ts.count) << 32, at: p + 8)
                    store(ts.minTime, at: p + 16)
                    store(ts.maxTime, at: p + 24)
                    store(ts.offset, at: p + 32)
                    store(ts.length, at: p + 40)
                    if statistics {
                        let min = load(c.min, k, as: UInt64.self)
                        store(min, at: p + 44)
                        store(load(c.max, k, as: UInt64.self) ^ min, at: p + 52)
                        store(load(c.sum, k, as: UInt64.self), at: p + 60)
                        store(load(c.first, k, as: UInt64.self) ^ min, at: p + 68)
                        store(load(c.last, k, as: UInt64.self) ^ min, at: p + 76)
                        store(load(c.flags, k, as: UInt8.self), at: p + 84)
                    }
                    p += m
                    k += 1
                }
            }
        }
        return out
    }

    /// The sections of the fields named in `fields` (all when nil), by position in `fields`.
    package func sections(for names: Set<String>?) -> [Int] {
        guard let names else { return Array(fields.indices) }
        return fields.indices.filter { names.contains(fields[$0].name) }
    }
}

extension SegmentSections.TimestampBlock {
    /// The timestamp block `meta` names, with the count and times it shares with it.
    init(_ meta: BlockMeta) {
        self.init(count: meta.count, minTime: UInt64(bitPattern: meta.minTime), maxTime: UInt64(bitPattern: meta.maxTime),
                  offset: meta.timestampOffset, length: meta.timestampLength)
    }
}

import ChargelineCodec
package import ChargelineCore

/// The sectioned index of a version-5 segment (docs/format.md, "Version 5: sectioned
/// index"): a small directory, then the series keys and one section per field, each with its
/// own checksum and compression. A reader loads the keys and the sections of the fields it
/// reads; the footer's index checksum covers the directory only.
///
/// Why: a rollup day of 20,000 series has 56 stored columns and a 72 MB index; a report reads
/// 5 to 30 of the columns, and its lookback only needs to know which series have rows (2
/// columns' metas) on each of the 7 days before. With one index they decompressed and parsed
/// every column's metas of 9 days (~0.6 s of CPU per report).
///
/// ```
/// directory:  directory length <u32> │ series <u32> │ field sections <u32>
///             keys:       stored <u32> │ raw <u32> │ crc <u32> │ codec <u8>
///             per field section, sorted by name bytes then type:
///               nameLen <u16> │ name │ type <u8> │ entries <u32> │ blocks <u32> │ stored <u32> │ raw <u32> │ crc <u32> │ codec <u8>
/// sections:   keys, then the field sections in directory order, back to back
/// keys:       per series, sorted by key bytes: keyLen <u16> │ key
/// field:      column by column, over the E series holding the field (ascending) and their
///             N block metas (in series order, then time order), differences wrapping:
///               E x series step <u32> (series - previous series; the first: series + 1)
///               E x blocks <u32>
///               N x offset step <u64> (offset - previous meta's offset; the first: offset)
///               N x length <u32> │ N x count <u32>
///               N x minTime step <i64> (minTime - previous meta's minTime; the first: minTime)
///               N x span <i64> (maxTime - minTime)
///               N x tsOffset back <u64> (offset - tsOffset) │ N x tsLength <u32>
/// ```
/// `codec` 0: stored as is (`stored` = `raw`); 1: one zstd frame of `raw` bytes.
///
/// Why columns of differences: a section lists one field of 20,000 series whose metas differ
/// by a series' bytes in offset and hardly at all in times and counts; as rows of 44-byte
/// metas, zstd kept ~12 bytes per meta, twice what the version-4 index took per meta.
/// Readers turn a section back into rows (`rows`): series <u32> │ blocks <u32> │ metas, the
/// form `FlatSegmentIndex` indexes.
package struct SegmentSections: Sendable {
    /// Where one section's stored bytes lie (from the index start) and how to read them.
    package struct Section: Sendable {
        package var offset: Int
        package var stored: Int
        package var raw: Int
        package var crc: UInt32
        package var compressed: Bool
    }
    /// One field's section: its name, type, and counts.
    package struct Field: Sendable {
        package var name: String
        package var nameBytes: [UInt8]
        package var type: FieldType
        package var entries: Int
        package var blocks: Int
        package var section: Section
    }

    package var seriesCount: Int
    package var keys: Section
    package var fields: [Field]

    /// Fixed bytes of the directory before the field sections, and of one field section
    /// without its name.
    static let headerBytes = 4 + 4 + 4 + 13
    static let fieldBytes = 2 + 1 + 4 + 4 + 13
    /// Bytes of a field section's entry header (series, blocks).
    static let entryBytes = 8
    /// The meta layout inside field sections.
    static let metaVersion = SegmentFormat.sectionedVersion

    // MARK: - Writing

    /// The stored index (directory and sections) of `entries` (series sorted by key, fields
    /// sorted by name), and the directory's checksum (the footer's index crc).
    static func encode(_ entries: [(key: [UInt8], fields: [(name: [UInt8], type: FieldType, blocks: [BlockMeta])])]) -> (bytes: [UInt8], crc: UInt32) {
        func put<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        var keys: [UInt8] = []
        struct Key: Hashable { var name: [UInt8]; var type: UInt8 }
        var sections: [Key: (entries: Int, blocks: Int, raw: [UInt8])] = [:]
        for (s, entry) in entries.enumerated() {
            put(UInt16(entry.key.count), &keys)
            keys.append(contentsOf: entry.key)
            for field in entry.fields {
                let k = Key(name: field.name, type: field.type.rawValue)
                var section = sections[k] ?? (0, 0, [])
                sections[k] = nil  // unique while appended to
                section.entries += 1
                section.blocks += field.blocks.count
                put(UInt32(s), &section.raw)
                put(UInt32(field.blocks.count), &section.raw)
                for b in field.blocks { b.encode(into: &section.raw, version: metaVersion) }
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
        put(UInt32(order.count), &directory)
        describe(keys)
        for k in order {
            let section = sections[k]!
            put(UInt16(k.name.count), &directory)
            directory.append(contentsOf: k.name)
            directory.append(k.type)
            put(UInt32(section.entries), &directory)
            put(UInt32(section.blocks), &directory)
            describe(section.raw.withUnsafeBytes { columns($0, entries: section.entries, blocks: section.blocks) })
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
        guard stored.count >= headerBytes else { throw corrupt("sectioned index directory truncated", 0) }
        let length = Int(stored.loadLE(UInt32.self, at: 0))
        guard length >= headerBytes, length <= stored.count, length <= indexLength else {
            throw corrupt("index directory of \(length) bytes does not fit the \(indexLength)-byte index", 0)
        }
        let seriesCount = Int(stored.loadLE(UInt32.self, at: 4))
        let fieldCount = Int(stored.loadLE(UInt32.self, at: 8))
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
        var fields: [Field] = []
        fields.reserveCapacity(fieldCount)
        var total = 0
        for _ in 0..<fieldCount {
            guard length - p >= 2 else { throw corrupt("index directory truncated", p) }
            let n = Int(stored.loadLE(UInt16.self, at: p))
            guard length - p >= fieldBytes + n else { throw corrupt("index directory truncated", p) }
            let nameBytes = Array(UnsafeRawBufferPointer(rebasing: stored[(p + 2)..<(p + 2 + n)]))
            p += 2 + n
            guard let type = FieldType(rawValue: stored[p]) else { throw corrupt("unknown field type \(stored[p])", p) }
            let entries = Int(stored.loadLE(UInt32.self, at: p + 1)), count = Int(stored.loadLE(UInt32.self, at: p + 5))
            guard entries <= seriesCount else { throw corrupt("field section of \(entries) entries for \(seriesCount) series", p + 1) }
            p += 9
            let s = try section()
            guard s.raw == entries * entryBytes + count * SegmentFormat.blockMetaSizeV4 else {
                throw corrupt("field section of \(s.raw) bytes does not hold \(entries) entries and \(count) block metas", p - 13)
            }
            if let last = fields.last, !(last.nameBytes.lexicographicallyPrecedes(nameBytes) || (last.nameBytes == nameBytes && last.type.rawValue < type.rawValue)) {
                throw corrupt("field sections out of order", p)
            }
            total += count
            fields.append(Field(name: String(decoding: nameBytes, as: UTF8.self), nameBytes: nameBytes, type: type,
                                entries: entries, blocks: count, section: s))
        }
        guard p == length, next == indexLength else { throw corrupt("index directory and sections do not fill the \(indexLength)-byte index", p) }
        // The version-4 limit for the whole index, not per section: a damaged directory must
        // not have a read allocate gigabytes section after section.
        guard fields.reduce(keys.raw, { $0 + $1.section.raw }) <= SegmentFormat.maxIndexBytes else {
            throw corrupt("index sections declare more than \(SegmentFormat.maxIndexBytes) bytes in all", 0)
        }
        guard total == blocks else { throw corrupt("field sections hold \(total) block metas, the footer \(blocks)", 0) }
        return SegmentSections(seriesCount: seriesCount, keys: keys, fields: fields)
    }

    // MARK: - Section transforms

    /// A field section's stored (raw) form from its rows: `entries` times series <u32> │
    /// blocks <u32> │ metas (`blocks` metas in all), as columns of differences (see above).
    static func columns(_ rows: UnsafeRawBufferPointer, entries: Int, blocks: Int) -> [UInt8] {
        let n = blocks, m = SegmentFormat.blockMetaSizeV4
        var out = [UInt8](repeating: 0, count: entries * entryBytes + n * m)
        out.withUnsafeMutableBytes { o in
            // Column starts: series, blocks, then the seven meta columns.
            let series = 0, counts = 4 * entries, offset = 8 * entries, length = offset + 8 * n, count = length + 4 * n
            let minTime = count + 4 * n, span = minTime + 8 * n, back = span + 8 * n, tsLength = back + 8 * n
            var p = 0, k = 0
            var previousSeries: UInt32 = .max, previousOffset: UInt64 = 0, previousMin: UInt64 = 0
            for e in 0..<entries {
                let s = rows.loadLE(UInt32.self, at: p), b = Int(rows.loadLE(UInt32.self, at: p + 4))
                o.storeBytes(of: (s &- previousSeries).littleEndian, toByteOffset: series + 4 * e, as: UInt32.self)
                o.storeBytes(of: UInt32(b).littleEndian, toByteOffset: counts + 4 * e, as: UInt32.self)
                previousSeries = s
                p += entryBytes
                for _ in 0..<b {
                    let off = rows.loadLE(UInt64.self, at: p), lc = rows.loadLE(UInt64.self, at: p + 8)
                    let lo = rows.loadLE(UInt64.self, at: p + 16), hi = rows.loadLE(UInt64.self, at: p + 24)
                    let ts = rows.loadLE(UInt64.self, at: p + 32), tl = rows.loadLE(UInt32.self, at: p + 40)
                    o.storeBytes(of: (off &- previousOffset).littleEndian, toByteOffset: offset + 8 * k, as: UInt64.self)
                    o.storeBytes(of: UInt32(truncatingIfNeeded: lc).littleEndian, toByteOffset: length + 4 * k, as: UInt32.self)
                    o.storeBytes(of: UInt32(truncatingIfNeeded: lc >> 32).littleEndian, toByteOffset: count + 4 * k, as: UInt32.self)
                    o.storeBytes(of: (lo &- previousMin).littleEndian, toByteOffset: minTime + 8 * k, as: UInt64.self)
                    o.storeBytes(of: (hi &- lo).littleEndian, toByteOffset: span + 8 * k, as: UInt64.self)
                    o.storeBytes(of: (off &- ts).littleEndian, toByteOffset: back + 8 * k, as: UInt64.self)
                    o.storeBytes(of: tl.littleEndian, toByteOffset: tsLength + 4 * k, as: UInt32.self)
                    previousOffset = off
                    previousMin = lo
                    p += m
                    k += 1
                }
            }
        }
        return out
    }

    /// A field section's rows from its stored (raw) form, the inverse of `columns`; throws
    /// (through `corrupt`) when the per-series block counts do not add up to `blocks`.
    static func rows(_ columns: UnsafeRawBufferPointer, entries: Int, blocks: Int, corrupt: (String) -> ChargelineError) throws -> [UInt8] {
        let n = blocks, m = SegmentFormat.blockMetaSizeV4
        guard columns.count == entries * entryBytes + n * m else { throw corrupt("field section of \(columns.count) bytes does not hold \(entries) entries and \(n) block metas") }
        var total = 0
        for e in 0..<entries { total += Int(columns.loadLE(UInt32.self, at: 4 * entries + 4 * e)) }
        guard total == n else { throw corrupt("field section's series hold \(total) block metas, its directory entry \(n)") }
        var out = [UInt8](repeating: 0, count: columns.count)
        out.withUnsafeMutableBytes { o in
            let counts = 4 * entries, offset = 8 * entries, length = offset + 8 * n, count = length + 4 * n
            let minTime = count + 4 * n, span = minTime + 8 * n, back = span + 8 * n, tsLength = back + 8 * n
            var p = 0, k = 0
            var series: UInt32 = .max, off: UInt64 = 0, lo: UInt64 = 0
            for e in 0..<entries {
                series = series &+ columns.loadLE(UInt32.self, at: 4 * e)
                let b = Int(columns.loadLE(UInt32.self, at: counts + 4 * e))
                o.storeBytes(of: series.littleEndian, toByteOffset: p, as: UInt32.self)
                o.storeBytes(of: UInt32(b).littleEndian, toByteOffset: p + 4, as: UInt32.self)
                p += entryBytes
                for _ in 0..<b {
                    off = off &+ columns.loadLE(UInt64.self, at: offset + 8 * k)
                    lo = lo &+ columns.loadLE(UInt64.self, at: minTime + 8 * k)
                    let lc = UInt64(columns.loadLE(UInt32.self, at: length + 4 * k)) | UInt64(columns.loadLE(UInt32.self, at: count + 4 * k)) << 32
                    o.storeBytes(of: off.littleEndian, toByteOffset: p, as: UInt64.self)
                    o.storeBytes(of: lc.littleEndian, toByteOffset: p + 8, as: UInt64.self)
                    o.storeBytes(of: lo.littleEndian, toByteOffset: p + 16, as: UInt64.self)
                    o.storeBytes(of: (lo &+ columns.loadLE(UInt64.self, at: span + 8 * k)).littleEndian, toByteOffset: p + 24, as: UInt64.self)
                    o.storeBytes(of: (off &- columns.loadLE(UInt64.self, at: back + 8 * k)).littleEndian, toByteOffset: p + 32, as: UInt64.self)
                    o.storeBytes(of: columns.loadLE(UInt32.self, at: tsLength + 4 * k).littleEndian, toByteOffset: p + 40, as: UInt32.self)
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

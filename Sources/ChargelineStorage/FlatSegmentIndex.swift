package import ChargelineCore
import Foundation

/// A segment's index (docs/format/segment.md, "Index") parsed into flat arrays: one entry
/// per series and one per (series, field) of the loaded field sections, with field names
/// interned per segment and block metas left in the section bytes until asked for.
///
/// Why: a rollup segment holds one block per series per stored column (a day of 20,000 series
/// is ~1.6 M blocks), and parsing that into `SegmentIndex` (an array of fields per series, an
/// array of metas and a `String` per field) allocated several times per entry, which made
/// the parse a large part of a report. Here the parse allocates nothing per series or field
/// (names repeat from one series to the next and are matched by bytes against the previous
/// series' field at the same position), and a reader that wants 25 of 80 fields decodes only
/// those fields' metas.
///
/// Immutable after parsing; safe to share between threads.
package struct FlatSegmentIndex: Sendable {
    /// The keys section (uncompressed).
    private let raw: [UInt8]
    /// Per series: where its key lies in `raw`, and its first field entry (`fieldStart` has
    /// one more element: the end of the last series' entries).
    private var keyStart: [UInt32] = []
    private var keyLength: [UInt16] = []
    private var fieldStart: [UInt32] = [0]
    /// Per (series, field) entry, in index order.
    private var nameIDs: [UInt32] = []
    private var types: [FieldType] = []
    private var blockCounts: [UInt32] = []
    private var metaOffsets: [UInt32] = []
    /// Distinct field names of the segment, by name ID.
    package private(set) var names: [String] = []
    private var nameBytes: [[UInt8]] = []
    /// The directory (`SegmentSections`), which of its field sections are loaded (their rows
    /// in `sectionBytes` and their meta size in `sectionMetaSize`, in load order), and per
    /// entry the position in `sectionBytes` its metas lie in.
    package let directory: SegmentSections
    private var loaded: [Bool] = []
    private var loadedSections: [Int] = []
    private var sectionBytes: [[UInt8]] = []
    private var sectionMetaSize: [Int] = []
    private var entrySection: [UInt32] = []

    /// Parses sections (`SegmentSections`): the `keys` section and the field sections
    /// `loaded` (directory position -> raw bytes, as rows). Entries exist for the loaded
    /// fields only; `covers` says which reads this index can answer.
    init(keys: [UInt8], directory: SegmentSections, loaded: [Int: [UInt8]], corrupt: (String, Int) -> ChargelineError) throws {
        raw = keys
        self.directory = directory
        let seriesCount = directory.seriesCount
        guard keys.count < Int(UInt32.max) else { throw corrupt("keys section of \(keys.count) bytes is above 4 GiB", directory.keys.offset) }
        keyStart.reserveCapacity(seriesCount)
        keyLength.reserveCapacity(seriesCount)
        try keys.withUnsafeBytes { k in
            var p = 0
            for _ in 0..<seriesCount {
                guard k.count - p >= 2 else { throw corrupt("keys section truncated", directory.keys.offset) }
                let n = Int(k.loadLE(UInt16.self, at: p)); p += 2
                guard k.count - p >= n else { throw corrupt("keys section truncated", directory.keys.offset) }
                keyStart.append(UInt32(p))
                keyLength.append(UInt16(n))
                p += n
            }
            guard p == k.count else { throw corrupt("keys section has \(k.count - p) bytes after its \(seriesCount) keys", directory.keys.offset) }
        }
        // Names in section order (sorted, so a name's sections are adjacent).
        var sectionName: [UInt32] = []
        for f in directory.fields {
            if nameBytes.last != f.nameBytes {
                names.append(f.name)
                nameBytes.append(f.nameBytes)
            }
            sectionName.append(UInt32(names.count - 1))
        }
        self.loaded = [Bool](repeating: false, count: directory.fields.count)
        for i in directory.fields.indices {
            guard let bytes = loaded[i] else { continue }
            let f = directory.fields[i]
            guard bytes.count == SegmentSections.rowBytes(entries: f.entries, blocks: f.blocks, statistics: f.statistics) else { throw corrupt("field section \"\(directory.fields[i].name)\" is not its declared size", directory.fields[i].section.offset) }
            self.loaded[i] = true
            loadedSections.append(i)
            sectionBytes.append(bytes)
            sectionMetaSize.append(SegmentFormat.blockMetaSize(statistics: directory.fields[i].statistics))
        }
        // Entries grouped by series, in name order within each (sections are in name order):
        // count per series, then place each section's entries.
        var counts = [UInt32](repeating: 0, count: seriesCount + 1)
        for (j, i) in loadedSections.enumerated() {
            let f = directory.fields[i]
            let at = f.section.offset, metaSize = sectionMetaSize[j]
            try sectionBytes[j].withUnsafeBytes { r in
                var p = 0, previous = -1
                for _ in 0..<f.entries {
                    let series = Int(r.loadLE(UInt32.self, at: p)), blocks = Int(r.loadLE(UInt32.self, at: p + 4))
                    guard series > previous, series < seriesCount else {
                        throw corrupt("field section \"\(f.name)\" lists series \(series) after \(previous) of \(seriesCount)", at)
                    }
                    guard blocks <= (r.count - p - 8) / metaSize else { throw corrupt("field section \"\(f.name)\" truncated", at) }
                    previous = series
                    counts[series + 1] += 1
                    p += 8 + blocks * metaSize
                }
                guard p == r.count else { throw corrupt("field section \"\(f.name)\" has \(r.count - p) bytes after its entries", at) }
            }
        }
        for s in 0..<seriesCount { counts[s + 1] += counts[s] }
        fieldStart = counts
        let total = Int(counts[seriesCount])
        nameIDs = [UInt32](repeating: 0, count: total)
        types = [FieldType](repeating: .float, count: total)
        blockCounts = [UInt32](repeating: 0, count: total)
        metaOffsets = [UInt32](repeating: 0, count: total)
        entrySection = [UInt32](repeating: 0, count: total)
        var cursor = counts
        for (j, i) in loadedSections.enumerated() {
            let f = directory.fields[i], metaSize = sectionMetaSize[j]
            sectionBytes[j].withUnsafeBytes { r in
                var p = 0
                for _ in 0..<f.entries {
                    let series = Int(r.loadLE(UInt32.self, at: p)), blocks = r.loadLE(UInt32.self, at: p + 4)
                    let e = Int(cursor[series])
                    cursor[series] += 1
                    nameIDs[e] = sectionName[i]
                    types[e] = f.type
                    blockCounts[e] = blocks
                    metaOffsets[e] = UInt32(p + 8)
                    entrySection[e] = UInt32(j)
                    p += 8 + Int(blocks) * metaSize
                }
            }
        }
    }

    /// Whether this index holds the entries of every field in `fields` (all when nil) that
    /// the segment has.
    package func covers(_ fields: Set<String>?) -> Bool {
        directory.sections(for: fields).allSatisfy { loaded[$0] }
    }

    /// The rows of the loaded field sections, by directory position (what a
    /// wider index is built from without reading them again).
    package var loadedSectionBytes: [Int: [UInt8]] {
        Dictionary(uniqueKeysWithValues: zip(loadedSections, sectionBytes))
    }

    /// The keys section.
    package var keyBytes: [UInt8] { raw }

    /// Bytes of the (uncompressed) index held.
    package var bytes: Int { raw.count + sectionBytes.reduce(0) { $0 + $1.count } }

    /// Memory this index holds (its bytes and arrays), for `SegmentIndexCache`.
    package var memoryBytes: Int {
        bytes + 4 * (keyStart.count + fieldStart.count + nameIDs.count + blockCounts.count + metaOffsets.count)
            + 2 * keyLength.count + 4 * entrySection.count + types.count + nameBytes.reduce(0) { $0 + $1.count + 32 }
    }
    /// Number of series.
    package var seriesCount: Int { keyStart.count }

    /// The key of series `s` (a slice of the index bytes: no copy).
    package func key(_ s: Int) -> ArraySlice<UInt8> {
        let start = Int(keyStart[s])
        return raw[start..<(start + Int(keyLength[s]))]
    }

    /// The field entries of series `s` (indexes for `nameID(ofEntry:)` and the rest), in
    /// name order.
    package func entries(of s: Int) -> Range<Int> { Int(fieldStart[s])..<Int(fieldStart[s + 1]) }

    /// The name ID of entry `e` (an index into `names`).
    package func nameID(ofEntry e: Int) -> Int { Int(nameIDs[e]) }
    /// The type of entry `e`.
    package func type(ofEntry e: Int) -> FieldType { types[e] }
    /// The number of blocks of entry `e`.
    package func blockCount(ofEntry e: Int) -> Int { Int(blockCounts[e]) }

    /// Block meta `i` (in time order) of entry `e`, decoded from the index bytes.
    package func block(_ i: Int, ofEntry e: Int) -> BlockMeta {
        precondition(i >= 0 && i < Int(blockCounts[e]), "BUG: block \(i) of an entry with \(blockCounts[e])")
        let j = Int(entrySection[e]), size = sectionMetaSize[j]
        return sectionBytes[j].withUnsafeBytes {
            BlockMeta.decode($0, at: Int(metaOffsets[e]) + i * size, statistics: size == SegmentFormat.blockMetaSizeWithStatistics)
        }
    }

    /// Where the series `key` is (series are sorted by key bytes), if there.
    package func position(of key: some Collection<UInt8>) -> Int? {
        let probe = Array(key)
        return probe.withUnsafeBytes { k in
            raw.withUnsafeBytes { r -> Int? in
                func compare(_ s: Int) -> Int {
                    let a = UnsafeRawBufferPointer(rebasing: r[Int(keyStart[s])..<(Int(keyStart[s]) + Int(keyLength[s]))])
                    let n = min(a.count, k.count)
                    let c = n == 0 ? 0 : memcmp(a.baseAddress!, k.baseAddress!, n)
                    return c != 0 ? Int(c) : a.count - k.count
                }
                var lo = 0, hi = keyStart.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if compare(mid) < 0 { lo = mid + 1 } else { hi = mid }
                }
                return lo < keyStart.count && compare(lo) == 0 ? lo : nil
            }
        }
    }

    /// The same index as nested arrays (what compaction and scans walk).
    package func materialized() -> SegmentIndex {
        var series: [SegmentIndex.Series] = []
        series.reserveCapacity(seriesCount)
        for s in 0..<seriesCount {
            let fields = entries(of: s).map { e in
                SegmentIndex.Field(name: names[nameID(ofEntry: e)], type: types[e],
                                   blocks: (0..<blockCount(ofEntry: e)).map { block($0, ofEntry: e) })
            }
            series.append(.init(key: Array(key(s)), fields: fields))
        }
        return SegmentIndex(series: series, bytes: bytes)
    }
}

package import ChargelineCore
import Foundation

/// A segment's index (docs/format.md, "Segment files") parsed into flat arrays: one entry
/// per series and one per (series, field), with field names interned per segment and block
/// metas left in the index bytes until asked for.
///
/// Why: a rollup segment holds one block per series per stored column (a day of 20,000 guns
/// is ~1.6 M blocks), and parsing that into `SegmentIndex` (an array of fields per series, an
/// array of metas and a `String` per field) allocated several times per entry and took ~1.6 µs
/// per block, seconds per report. Here the parse allocates nothing per series or field
/// (names repeat from one series to the next and are matched by bytes against the previous
/// series' field at the same position), and a reader that wants 25 of 80 fields decodes only
/// those fields' metas. Same bytes, same checks: not a format change.
///
/// Immutable after parsing; safe to share between threads.
package struct FlatSegmentIndex: Sendable {
    /// The (uncompressed) index bytes.
    private let raw: [UInt8]
    private let version: UInt16
    private let metaSize: Int
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

    /// Parses and checks index bytes of segment `version`; `corrupt(what, offset in raw)`
    /// builds the error for damage. `expectedEntries` (the footer's block count, an upper
    /// bound of the (series, field) entries, as every entry has a block) sizes the entry
    /// arrays up front: growing them by doubling copied ~40 MB and faulted in twice the
    /// pages for a rollup day's 1.6 M entries. Only a hint: capped by what the bytes can hold.
    init(raw: [UInt8], version: UInt16, expectedEntries: Int = 0, corrupt: (String, Int) -> ChargelineError) throws {
        self.raw = raw
        self.version = version
        metaSize = SegmentFormat.blockMetaSize(version: version)
        guard raw.count < Int(UInt32.max) else { throw corrupt("index of \(raw.count) bytes is above 4 GiB", 0) }
        var ids: [[UInt8]: UInt32] = [:]
        var (keyStart, keyLength, fieldStart) = ([UInt32](), [UInt16](), [UInt32]([0]))
        var (nameIDs, types, blockCounts, metaOffsets) = ([UInt32](), [FieldType](), [UInt32](), [UInt32]())
        var names: [String] = [], nameBytes: [[UInt8]] = []
        let metaSize = self.metaSize
        try raw.withUnsafeBytes { raw in
            var p = 0
            func need(_ n: Int) throws {
                guard raw.count - p >= n else { throw corrupt("index truncated", p) }
            }
            try need(4)
            let seriesCount = Int(raw.loadLE(UInt32.self, at: p)); p += 4
            // Each series takes at least 4 bytes: a corrupt count must not reserve gigabytes.
            guard seriesCount <= raw.count / 4 else { throw corrupt("index declares \(seriesCount) series in \(raw.count) bytes", 0) }
            // An entry takes at least 7 bytes (name length, type, block count).
            let entries = min(max(expectedEntries, 0), raw.count / 7)
            nameIDs.reserveCapacity(entries)
            types.reserveCapacity(entries)
            blockCounts.reserveCapacity(entries)
            metaOffsets.reserveCapacity(entries)
            keyStart.reserveCapacity(seriesCount)
            keyLength.reserveCapacity(seriesCount)
            fieldStart.reserveCapacity(seriesCount + 1)
            var previous = 0..<0  // the previous series' entries: name hints by position
            for _ in 0..<seriesCount {
                try need(2)
                let keyLen = Int(raw.loadLE(UInt16.self, at: p)); p += 2
                try need(keyLen + 2)
                keyStart.append(UInt32(p))
                keyLength.append(UInt16(keyLen))
                p += keyLen
                let fieldCount = Int(raw.loadLE(UInt16.self, at: p)); p += 2
                let first = nameIDs.count
                for k in 0..<fieldCount {
                    try need(2)
                    let nameLen = Int(raw.loadLE(UInt16.self, at: p)); p += 2
                    try need(nameLen + 5)
                    let name = UnsafeRawBufferPointer(rebasing: raw[p..<(p + nameLen)])
                    var id = UInt32.max
                    if k < previous.count {
                        let hint = nameIDs[previous.lowerBound + k]
                        if nameBytes[Int(hint)].withUnsafeBytes({ $0.elementsEqual(name) }) { id = hint }
                    }
                    if id == .max {
                        let bytes = Array(name)
                        if let known = ids[bytes] {
                            id = known
                        } else {
                            id = UInt32(names.count)
                            ids[bytes] = id
                            names.append(String(decoding: bytes, as: UTF8.self))
                            nameBytes.append(bytes)
                        }
                    }
                    p += nameLen
                    guard let type = FieldType(rawValue: raw[p]) else { throw corrupt("unknown field type \(raw[p])", p) }
                    p += 1
                    let blockCount = Int(raw.loadLE(UInt32.self, at: p)); p += 4
                    guard blockCount <= (raw.count - p) / metaSize else { throw corrupt("index truncated", p) }
                    nameIDs.append(id)
                    types.append(type)
                    blockCounts.append(UInt32(blockCount))
                    metaOffsets.append(UInt32(p))
                    p += blockCount * metaSize
                }
                previous = first..<nameIDs.count
                fieldStart.append(UInt32(nameIDs.count))
            }
        }
        (self.keyStart, self.keyLength, self.fieldStart) = (keyStart, keyLength, fieldStart)
        (self.nameIDs, self.types, self.blockCounts, self.metaOffsets) = (nameIDs, types, blockCounts, metaOffsets)
        (self.names, self.nameBytes) = (names, nameBytes)
    }

    /// Bytes of the (uncompressed) index.
    package var bytes: Int { raw.count }

    /// Memory this index holds (its bytes and arrays), for `SegmentIndexCache`.
    package var memoryBytes: Int {
        raw.count + 4 * (keyStart.count + fieldStart.count + nameIDs.count + blockCounts.count + metaOffsets.count)
            + 2 * keyLength.count + types.count + nameBytes.reduce(0) { $0 + $1.count + 32 }
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
        return raw.withUnsafeBytes { BlockMeta.decode($0, at: Int(metaOffsets[e]) + i * metaSize, version: version) }
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
        return SegmentIndex(series: series, bytes: raw.count)
    }
}

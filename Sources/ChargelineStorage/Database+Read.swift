package import ChargelineCore
import Foundation

extension Database {
    /// Reads the series of `measurement` (all of them, or only `seriesKey`), the named fields
    /// (all when nil), with timestamps in `range`. Merges segments, flushing heads and the
    /// active head through the one `MergedReader`; where several hold the same (series, field,
    /// timestamp) the newest write wins. Prunes partitions, segments, blocks and head chunks by
    /// time before reading. Many series are read on all cores (results in key order as always).
    package func read(measurement: String, seriesKey: [UInt8]? = nil, fields: Set<String>? = nil,
                      range: TimeRange) throws -> [SeriesReadResult] {
        try readMap(measurement: measurement, seriesKey: seriesKey, fields: fields, range: range) { key, columns in
            SeriesReadResult(key: key, columns: columns)
        }
    }

    /// Like `read`, with `transform(key, columns)` applied to each series on the thread that
    /// read it (nil drops the series): per-series work after the read runs in parallel too.
    /// With `seriesKeys`, only those series.
    package func readMap<T: Sendable>(measurement: String, seriesKey: [UInt8]? = nil, seriesKeys: Set<[UInt8]>? = nil,
                                      fields: Set<String>? = nil, range: TimeRange,
                                      _ transform: @Sendable ([UInt8], [FieldColumn]) throws -> T?) throws -> [T] {
        let reader = try readPlan(measurement: measurement, seriesKey: seriesKey, seriesKeys: seriesKeys, fields: fields, range: range)
        let keys = reader.keys
        // Below ~1000 series the threads cost more than they save.
        let threads = min(ProcessInfo.processInfo.activeProcessorCount, keys.count / 1024, 16)
        if threads <= 1 {
            var scratch = MergedReader.Scratch()
            return try keys.compactMap { key in try reader.columns(of: key, scratch: &scratch).flatMap { try transform(key, $0) } }
        }
        let parts = try Parallel.map(threads) { t in
            var scratch = MergedReader.Scratch()
            var out: [T] = []
            for key in keys[(keys.count * t / threads)..<(keys.count * (t + 1) / threads)] {
                if let columns = try reader.columns(of: key, scratch: &scratch), let r = try transform(key, columns) { out.append(r) }
            }
            return out
        }
        return Array(parts.joined())
    }

    /// Like `read`, but hands over one series at a time in key order, so memory holds one
    /// series' data, not the measurement's (rollups and exports stream through this).
    /// With `seriesKeys`, only those series (one plan for many chosen series: what the
    /// recomputation of stale rollup buckets reads).
    package func forEachSeries(measurement: String, seriesKey: [UInt8]? = nil, seriesKeys: Set<[UInt8]>? = nil,
                               fields: Set<String>? = nil, range: TimeRange,
                               _ body: (SeriesReadResult) throws -> Void) throws {
        let reader = try readPlan(measurement: measurement, seriesKey: seriesKey, seriesKeys: seriesKeys, fields: fields, range: range)
        var scratch = MergedReader.Scratch()
        for key in reader.keys {
            if let columns = try reader.columns(of: key, scratch: &scratch) { try body(SeriesReadResult(key: key, columns: columns)) }
        }
    }

    /// The reader of one `read`: every matching key of any source, the wanted fields present.
    func readPlan(measurement: String, seriesKey: [UInt8]?, seriesKeys: Set<[UInt8]>? = nil, fields: Set<String>?,
                          range: TimeRange) throws -> MergedReader {
        let prefix = Self.measurementPrefix(measurement)
        let matches: (ArraySlice<UInt8>) -> Bool = { key in
            if let seriesKey { return key.elementsEqual(seriesKey) }
            guard Self.isSeries(key, ofMeasurement: prefix) else { return false }
            if let seriesKeys { return seriesKeys.contains(Array(key)) }
            return true
        }
        return try mergedReader(keys: seriesKey.map { [$0] }, matching: matches, fields: .present(fields), range: range, listKeys: true)
    }

    /// Snapshots the sources of a read: under the lock the segment list, the frozen heads and
    /// the active head's wanted series (references and counts: no values copied, so writers
    /// wait only for that walk); the frozen heads (immutable) and the segment indexes after it.
    /// `keys`: only those series (looked up, not matched by walking every key).
    func mergedReader(keys: [[UInt8]]?, matching matches: (ArraySlice<UInt8>) -> Bool, fields: MergedReader.Fields,
                      range: TimeRange, listKeys: Bool) throws -> MergedReader {
        let wantedNames: Set<[UInt8]>? = switch fields {
        case .ordered(let list): Set(list.map { Array($0.utf8) })
        case .present(let set): set.map { Set($0.map { Array($0.utf8) }) }
        }
        lock.lock()
        let segments = segmentSet.overlapping(range)
        let frozenHeads = frozen.map(\.head)
        var headSeqs = frozen.map(\.seq)
        let activeSnapshot = active.isEmpty ? nil : active.snapshot(keys: keys, matching: matches, wanted: wantedNames)
        let tombstones = segmentSet.tombstoneFilter()
        lock.unlock()
        var heads = frozenHeads.map { $0.snapshot(keys: keys, matching: matches, wanted: wantedNames) }
        if let activeSnapshot {
            heads.append(activeSnapshot)
            headSeqs.append(.max)
        }
        return try MergedReader(segments: segments, heads: heads, headSeqs: headSeqs, tombstones: tombstones, fields: fields,
                                range: range, listKeys: listKeys, matches: matches)
    }

    /// The escaped measurement name that starts the keys of its series.
    static func measurementPrefix(_ measurement: String) -> [UInt8] {
        var prefix: [UInt8] = []
        SeriesKey.appendEscaped(Array(measurement.utf8), into: &prefix, isMeasurement: true)
        return prefix
    }

    /// Whether `key` is a series key of the measurement whose escaped name is `prefix`.
    @inline(__always)
    static func isSeries(_ key: ArraySlice<UInt8>, ofMeasurement prefix: [UInt8]) -> Bool {
        guard key.count >= prefix.count, key.prefix(prefix.count).elementsEqual(prefix) else { return false }
        return key.count == prefix.count || key[key.startIndex + prefix.count] == UInt8(ascii: ",")
    }

    /// The union of two sorted, duplicate-free key lists, sorted and duplicate-free.
    static func mergeSorted(_ a: [[UInt8]], _ b: [[UInt8]]) -> [[UInt8]] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        if a == b { return a }
        var out: [[UInt8]] = []
        out.reserveCapacity(max(a.count, b.count))
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i].lexicographicallyPrecedes(b[j]) {
                out.append(a[i]); i += 1
            } else if b[j].lexicographicallyPrecedes(a[i]) {
                out.append(b[j]); j += 1
            } else {
                out.append(a[i]); i += 1; j += 1
            }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    /// The flat indexes of `segments` holding at least `fields` (all when nil), loading
    /// what is not loaded yet on all cores (a rollup day's index is ~72 MB of block metas).
    static func loadFlatIndexes(_ segments: [SegmentReader], fields: Set<String>?) throws -> [FlatSegmentIndex] {
        try Parallel.map(segments.count) { try segments[$0].loadFlatIndex(fields: fields) }
    }

    /// Measurement names present in the database (every measurement with a field in the
    /// schema, which covers the head and all segments).
    package func measurements() -> [String] {
        lock.lock(); defer { lock.unlock() }
        return schema.measurements.keys.sorted()
    }
}

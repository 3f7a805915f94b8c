package import ChargelineCore
import Foundation

extension Database {
    /// Reads the series of `measurement` (all of them, or only `seriesKey`), the named fields
    /// (all when nil), with timestamps in `range`. Merges segments, flushing heads and the
    /// active head; where several hold the same (series, field, timestamp) the newest write
    /// wins. Prunes partitions, segments and blocks by time before reading. Many series are
    /// read on all cores (results in key order as always).
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
        let plan = try readPlan(measurement: measurement, seriesKey: seriesKey, seriesKeys: seriesKeys, fields: fields, range: range)
        let keys = plan.keys
        // Below ~1000 series the threads cost more than they save.
        let threads = min(ProcessInfo.processInfo.activeProcessorCount, keys.count / 1024, 16)
        if threads <= 1 {
            var scratch = ReadPlan.Scratch()
            return try keys.compactMap { key in try plan.columns(of: key, scratch: &scratch).flatMap { try transform(key, $0) } }
        }
        let parts = try Parallel.map(threads) { t in
            var scratch = ReadPlan.Scratch()
            var out: [T] = []
            for key in keys[(keys.count * t / threads)..<(keys.count * (t + 1) / threads)] {
                if let columns = try plan.columns(of: key, scratch: &scratch), let r = try transform(key, columns) { out.append(r) }
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
        let plan = try readPlan(measurement: measurement, seriesKey: seriesKey, seriesKeys: seriesKeys, fields: fields, range: range)
        var scratch = ReadPlan.Scratch()
        for key in plan.keys {
            if let columns = try plan.columns(of: key, scratch: &scratch) { try body(SeriesReadResult(key: key, columns: columns)) }
        }
    }

    /// Snapshots the sources of a read (under the lock: the segments, frozen heads and what
    /// the active head holds for the range), loads the segments' flat indexes (in parallel),
    /// and lists every matching key in any source.
    private func readPlan(measurement: String, seriesKey: [UInt8]?, seriesKeys: Set<[UInt8]>? = nil, fields: Set<String>?,
                          range: TimeRange) throws -> ReadPlan {
        let prefix = Self.measurementPrefix(measurement)
        func matches(_ key: ArraySlice<UInt8>) -> Bool {
            if let seriesKey { return key.elementsEqual(seriesKey) }
            guard Self.isSeries(key, ofMeasurement: prefix) else { return false }
            if let seriesKeys { return seriesKeys.contains(Array(key)) }
            return true
        }
        func wanted(_ name: String) -> Bool { fields?.contains(name) ?? true }

        lock.lock()
        let segments = segmentsOverlappingLocked(range)
        let frozenHeads = frozen.map(\.head)
        let activeData = headData(active, matches: matches, wanted: wanted, range: range)
        lock.unlock()

        let indexes = try Self.loadFlatIndexes(segments, fields: fields)
        // Every matching key in any source, and every wanted field name (ordinals in name
        // order, so columns come out sorted).
        // A segment's keys are sorted: its matching ones are merged into the sorted list
        // (no hashing of every key of every segment, no sort at the end); the heads' few go
        // through a set.
        var sortedKeys: [[UInt8]] = []
        var headKeys = Set<[UInt8]>(activeData.keys)
        var names = Set<String>()
        for index in indexes {
            var matching: [[UInt8]] = []
            matching.reserveCapacity(index.seriesCount)
            var present = [Bool](repeating: false, count: index.names.count)
            for s in 0..<index.seriesCount where matches(index.key(s)) { matching.append(Array(index.key(s))) }
            if matching.count == index.seriesCount {
                // Every series matches (one measurement per segment, the usual case): every
                // name of the segment is some matching series' field.
                for id in present.indices { present[id] = true }
            } else {
                for s in 0..<index.seriesCount where matches(index.key(s)) {
                    for e in index.entries(of: s) { present[index.nameID(ofEntry: e)] = true }
                }
            }
            for (id, name) in index.names.enumerated() where present[id] && wanted(name) { names.insert(name) }
            sortedKeys = Self.mergeSorted(sortedKeys, matching)
        }
        for head in frozenHeads {
            for si in 0..<head.seriesCount where matches(head.key(of: si)) {
                headKeys.insert(Array(head.key(of: si)))
                for column in head.columns(of: si) {
                    let name = String(decoding: column.name, as: UTF8.self)
                    if wanted(name) { names.insert(name) }
                }
            }
        }
        for columns in activeData.values { names.formUnion(columns.keys) }
        let ordered = names.sorted()
        let ordinal = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1, $0) })
        let sources = zip(segments, indexes).map { reader, index in
            ReadPlan.Source(reader: reader, index: index, ordinal: index.names.map { ordinal[$0] ?? -1 })
        }
        let keys = headKeys.isEmpty ? sortedKeys : Self.mergeSorted(sortedKeys, headKeys.sorted { $0.lexicographicallyPrecedes($1) })
        return ReadPlan(keys: keys, names: ordered, ordinal: ordinal,
                        sources: sources, frozenHeads: frozenHeads, activeData: activeData, range: range)
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

    /// Segments whose partition and time span overlap `range`, oldest data first. Called
    /// under `lock`.
    func segmentsOverlappingLocked(_ range: TimeRange) -> [SegmentReader] {
        let d = partitionDuration
        return partitions
            .filter { range.overlaps(minTime: $0.key, maxTime: $0.key &+ (d - 1)) }
            .flatMap { $0.value }
            .filter { range.overlaps(minTime: $0.info.minTime, maxTime: $0.info.maxTime) }
            .sorted { $0.info.seq < $1.info.seq }
    }

    private func headData(_ head: Head, matches: (ArraySlice<UInt8>) -> Bool, wanted: (String) -> Bool,
                          range: TimeRange) -> [[UInt8]: [String: ColumnData]] {
        var out: [[UInt8]: [String: ColumnData]] = [:]
        for si in 0..<head.seriesCount {
            let key = head.key(of: si)
            guard matches(key) else { continue }
            for column in head.columns(of: si) {
                let name = String(decoding: column.name, as: UTF8.self)
                guard wanted(name) else { continue }
                let data = column.sortedSlice(in: range)
                if data.count > 0 { out[Array(key), default: [:]][name] = data }
            }
        }
        return out
    }


    /// Measurement names present in the database (every measurement with a field in the
    /// schema, which covers the head and all segments).
    package func measurements() -> [String] {
        lock.lock(); defer { lock.unlock() }
        return schema.measurements.keys.sorted()
    }
}

/// The sources of one read, snapshotted (`Database.readPlan`): immutable, so threads read
/// disjoint series from it at once.
private struct ReadPlan: Sendable {
    struct Source: Sendable {
        let reader: SegmentReader
        let index: FlatSegmentIndex
        /// Name ID of the segment -> field ordinal (-1: not wanted).
        let ordinal: [Int]
    }
    /// Matching keys in every source, sorted.
    let keys: [[UInt8]]
    /// Wanted field names present in some source, sorted; a field's ordinal is its position.
    let names: [String]
    let ordinal: [String: Int]
    /// Segments oldest data first, then frozen heads, then the active head (newest wins).
    let sources: [Source]
    let frozenHeads: [Head]
    let activeData: [[UInt8]: [String: ColumnData]]
    let range: TimeRange

    /// Per-thread buffers of `columns(of:scratch:)`, reused from one series to the next so a
    /// series costs no bookkeeping allocations (a rollup read is ~50 blocks per series).
    struct Scratch {
        var block = BlockReadScratch()
        var blocks: [(meta: BlockMeta, type: FieldType)] = []
        var blockOrdinals: [Int] = []
        /// What the sources hold of the series, in source order (oldest first): values
        /// `partRanges[i]` of `partData[i]`, for field ordinal `partOrdinals[i]`.
        var partData: [ColumnData] = []
        var partRanges: [Range<Int>] = []
        var partOrdinals: [Int] = []
        /// Per field ordinal its parts as a chain in source order: `first`/`last` part (-1:
        /// none), `next[i]` the part after part i.
        var first: [Int] = []
        var last: [Int] = []
        var next: [Int] = []

        mutating func add(_ ordinal: Int, _ data: ColumnData, _ range: Range<Int>) {
            partOrdinals.append(ordinal)
            partData.append(data)
            partRanges.append(range)
        }

        /// One field's parts (the chain from part `head`, oldest source first) as one column.
        func combine(from head: Int) -> ColumnData {
            let second = next[head]
            if second < 0 { return partData[head].slice(partRanges[head]) }
            let type = partData[head].type
            func firstTime(_ i: Int) -> Int64 { partData[i].timestamps[partRanges[i].lowerBound] }
            func lastTime(_ i: Int) -> Int64 { partData[i].timestamps[partRanges[i].upperBound - 1] }
            // Two parts (a partition and the one before it): without the arrays below.
            if next[second] < 0, type != .string {
                let (a, b) = firstTime(second) < firstTime(head) ? (second, head) : (head, second)
                if lastTime(a) < firstTime(b) {
                    let (ra, rb) = (partRanges[a], partRanges[b])
                    var out = ColumnData(type: type)
                    out.timestamps.reserveCapacity(ra.count + rb.count)
                    out.timestamps.append(contentsOf: partData[a].timestamps[ra])
                    out.timestamps.append(contentsOf: partData[b].timestamps[rb])
                    out.bits.reserveCapacity(ra.count + rb.count)
                    out.bits.append(contentsOf: partData[a].bits[ra])
                    out.bits.append(contentsOf: partData[b].bits[rb])
                    return out
                }
            }
            var chain: [Int] = []
            var i = head
            while i >= 0 { chain.append(i); i = next[i] }
            // Disjoint in time (each part starts after the one before it ends, in time order):
            // concatenate, whatever the sources' write order. Else merge, newest winning.
            var byTime = chain
            if chain.count == 2 {
                if firstTime(chain[1]) < firstTime(chain[0]) { byTime.swapAt(0, 1) }
            } else {
                byTime.sort { firstTime($0) < firstTime($1) }
            }
            var disjoint = type != .string
            for k in byTime.indices.dropFirst() where disjoint { disjoint = lastTime(byTime[k - 1]) < firstTime(byTime[k]) }
            guard disjoint else { return ColumnData.merge(chain.map { partData[$0].slice(partRanges[$0]) }, type: type) }
            let total = chain.reduce(0) { $0 + partRanges[$1].count }
            var out = ColumnData(type: type)
            out.timestamps.reserveCapacity(total)
            out.bits.reserveCapacity(total)
            for i in byTime {
                let r = partRanges[i]
                out.timestamps.append(contentsOf: partData[i].timestamps[r])
                out.bits.append(contentsOf: partData[i].bits[r])
            }
            return out
        }
    }

    /// The columns of series `key` in name order; nil when no source holds a value of it in
    /// the range. Reads each segment's wanted blocks of the series with one `readBlocks`.
    /// A block that reaches past the range is not copied to clip it; a field's parts become
    /// one column with one copy when they do not overlap in time (a partition boundary), and
    /// go through `ColumnData.merge` (newest wins) when they do.
    func columns(of key: [UInt8], scratch: inout Scratch) throws -> [FieldColumn]? {
        scratch.partData.removeAll(keepingCapacity: true)
        scratch.partRanges.removeAll(keepingCapacity: true)
        scratch.partOrdinals.removeAll(keepingCapacity: true)
        for source in sources {
            let index = source.index
            guard let s = index.position(of: key) else { continue }
            scratch.blocks.removeAll(keepingCapacity: true)
            scratch.blockOrdinals.removeAll(keepingCapacity: true)
            for e in index.entries(of: s) {
                let o = source.ordinal[index.nameID(ofEntry: e)]
                guard o >= 0 else { continue }
                let type = index.type(ofEntry: e)
                for b in 0..<index.blockCount(ofEntry: e) {
                    let block = index.block(b, ofEntry: e)
                    guard range.overlaps(minTime: block.minTime, maxTime: block.maxTime) else { continue }
                    scratch.blocks.append((block, type))
                    scratch.blockOrdinals.append(o)
                }
            }
            let read = try source.reader.readBlocks(scratch.blocks, scratch: &scratch.block)
            for i in read.indices {
                let meta = scratch.blocks[i].meta
                let r = meta.minTime < range.start || meta.maxTime >= range.end ? read[i].indices(in: range) : 0..<read[i].count
                if !r.isEmpty { scratch.add(scratch.blockOrdinals[i], read[i], r) }
            }
        }
        for head in frozenHeads {
            guard let si = head.seriesIndex(of: key) else { continue }
            for column in head.columns(of: si) {
                guard let o = ordinal[String(decoding: column.name, as: UTF8.self)] else { continue }
                let data = column.sortedSlice(in: range)
                if data.count > 0 { scratch.add(o, data, 0..<data.count) }
            }
        }
        for (name, data) in activeData[key] ?? [:] where data.count > 0 {
            if let o = ordinal[name] { scratch.add(o, data, 0..<data.count) }
        }
        guard !scratch.partData.isEmpty else { return nil }
        // Chain each field's parts in source order (newest last).
        if scratch.first.count != names.count {
            scratch.first = [Int](repeating: -1, count: names.count)
            scratch.last = scratch.first
        }
        scratch.next.removeAll(keepingCapacity: true)
        for (i, o) in scratch.partOrdinals.enumerated() {
            scratch.next.append(-1)
            if scratch.first[o] < 0 { scratch.first[o] = i } else { scratch.next[scratch.last[o]] = i }
            scratch.last[o] = i
        }
        var columns: [FieldColumn] = []
        for o in names.indices where scratch.first[o] >= 0 {
            columns.append(FieldColumn(name: names[o], data: scratch.combine(from: scratch.first[o])))
            scratch.first[o] = -1
        }
        return columns
    }

}

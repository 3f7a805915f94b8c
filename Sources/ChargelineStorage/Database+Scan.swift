package import ChargelineCore

extension Database {
    /// What identifies the set of series and segments: changes whenever a flush, compaction or
    /// a write of a new series could change a catalog.
    package func catalogGeneration() -> [Int64] {
        lock.lock(); defer { lock.unlock() }
        var g: [Int64] = [Int64(active.seriesCount), Int64(frozen.count)]
        g += frozen.map { Int64($0.head.seriesCount) }
        g += manifest.segments.map { Int64(bitPattern: $0.id) }.sorted()
        return g
    }

    /// Builds the catalog of `measurement` from every segment index and both heads.
    package func buildCatalog(measurement: String) throws -> SeriesCatalog {
        let prefix = Self.measurementPrefix(measurement)
        func matches(_ key: ArraySlice<UInt8>) -> Bool { Self.isSeries(key, ofMeasurement: prefix) }
        lock.lock()
        let segments = partitions.values.flatMap { $0 }
        let heads = [active] + frozen.map(\.head)
        var keys = Set<[UInt8]>()
        for h in heads {
            for si in 0..<h.seriesCount where matches(h.key(of: si)) { keys.insert(Array(h.key(of: si))) }
        }
        let fields = schema.measurements[measurement] ?? [:]
        lock.unlock()
        for s in segments {
            let index = try s.loadFlatIndex(fields: [])  // the keys (only them, from version 5)
            for i in 0..<index.seriesCount where matches(index.key(i)) { keys.insert(Array(index.key(i))) }
        }
        return SeriesCatalog(measurement: measurement, keys: Array(keys), fields: fields)
    }

    /// Scans `fields` of the series `keys` over `range`: for each series, for each field, the
    /// chunks that hold its values, pruned by partition, segment and block time. Segment
    /// blocks that no other source overlaps come back undecoded with their statistics;
    /// overlapping sources are merged (newest write wins) into one in-memory chunk.
    package func scan(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        lock.lock()
        let segments = segmentsOverlappingLocked(range)
        let frozenHeads = frozen.map(\.head)
        let activeData = keys.map { headColumns(active, key: $0, fields: fields, range: range) }
        lock.unlock()

        let indexes = try segments.map { try $0.loadIndex() }
        var out: [SeriesScan] = []
        out.reserveCapacity(keys.count)
        for (k, key) in keys.enumerated() {
            // Sources per field, oldest first: each a list of chunks.
            var perField = [[ScanChunk]](repeating: [], count: fields.count)
            var sourceOf = [[Int]](repeating: [], count: fields.count)
            var source = 0
            for (s, index) in indexes.enumerated() {
                guard let series = Database.find(key, in: index) else { source += 1; continue }
                for field in series.fields {
                    guard let f = fields.firstIndex(of: field.name) else { continue }
                    for block in field.blocks where range.overlaps(minTime: block.minTime, maxTime: block.maxTime) {
                        perField[f].append(ScanChunk(block: block, type: field.type, reader: segments[s], range: range))
                        sourceOf[f].append(source)
                    }
                }
                source += 1
            }
            for head in frozenHeads {
                for (f, data) in headColumns(head, key: key, fields: fields, range: range).enumerated() {
                    if let data { perField[f].append(ScanChunk(data: data, range: range)); sourceOf[f].append(source) }
                }
                source += 1
            }
            for (f, data) in activeData[k].enumerated() {
                if let data { perField[f].append(ScanChunk(data: data, range: range)); sourceOf[f].append(source) }
            }
            let scans: [FieldScan?] = try (0..<fields.count).map { f in
                guard !perField[f].isEmpty else { return nil }
                let chunks = try Database.disjoint(perField[f], sources: sourceOf[f], range: range)
                return chunks.isEmpty ? nil : FieldScan(name: fields[f], type: chunks[0].type, chunks: chunks)
            }
            out.append(SeriesScan(key: key, fields: scans))
        }
        return out
    }

    /// Orders chunks by time and merges any that overlap (last write wins, by source order).
    private static func disjoint(_ chunks: [ScanChunk], sources: [Int], range: TimeRange) throws -> [ScanChunk] {
        let order = chunks.indices.sorted { chunks[$0].minTime != chunks[$1].minTime ? chunks[$0].minTime < chunks[$1].minTime : sources[$0] < sources[$1] }
        var out: [ScanChunk] = []
        var i = 0
        while i < order.count {
            var j = i + 1
            var maxT = chunks[order[i]].maxTime
            while j < order.count, chunks[order[j]].minTime <= maxT {
                maxT = max(maxT, chunks[order[j]].maxTime)
                j += 1
            }
            if j == i + 1 {
                out.append(chunks[order[i]])
            } else {
                // Overlapping cluster: decode and merge oldest source first.
                let cluster = order[i..<j].sorted { sources[$0] < sources[$1] }
                let datas = try cluster.map { try chunks[$0].decode() }
                let merged = ColumnData.merge(datas, type: datas[0].type)
                if merged.count > 0 { out.append(ScanChunk(data: merged, range: range)) }
            }
            i = j
        }
        return out
    }

    private static func find(_ key: [UInt8], in index: SegmentIndex) -> SegmentIndex.Series? {
        position(of: key, in: index).map { index.series[$0] }
    }

    /// Where the series `key` is in `index.series` (sorted by key), if there.
    static func position(of key: [UInt8], in index: SegmentIndex) -> Int? {
        var lo = 0, hi = index.series.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if index.series[mid].key.lexicographicallyPrecedes(key) { lo = mid + 1 } else { hi = mid }
        }
        if lo < index.series.count, index.series[lo].key == key { return lo }
        return nil
    }

    private func headColumns(_ head: Head, key: [UInt8], fields: [String], range: TimeRange) -> [ColumnData?] {
        var out = [ColumnData?](repeating: nil, count: fields.count)
        guard let si = head.seriesIndex(of: key) else { return out }
        for column in head.columns(of: si) {
            let name = String(decoding: column.name, as: UTF8.self)
            guard let f = fields.firstIndex(of: name) else { continue }
            let data = column.sortedSlice(in: range)
            if data.count > 0 { out[f] = data }
        }
        return out
    }
}

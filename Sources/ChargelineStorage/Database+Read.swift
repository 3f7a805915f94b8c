package import ChargelineCore

extension Database {
    /// Reads the series of `measurement` (all of them, or only `seriesKey`), the named fields
    /// (all when nil), with timestamps in `range`. Merges segments, flushing heads and the
    /// active head; where several hold the same (series, field, timestamp) the newest write
    /// wins. Prunes partitions, segments and blocks by time before reading.
    package func read(measurement: String, seriesKey: [UInt8]? = nil, fields: Set<String>? = nil,
                      range: TimeRange) throws -> [SeriesReadResult] {
        var out: [SeriesReadResult] = []
        try forEachSeries(measurement: measurement, seriesKey: seriesKey, fields: fields, range: range) { out.append($0) }
        return out
    }

    /// Like `read`, but hands over one series at a time in key order, so memory holds one
    /// series' data, not the measurement's (rollups and exports stream through this).
    package func forEachSeries(measurement: String, seriesKey: [UInt8]? = nil, fields: Set<String>? = nil,
                               range: TimeRange, _ body: (SeriesReadResult) throws -> Void) throws {
        var prefix: [UInt8] = []
        SeriesKey.appendEscaped(Array(measurement.utf8), into: &prefix, isMeasurement: true)
        func matches(_ key: ArraySlice<UInt8>) -> Bool {
            if let seriesKey { return key.elementsEqual(seriesKey) }
            guard key.count >= prefix.count, key.prefix(prefix.count).elementsEqual(prefix) else { return false }
            return key.count == prefix.count || key[key.startIndex + prefix.count] == UInt8(ascii: ",")
        }
        func wanted(_ name: String) -> Bool { fields?.contains(name) ?? true }

        // Snapshot under the lock; copy what the active head holds for the range.
        lock.lock()
        let segments = segmentsOverlappingLocked(range)
        let frozenHeads = frozen.map(\.head)
        let activeData = headData(active, matches: matches, wanted: wanted, range: range)
        lock.unlock()

        // Every matching key in any source, and where each segment holds it.
        var keys = Set<[UInt8]>(activeData.keys)
        var located: [(reader: SegmentReader, series: [[UInt8]: SegmentIndex.Series])] = []
        for segment in segments {
            var map: [[UInt8]: SegmentIndex.Series] = [:]
            for series in try segment.loadIndex().series where matches(series.key[...]) {
                map[series.key] = series
                keys.insert(series.key)
            }
            if !map.isEmpty { located.append((segment, map)) }
        }
        for head in frozenHeads {
            for si in 0..<head.seriesCount where matches(head.key(of: si)) { keys.insert(Array(head.key(of: si))) }
        }

        for key in keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            // field -> sources oldest first: segments by seq, frozen heads, the active head.
            var collected: [String: [ColumnData]] = [:]
            func add(_ name: String, _ data: ColumnData) {
                if data.count > 0 { collected[name, default: []].append(data) }
            }
            for (reader, map) in located {
                guard let series = map[key] else { continue }
                for field in series.fields where wanted(field.name) {
                    for block in field.blocks where range.overlaps(minTime: block.minTime, maxTime: block.maxTime) {
                        var data = try reader.readBlock(block, type: field.type)
                        if block.minTime < range.start || block.maxTime >= range.end { data = data.clipped(to: range) }
                        add(field.name, data)
                    }
                }
            }
            for head in frozenHeads {
                guard let si = head.seriesIndex(of: key) else { continue }
                for column in head.columns(of: si) {
                    let name = String(decoding: column.name, as: UTF8.self)
                    if wanted(name) { add(name, column.sortedSlice(in: range)) }
                }
            }
            for (name, data) in activeData[key] ?? [:] { add(name, data) }
            guard !collected.isEmpty else { continue }
            let columns = collected.keys.sorted().map { name in
                let sources = collected[name]!
                return FieldColumn(name: name, data: ColumnData.merge(sources, type: sources[0].type))
            }
            try body(SeriesReadResult(key: key, columns: columns))
        }
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

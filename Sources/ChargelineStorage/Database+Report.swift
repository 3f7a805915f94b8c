import ChargelineCore

extension Database {
    /// Counts and sizes for `inspect`. Reads segment indexes (not blocks) to count series.
    package func report() throws -> StoreReport.Database {
        lock.lock()
        let parts = segmentSet.partitions
        let headValues = active.valueCount + frozen.reduce(0) { $0 + $1.head.valueCount }
        let headSeries = active.seriesCount
        let measurements = schema.measurements.keys.sorted()
        lock.unlock()
        var out: [StoreReport.Partition] = []
        var allSeries = Set<[UInt8]>()
        for start in parts.keys.sorted() {
            let readers = parts[start]!
            var keys = Set<[UInt8]>()
            for r in readers {
                let index = try r.loadFlatIndex(fields: [])  // the keys section only
                for i in 0..<index.seriesCount { keys.insert(Array(index.key(i))) }
            }
            allSeries.formUnion(keys)
            let values = readers.reduce(0) { $0 + $1.info.values }
            let bytes = readers.reduce(0) { $0 + $1.info.bytes }
            out.append(.init(name: FileNames.partition(start: start), start: CivilTime(nanoseconds: start).rfc3339,
                             segments: readers.count, series: keys.count,
                             rows: readers.reduce(0) { $0 + $1.info.rows }, values: values, bytes: bytes,
                             bytesPerValue: values > 0 ? Double(bytes) / Double(values) : 0))
        }
        let walBytes = FileIO.list(walDirectory).reduce(0) { $0 + (FileIO.fileSize(walDirectory + "/" + $1) ?? 0) }
        let manifestBytes = FileIO.fileSize(directory + "/" + FileNames.manifest) ?? 0
        let segmentBytes = out.reduce(0) { $0 + $1.bytes }
        let values = out.reduce(0) { $0 + $1.values }
        let total = segmentBytes + walBytes + manifestBytes
        var rollup: StoreReport.Rollup?
        if let child = rollupChild {
            let c = try child.report()
            let state = rollups.snapshot()
            rollup = .init(name: options.rollup.name, watermark: state.watermark.map { CivilTime(nanoseconds: $0).rfc3339 },
                           staleBuckets: state.stale.values.reduce(0) { $0 + $1.count },
                           lastRun: state.lastRun.map { CivilTime(nanoseconds: $0).rfc3339 },
                           lastRunBuckets: state.lastRunBuckets, lastRunMilliseconds: state.lastRunMilliseconds,
                           bucketsWritten: state.bucketsWritten, bucketsRecomputed: state.bucketsRecomputed,
                           values: c.values + c.headValues, bytes: c.storedBytes + c.walBytes,
                           droppedPartitions: state.droppedPartitions, droppedRows: state.droppedRows, droppedBytes: state.droppedBytes)
        }
        return .init(name: name, partitions: out, series: max(allSeries.count, headSeries), rows: out.reduce(0) { $0 + $1.rows },
                     values: values, segmentBytes: segmentBytes, bytes: total, storedBytes: segmentBytes + manifestBytes,
                     bytesPerValue: values > 0 ? Double(segmentBytes + manifestBytes) / Double(values) : 0,
                     headValues: headValues, walBytes: walBytes, measurements: measurements, rollup: rollup)
    }

    /// Whether the head should be flushed now (size or age).
    func needsFlush() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if !frozen.isEmpty || !waiting.isEmpty { return true }
        if active.isEmpty { return false }
        if active.memoryBytes >= options.headFlushBytes { return true }
        return FileIO.monotonicNanoseconds() - active.firstWriteAt >= options.headMaxAge
    }
}

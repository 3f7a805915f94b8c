import ChargelineCodec
import ChargelineCore

extension Database {
    /// Partitions with at least `minSegments` segments, oldest first.
    func partitionsToCompact(minSegments: Int) -> [Int64] {
        // A pending partition that holds no segment any more is visited too (its tombstones settle).
        segmentSet.partitions(withAtLeast: minSegments)
    }

    /// Partitions the background compactor should merge now: quiet ones with several
    /// segments, or any past `trigger` segments (see `StorageOptions.compactionTrigger`).
    func partitionsDueForCompaction(trigger: Int, quietPeriod: Int64) -> [Int64] {
        // Deleted data leaves the disk at the next compaction.
        segmentSet.partitionsDue(trigger: trigger, quietPeriod: quietPeriod, now: FileIO.monotonicNanoseconds())
    }

    /// Merges every segment of each partition into one (zstd second stage, duplicates
    /// resolved to the newest write). `minSegments` 2 compacts anything with more than one.
    /// Returns how many partitions were rewritten.
    /// A partition that cannot be compacted (a damaged segment) is skipped and logged, the
    /// others are still compacted; the error then names every skipped partition.
    @discardableResult
    package func compact(minSegments: Int = 2) throws -> Int {
        if readOnly { return 0 }
        var done = 0
        var skipped: [String] = []
        for start in partitionsToCompact(minSegments: minSegments) {
            do {
                if try compactPartition(start) { done += 1 }
            } catch {
                logger.error("compaction skipped partition \(FileNames.partition(start: start)) of database \(name): \(error)")
                skipped.append("\(FileNames.partition(start: start)): \(error)")
            }
        }
        if !skipped.isEmpty {
            throw ChargelineError(.corruption, "database \(name): \(skipped.count) partitions could not be compacted and were left as they are "
                + "(\(done) others were): " + skipped.joined(separator: "; "))
        }
        return done
    }

    /// Rewrites one partition's segments into a single segment. Safe against concurrent
    /// flushes: only the segments present when it starts are replaced, and the output keeps
    /// the highest `seq` of its inputs, so newer flushes still win over it.
    /// With `excludingMeasurements`, series of those measurements are left out (retention).
    @discardableResult
    func compactPartition(_ start: Int64, excludingMeasurements excluded: Set<String> = [], force: Bool = false) throws -> Bool {
        compactionMutex.lock()
        defer { compactionMutex.unlock() }
        // The deletes this rewrite applies: those known now (later ones are newer than every input).
        let (inputs, tombstones, deleted) = segmentSet.compactionInputs(start)
        let applied = Set(tombstones.entries.map(\.seq))
        if inputs.isEmpty && deleted {
            // Nothing left to rewrite (retention or another compaction emptied it).
            try updateManifest { m in Database.settle(&m, partition: start, seqs: applied) } apply: {}
            return false
        }
        guard force || deleted || inputs.count >= 2 || (inputs.count == 1 && inputs[0].info.level == 0),
              !inputs.isEmpty else { return false }
        let started = FileIO.monotonicNanoseconds()

        // The inputs through the one merging reader (no heads): every key in any input, in key
        // order, each field's sources merged with the newest write winning, deleted points
        // left out (so they leave the disk).
        let reader = try MergedReader(segments: inputs, heads: [], tombstones: tombstones, fields: .present(nil), range: .all,
                                      listKeys: true) { key in
            excluded.isEmpty || !excluded.contains(SeriesKey.measurement(of: Array(key)))
        }
        var scratch = MergedReader.Scratch()

        let writer = try SegmentWriter(
            directory: partitionDirectory(start), id: segmentSet.allocateSegmentID(),
            seq: inputs.map(\.info.seq).max()!, level: (inputs.map(\.info.level).max() ?? 0) + 1,
            partition: TimeRange(start: start, end: start &+ partitionDuration), options: .compact,
            maxBlockRows: SegmentFormat.maxCompactedBlockValues, statistics: options.blockStatistics)
        do {
            for key in reader.keys {
                guard let columns = try reader.columns(of: key, scratch: &scratch) else { continue }
                try writer.addSeries(key: key, columns: columns.map { (Array($0.name.utf8), $0.data) })
            }
            let inputIDs = Set(inputs.map(\.info.id))
            // A rewrite that leaves nothing (every series excluded) replaces the inputs with no file.
            let info: SegmentInfo? = writer.isEmpty ? nil : try writer.finish()
            if info == nil { writer.abort() }
            try updateManifest(edit: .replaced(start: start, ids: inputIDs, output: info)) { m in
                m.segments.removeAll { $0.partitionStart == start && inputIDs.contains($0.id) }
                if let info { m.segments.append(info) }
                Database.settle(&m, partition: start, seqs: applied)
            }
            for input in inputs {
                // Readers that took a snapshot before the swap keep an open descriptor.
                try? input.ensureOpen()
                try? FileIO.remove(input.path)
            }
            if info == nil { FileIO.removeDirectoryIfEmpty(partitionDirectory(start)) }
            let elapsed = FileIO.monotonicNanoseconds() - started
            StorageMetricNames.record(StorageMetricNames.compaction, nanoseconds: elapsed, options: options)
            let ms = Double(elapsed) / 1e6
            let before = inputs.reduce(0) { $0 + $1.info.bytes }
            logger.info("compacted \(inputs.count) segments of \(name)/\(FileNames.partition(start: start)) (\(before) bytes) into \(info == nil ? 0 : 1) (\(info?.bytes ?? 0) bytes) in \(Int(ms)) ms")
            return true
        } catch {
            writer.abort()
            throw error
        }
    }
}

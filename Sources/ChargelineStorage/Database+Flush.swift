import ChargelineCodec
import ChargelineCore

extension Database {
    /// Writes the head to segment files, one per partition it touches, then swaps the manifest
    /// and drops the WAL segments the new files cover.
    ///
    /// The WAL is rotated, then the head is frozen (replaced by an empty one) once every
    /// record before the rotation has reached it (batches reach the head when their WAL record
    /// is durable), so the frozen head holds every record of the WAL segments before the new
    /// one, and perhaps a few of the new one's first (replaying those again gives the same
    /// rows). Writers continue into the new head meanwhile; reads see the frozen head until the
    /// segments replace it.
    package func flush(rotateWAL: Bool = true) throws {
        if readOnly { return }
        flushMutex.lock()
        defer { flushMutex.unlock() }
        // Whatever happens, admit writers that waited for room.
        defer { drainWaiting() }
        try flushHoldingMutex(rotateWAL: rotateWAL)
    }

    /// `flush` with `flushMutex` held by the caller (a delete, which flushes first).
    func flushHoldingMutex(rotateWAL: Bool = true) throws {
        if dropped { return }
        // Heads whose flush failed earlier go first; while they cannot be written, no new head
        // is frozen (memory stays bounded and back-pressure holds writers).
        lock.lock()
        let retry = frozen
        lock.unlock()
        for item in retry { try flushFrozen(item) }
        freezeActive(rotateWAL: rotateWAL)
        lock.lock()
        let work = frozen
        lock.unlock()
        for item in work { try flushFrozen(item) }
    }

    /// Freezes the active head as a flush does, without writing it: the frozen head is read
    /// beside the others until the next flush writes it (tests of reads over frozen heads).
    package func freezeActiveHead() {
        if readOnly { return }
        flushMutex.lock()
        defer { flushMutex.unlock() }
        freezeActive()
    }

    /// Rotates the WAL and freezes the active head once every record before the rotation has
    /// reached it (see `flush`); the frozen head waits for `flushFrozen`. Under `flushMutex`.
    private func freezeActive(rotateWAL: Bool = true) {
        lock.lock()
        var rotation: (id: UInt64, lsn: UInt64)?
        if !active.isEmpty || wal.hasIncompleteRecords {
            rotation = rotateWAL ? wal.rotateAfterLast() : (wal.currentSegmentID + 1, wal.lastAppendedLSN)
        }
        lock.unlock()
        if let rotation {
            // Records before the rotation reach the head on the WAL's completion thread.
            wal.waitForCompletions(through: rotation.lsn)
        }
        lock.lock()
        if let rotation, !active.isEmpty {
            let head = active
            active = Head()
            frozen.append(FrozenHead(head: head, replayFrom: rotation.id, seq: segmentSet.takeSeq()))
        }
        lock.unlock()
    }

    private func flushFrozen(_ item: FrozenHead) throws {
        let started = FileIO.monotonicNanoseconds()
        let infos: [SegmentInfo]
        do {
            infos = try writeSegments(of: item.head, seq: item.seq)
        } catch {
            logger.error("flush of database \(name) failed: \(error); the data stays in memory and in the WAL, and the flush is retried")
            throw error
        }
        // Stale rollup marks made by late rows in this head must be durable before the WAL
        // segments holding those rows are dropped.
        try storeRollupState()
        try updateManifest(edit: .added(infos)) { m in
            m.segments += infos
            m.walReplayFrom = max(m.walReplayFrom, item.replayFrom)
        } apply: {
            frozen.removeAll { $0.head === item.head }
        }
        wal.removeSegments(before: item.replayFrom)
        let elapsed = FileIO.monotonicNanoseconds() - started
        StorageMetricNames.record(StorageMetricNames.flush, nanoseconds: elapsed, options: options)
        let ms = Double(elapsed) / 1e6
        logger.info("flushed \(item.head.valueCount) values of \(item.head.seriesCount) series in database \(name) to \(infos.count) segments in \(Int(ms)) ms")
    }

    /// Applies `change` to the manifest, stores it durably, then installs it with `edit` and
    /// runs `apply` under the lock (so in-memory state changes only after the manifest that
    /// describes it is on disk, and readers see the segments and the heads change together).
    func updateManifest(edit: SegmentSet.Edit = .none, _ change: (inout Manifest) -> Void, apply: () -> Void = {}) throws {
        try segmentSet.commit {
            lock.lock(); defer { lock.unlock() }
            var next = segmentSet.manifestCopy
            change(&next)
            next.setSchema(schema)
            return next
        } publish: { next in
            lock.lock(); defer { lock.unlock() }
            // A tombstone applied everywhere took its series out of every segment: the series
            // quota counts again from what is left on the next write.
            if segmentSet.install(next, edit) { seriesQuota = nil }
            apply()
        }
    }

    private func writeSegments(of head: Head, seq: UInt64) throws -> [SegmentInfo] {
        var writers: [Int64: SegmentWriter] = [:]
        do {
            // The head through the one merging reader: each column's chunks and tail merged,
            // repeated timestamps resolved to the last write.
            let snapshot = head.snapshot(matching: { _ in true }, wanted: nil)
            let reader = try MergedReader(segments: [], heads: [snapshot], fields: .present(nil), range: .all, listKeys: true) { _ in true }
            var scratch = MergedReader.Scratch()
            for key in reader.keys {
                var perPartition: [Int64: [(name: [UInt8], data: ColumnData)]] = [:]
                for column in try reader.columns(of: key, scratch: &scratch) ?? [] {
                    let sorted = column.data
                    let name = Array(column.name.utf8)
                    for (start, range) in partitionRanges(sorted.timestamps) {
                        perPartition[start, default: []].append((name, sorted.slice(range)))
                    }
                }
                for (start, columns) in perPartition {
                    if writers[start] == nil {
                        writers[start] = try SegmentWriter(
                            directory: partitionDirectory(start), id: segmentSet.allocateSegmentID(), seq: seq, level: 0,
                            partition: TimeRange(start: start, end: start &+ partitionDuration), options: .fast,
                            statistics: options.blockStatistics)
                    }
                    try writers[start]!.addSeries(key: key, columns: columns)
                }
            }
        } catch {
            for w in writers.values { w.abort() }
            throw error
        }
        var infos: [SegmentInfo] = []
        do {
            for (start, w) in writers {
                infos.append(try w.finish())
                writers[start] = nil
            }
            return infos
        } catch {
            // Not in the manifest yet: remove what was finished so retries do not fill the disk.
            for w in writers.values { w.abort() }
            for info in infos {
                try? FileIO.remove(partitionDirectory(info.partitionStart) + "/" + FileNames.segment(info.id))
            }
            throw error
        }
    }

    /// Splits sorted timestamps into runs by partition.
    func partitionRanges(_ ts: [Int64]) -> [(Int64, Range<Int>)] {
        guard let first = ts.first else { return [] }
        let d = partitionDuration
        let firstStart = partitionStart(first)
        if ts.last! < firstStart &+ d { return [(firstStart, 0..<ts.count)] }
        var out: [(Int64, Range<Int>)] = []
        var begin = 0
        var start = firstStart
        for i in 1..<ts.count where ts[i] >= start &+ d {
            out.append((start, begin..<i))
            begin = i
            start = partitionStart(ts[i])
        }
        out.append((start, begin..<ts.count))
        return out
    }
}

/// A head taken out of service for flushing, with the WAL segment its data ends before and
/// the data generation its segments get.
struct FrozenHead {
    let head: Head
    let replayFrom: UInt64
    let seq: UInt64
}

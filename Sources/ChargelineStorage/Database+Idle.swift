import ChargelineCore

/// What the store's `DatabaseTable` asks before closing an idle database and what it keeps of
/// one it closed.
extension Database {
    /// Nothing is on its way in: no writer queued for room (closing would fail it), no batch
    /// between the WAL and the head, no WAL completion still running (closing from inside one,
    /// as a writer in a completion could, would wait for its own thread), no frozen head
    /// waiting for its flush. Closing such a database loses no write and fails none.
    var isQuiet: Bool {
        lock.lock()
        let idle = waiting.isEmpty && inFlightBytes == 0 && frozen.isEmpty && !closed
        lock.unlock()
        return idle && !(wal?.hasIncompleteRecords ?? false)
    }

    /// When the next rollup run has work for this database (wall-clock ns, compared with the
    /// `now` of a run), as decided after `close()`: 0 when late rows marked buckets stale, the
    /// end of the bucket holding its newest row plus the grace when that bucket is not rolled
    /// up yet, nil when rollups are off or everything it holds is rolled up.
    func rollupDueAt() -> Int64? {
        guard rollupChild != nil, !readOnly else { return nil }
        lock.lock(); defer { lock.unlock() }
        if rollups.hasStale() { return 0 }
        guard let newest = segmentSet.newestTime() else { return nil }
        let b = options.rollup.bucket
        let (bucketStart, o1) = RollupBucket.floorDiv(newest, b).multipliedReportingOverflow(by: b)
        let (bucketEnd, o2) = bucketStart.addingReportingOverflow(b)
        if o1 || o2 { return nil }
        if let watermark = rollups.currentWatermark(), watermark >= bucketEnd { return nil }
        return bucketEnd.addingReportingOverflow(options.rollup.grace).overflow ? .max : bucketEnd + options.rollup.grace
    }

    /// Removes this closed database's WAL segments that hold no record (a header only: what
    /// each open starts and a close with an empty head leaves), so opening and closing an idle
    /// database again and again leaves no files behind. Call only after `close()`.
    func removeEmptyWALSegments() {
        for directory in [walDirectory] + (rollupChild.map { [$0.walDirectory] } ?? []) {
            for name in FileIO.list(directory) where FileNames.id(of: name, suffix: FileNames.walSuffix) != nil {
                let path = directory + "/" + name
                if FileIO.fileSize(path) == WALRecord.segmentHeaderSize {
                    do { try FileIO.remove(path) } catch { logger.warning("could not remove empty WAL segment \(path): \(error)") }
                }
            }
        }
    }
}

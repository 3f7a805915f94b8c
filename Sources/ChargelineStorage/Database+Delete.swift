package import ChargelineCore
import Foundation

extension Database {
    /// Deletes the points of `measurement`'s series (all, or only `keys`) with timestamps in
    /// `range` that exist now; with `dropMeasurement` (range `.all`, keys nil) the measurement
    /// also leaves the schema. Returns once the delete is durable (a WAL record, then the
    /// manifest) and every read honours it.
    ///
    /// Writers wait while it runs: the head is flushed, the delete takes the next data
    /// generation as its `seq` (older sources are affected, newer ones are not), and its
    /// rollup rows are removed and their edge hours recomputed from the raw data left (see
    /// `applyToRollups`). Compaction later removes the bytes (`Tombstone.pending`).
    package func delete(measurement: String, keys: [[UInt8]]?, range: TimeRange, dropMeasurement: Bool = false) throws {
        guard !readOnly else {
            throw ChargelineError(.closed, "database \(name) is open read-only (another process owns the data directory); delete through the server")
        }
        // A rollup run reading raw data before the delete must not write its rows after it.
        if rollupChild != nil { rollupRunMutex.lock() }
        defer { if rollupChild != nil { rollupRunMutex.unlock() } }
        let tombstone = try addTombstone(measurement: measurement, keys: keys, range: range, dropMeasurement: dropMeasurement)
        if rollupChild != nil { try applyToRollups(tombstone) }
    }

    /// Stores the tombstone of a delete (see `delete`).
    private func addTombstone(measurement: String, keys: [[UInt8]]?, range: TimeRange, dropMeasurement: Bool) throws -> Tombstone {
        flushMutex.lock()
        defer { flushMutex.unlock() }
        lock.lock()
        if closed || dropped {
            lock.unlock()
            throw ChargelineError(.closed, "database \(name) is closed; retry the delete after the restart")
        }
        deleting += 1
        lock.unlock()
        defer {
            lock.lock()
            deleting -= 1
            lock.unlock()
            drainWaiting()
        }
        // Writes already admitted reach the head, which is then flushed: all that was
        // acknowledged before the delete lies in segments older than its seq.
        wal.waitForCompletions(through: wal.lastAppendedLSN)
        try flushHoldingMutex()
        lock.lock()
        let seq = segmentSet.takeSeq()
        let tombstone = Tombstone(seq: seq, measurement: measurement,
                                  keys: keys.map { $0.map { String(decoding: $0, as: UTF8.self) }.sorted() },
                                  start: range.start, end: range.end, dropsMeasurement: dropMeasurement ? true : nil,
                                  pending: segmentSet.pendingPartitions(range), rollupPending: rollupChild != nil ? true : nil)
        lock.unlock()
        if tombstone.pending.isEmpty && tombstone.rollupPending == nil {
            // No segment holds data it covers and the head is empty: nothing to record.
            try updateManifest { m in
                if dropMeasurement { schema.measurements[measurement] = nil }
            } apply: {}
            return tombstone
        }
        let payload = try tombstone.encoded()
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        wal.append(kind: .tombstone, payload: payload) { error in
            failure.value = error
            done.signal()
        }
        done.wait()
        if let error = failure.value { throw error }
        try updateManifest { m in
            m.tombstones = (m.tombstones ?? []) + [tombstone]
            // Under the lock here; no writer runs (they wait), so the schema and the stored
            // manifest change together.
            if dropMeasurement { schema.measurements[measurement] = nil }
        } apply: {}
        logger.notice("database \(name): deleted \(keys.map { "\($0.count) series" } ?? "every series") of \(measurement) in \(range) (tombstone \(seq), \(tombstone.pending.count) partitions to compact)")
        return tombstone
    }

    /// Forgets, in `m`, that the tombstones `seqs` still have data in partition `start` (a
    /// compaction that applied them rewrote it, or retention dropped it), and drops those
    /// applied everywhere.
    static func settle(_ m: inout Manifest, partition start: Int64, seqs: Set<UInt64>?) {
        guard var list = m.tombstones, !list.isEmpty else { return }
        for i in list.indices where seqs?.contains(list[i].seq) ?? true { list[i].pending.removeAll { $0 == start } }
        list.removeAll { $0.pending.isEmpty && $0.rollupPending != true }
        m.tombstones = list.isEmpty ? nil : list
    }

    // MARK: - Rollups

    /// Makes the rollup rows follow a delete of the raw data: the hours whose rows a deleted
    /// point shaped (its own, and those within the rollup's reach: the previous sample of the
    /// next hour, an extension's reach into the next) lose their rows in the rollup database (a
    /// tombstone there), and those near the range's edges, which keep raw points, are marked
    /// stale and recomputed now from what is left. Interior hours have no raw point left to
    /// shape a row. A delete of all time only removes the rows. Idempotent: at open, a
    /// tombstone whose `rollupPending` a crash left set is applied again. Under `rollupRunMutex`.
    func applyToRollups(_ t: Tombstone) throws {
        guard let child = rollupChild, t.rollupPending == true else { return }
        let keys = t.keys.map { $0.map { Array($0.utf8) } }
        if t.coversAllTime {
            try child.delete(measurement: t.measurement, keys: keys, range: .all, dropMeasurement: t.dropsMeasurement == true)
        } else {
            let b = options.rollup.bucket
            let reach = max(b, options.rollup.lookback, options.rollup.lateReach)
            // Bucket starts of times clamped to the storable range (whose ends are whole
            // partitions, so whole buckets): no overflow for an open-ended range.
            func floor(_ x: Int64) -> Int64 {
                RollupBucket.floorDiv(min(max(x, storableRange.lowerBound), storableRange.upperBound), b) * b
            }
            let lo = floor(t.start.subtractingSaturating(reach))
            let hi = floor(t.end.subtractingSaturating(1).addingSaturating(reach)).addingSaturating(b)
            // Stale marks first (persisted), so a crash after the rows are removed still
            // recomputes the edges at the next run.
            lock.lock()
            let watermark = rollups.currentWatermark()
            // Reports are exported again for the hours of the range that held data.
            let earliest = earliestDataLocked().map(floor) ?? watermark ?? lo
            lock.unlock()
            if let watermark {
                let seriesKeys = try keys ?? buildCatalog(measurement: t.measurement).series.map(\.key)
                var starts: [Int64] = []
                var s = lo
                let firstEdgeEnd = floor(t.start.addingSaturating(reach))
                let secondEdge = floor(t.end.subtractingSaturating(1).subtractingSaturating(reach))
                while s < hi && s < watermark {
                    starts.append(s)
                    if s >= firstEdgeEnd && s < secondEdge { s = secondEdge } else { s = s.addingSaturating(b) }
                }
                if !starts.isEmpty && !seriesKeys.isEmpty {
                    // Reports of the hours the delete touched are exported again.
                    rollups.markDeleted(series: seriesKeys, starts: starts, lateFrom: max(lo, earliest), lateTo: min(hi, watermark))
                    try storeRollupState()
                }
            }
            try child.delete(measurement: t.measurement, keys: keys, range: TimeRange(start: lo, end: hi))
        }
        try updateManifest { m in
            guard var list = m.tombstones, let i = list.firstIndex(where: { $0.seq == t.seq }) else { return }
            list[i].rollupPending = nil
            list.removeAll { $0.pending.isEmpty && $0.rollupPending != true }
            m.tombstones = list.isEmpty ? nil : list
        } apply: {}
        var names = RollupColumnNameCache(counters: options.rollup.counters)
        var report = RollupRunReport()
        _ = try recomputeStale(child: child, settle: 0, threads: Self.rollupThreadsBesideServing, names: &names,
                                   isCancelled: { false }, report: &report)
        try storeRollupState()
    }

    /// Finishes the rollup side of deletes a crash interrupted (at open).
    func finishPendingRollupDeletes() throws {
        guard rollupChild != nil, !readOnly else { return }
        let pending = segmentSet.tombstones().filter { $0.rollupPending == true }
        guard !pending.isEmpty else { return }
        rollupRunMutex.lock(); defer { rollupRunMutex.unlock() }
        for t in pending { try applyToRollups(t) }
    }
}

/// The error a WAL completion hands back to the thread waiting for it.
private final class FailureBox: @unchecked Sendable {
    var value: ChargelineError?
}

import ChargelineCodec
import CoreMetrics
package import ChargelineCore
import Foundation
package import Logging

/// One database: a folder holding a WAL, a head, time partitions of segment files and a
/// manifest. Writers, reads, flushes and compactions may run concurrently:
/// - `lock` guards the heads, the schema and the wait queue, and is held around the parts' state
///   wherever it must change or be read together with the heads;
///   it is held only for in-memory work, never across disk I/O except WAL `append` (a copy);
/// - `flushMutex` serializes flushes, `compactionMutex` compactions;
/// - `segmentSet` (`SegmentSet`) owns the manifest and the segment readers under its own lock,
///   and its store mutex serializes manifest writes (a flush and a compaction can overlap;
///   their manifest updates cannot);
/// - `rollupRunMutex` serializes rollup runs and deletes (a run must not write rows read
///   before a delete after it);
/// - `rollups` (`RollupTracker`) owns the rollup's watermark, stale marks and late logs under
///   its own locks, always taken inside these.
///
/// Lock order, outermost first (a lock is only ever taken while holding those before it):
/// `rollupRunMutex` -> `flushMutex` -> `compactionMutex` -> `SegmentSet`'s store mutex ->
/// `lock` -> `SegmentSet`'s lock or `RollupTracker`'s lock (each innermost, never nested);
/// `SegmentSet`'s store mutex -> `RollupTracker`'s store mutex -> its lock.
/// The rollup tier (`rollupChild`) is another `Database`: its locks are taken after this
/// one's `rollupRunMutex`, never while this one's `lock` or manifest store mutex is held.
package final class Database: @unchecked Sendable {
    package let name: String
    package let directory: String
    package let options: StorageOptions
    let logger: Logger

    let lock = NSLock()
    let flushMutex = NSLock()
    let compactionMutex = NSLock()

    /// The manifest and the segment readers, under their own locks.
    let segmentSet: SegmentSet
    /// Partition length (ns), fixed when the database was created; a `let` so it is read
    /// without the lock.
    let partitionDuration: Int64
    /// Timestamps whose partition (start and end) is representable in Int64 ns.
    let storableRange: ClosedRange<Int64>
    var schema: Schema
    var active = Head()
    var frozen: [FrozenHead] = []
    var waiting: [(batch: WriteBatch, completion: @Sendable (WriteOutcome) -> Void)] = []
    /// Bytes of batches appended to the WAL and not yet applied to the head (they count
    /// against the head's limits already).
    var inFlightBytes = 0
    var closed = false
    /// Series counted for `StorageOptions.maxSeriesPerDatabase`, made on the first write after
    /// the open (`Database+SeriesQuota.swift`); nil while no write came or without a quota.
    var seriesQuota: SeriesQuota?
    /// Deletes under way: writers queue (in `waiting`) meanwhile, so every write is either
    /// before a delete (in an older generation, deleted) or after it (newer, kept).
    var deleting = 0
    /// Set when `DROP DATABASE` took the database out of service: background work skips it.
    var dropped = false

    // Rollups (see Database+Rollup.swift). The child database holds the rollup rows.
    var rollupChild: Database?
    /// The rollup's watermark, stale marks, late logs and totals, under their own lock.
    let rollups: RollupTracker
    /// Test hook: called after each day-chunk of a rollup run has been persisted; a throw
    /// interrupts the run there (as a crash would).
    package var rollupChunkHook: ((Int) throws -> Void)?
    let rollupRunMutex = NSLock()

    /// Opened by a reader beside a running server: no WAL writer, no repairs, no file removal.
    let readOnly: Bool
    var wal: WAL!
    /// What opening found (for the start-up report).
    package private(set) var openReport = ""
    /// What the WAL replay at open found (damage, bytes lost, quarantined files).
    package private(set) var walReplayReport = WALReplayReport()

    var walDirectory: String { directory + "/" + FileNames.walDirectory }

    /// Most distinct fields a measurement may have: 65,535 in a raw database, the most one
    /// line-protocol point can carry, so the schema, the head and the rollup tier (six or more
    /// columns per raw field) stay bounded; the rollup database itself takes what its raw
    /// database produced. The segment format has no such limit (a series' fields are the
    /// index sections listing it).
    var fieldLimit: Int { options.blockStatistics ? Int(UInt16.max) : .max }

    /// Opens (or creates) the database in `directory`: reads the manifest, removes leftovers of
    /// interrupted writes, replays the WAL tail into the head and starts a fresh WAL segment.
    /// No segment file is read.
    package init(name: String, directory: String, options: StorageOptions, readOnly: Bool = false, logger: Logger) throws {
        let started = FileIO.monotonicNanoseconds()
        self.name = name
        self.directory = directory
        self.options = options
        self.logger = logger
        self.readOnly = readOnly
        rollups = RollupTracker(options: options.rollup)
        if !readOnly { try FileIO.makeDirectories(directory) }
        segmentSet = try SegmentSet(directory: directory, partitionDuration: options.partitionDuration, readOnly: readOnly, logger: logger)
        partitionDuration = segmentSet.partitionDuration
        storableRange = Database.storableRange(partitionDuration)
        schema = segmentSet.manifestCopy.typedSchema
        if !readOnly { try quarantineDamagedSegments() }
        if options.rollup.enabled {
            var childOptions = options
            childOptions.rollup.enabled = false
            childOptions.blockStatistics = false
            childOptions.maxSeriesPerDatabase = 0  // rollup rows follow the raw series, counted there
            rollupChild = try Database(name: "\(name).\(options.rollup.name)", directory: directory + "/rollup_" + options.rollup.name,
                                       options: childOptions, readOnly: readOnly, logger: logger)
            if let state = try RollupState.load(directory: directory) { rollups.restore(state) }
        }
        var replaySchema = schema
        let storedNextSeq = segmentSet.nextSeq
        let head = active
        var rejectedOnReplay = 0
        var replayedTombstones: [Tombstone] = []
        let report = try WALReplayer.replay(directory: walDirectory, fromID: segmentSet.walReplayFrom, repair: !readOnly,
                                            quarantine: directory + "/" + FileNames.quarantineDirectory, logger: logger,
                                            tombstone: { t in
            // A delete whose manifest update a crash cut short (a stored manifest has moved
            // `nextSeq` past it). Its writers waited: the head replayed so far is empty of
            // anything it covers (it was flushed before the record).
            guard t.seq >= storedNextSeq else { return }
            replayedTombstones.append(t)
            if t.dropsMeasurement == true { replaySchema.measurements[t.measurement] = nil }
        }) { batch in
            rejectedOnReplay += head.apply(batch, schema: &replaySchema, storable: storableRange, maxFieldsPerMeasurement: fieldLimit).count
            // Late rows in the WAL tail may not have reached a persisted stale mark yet.
            rollups.markLate(batch)
        }
        schema = replaySchema
        if !replayedTombstones.isEmpty { try segmentSet.recordReplayed(replayedTombstones, schema: schema, readOnly: readOnly) }
        let firstID = max(report.lastSegmentID + 1, segmentSet.walReplayFrom)
        if !readOnly {
            wal = try WAL(directory: walDirectory, firstID: firstID, policy: options.fsync, logger: logger)
            // Writers that waited for the WAL to catch up are admitted after each write cycle.
            wal.onCycle = { [weak self] in self?.drainWaitingIfAny() }
            if let factory = options.metricsFactory {
                let timer = CoreMetrics.Timer(label: StorageMetricNames.walFsync, factory: factory)
                wal.onSync = { timer.recordNanoseconds($0) }
            }
        }
        let ms = Double(FileIO.monotonicNanoseconds() - started) / 1e6
        let quarantinedSegments = segmentSet.quarantinedCount
        openReport = "database \(name): \(segmentSet.totals().segments) segments in \(segmentSet.partitions.count) partitions (not read), "
            + "replayed \(report.records) WAL records (\(report.bytes) bytes, \(head.valueCount) values) from \(report.segments) segments in "
            + String(format: "%.1f ms", ms)
            + (report.problems.isEmpty ? "" : "; \(report.problems.count) WAL problems (see log)")
            + (report.lostBytes == 0 ? "" : "; \(report.lostBytes) WAL bytes not replayable (\(report.lostRegions) damaged regions), kept in \(FileNames.quarantineDirectory)/")
            + (quarantinedSegments == 0 ? "" : "; \(quarantinedSegments) segments in quarantine/ (see log, `chargeline verify`)")
        walReplayReport = report
        if !readOnly { try finishPendingRollupDeletes() }
    }

    func partitionDirectory(_ start: Int64) -> String { segmentSet.partitionDirectory(start) }

    /// The start of the partition holding `t` (`t` within `storableRange`).
    func partitionStart(_ t: Int64) -> Int64 {
        let d = partitionDuration
        let q = t / d
        return (t % d < 0 ? q - 1 : q) * d
    }

    /// The timestamps whose whole partition `[start, start + d)` fits in Int64: about
    /// 1677-09-22 to 2262-04-10 with day partitions. Points outside are refused at write time
    /// rather than overflowing partition arithmetic later.
    static func storableRange(_ d: Int64) -> ClosedRange<Int64> {
        let low = (Int64.min / d + 1) * d
        let high = (Int64.max / d) * d - 1
        return low...high
    }

    // MARK: - Writes

    /// Appends `batch` to the WAL and, once its record is durable, applies it to the head and
    /// runs `completion`: nothing becomes visible that the WAL did not take. A batch the WAL
    /// could not write (disk full, I/O error) fails with `.unavailable` and leaves no trace.
    /// When the head or the WAL is over its limit the batch waits in a queue (first come, first
    /// served) until a flush makes room: memory stays bounded.
    package func write(_ batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        lock.lock()
        if closed || readOnly {
            lock.unlock()
            completion(WriteOutcome(rejected: [], failure: ChargelineError(.closed, readOnly
                ? "database \(name) is open read-only (another process owns the data directory)"
                : "database \(name) is closed; the server is shutting down")))
            return
        }
        if let failure = wal.failureState ?? wal.recentWriteFailure() {
            // The WAL failed to write a moment ago (disk full): turned away at once; a write
            // after the window tries the disk again.
            lock.unlock()
            completion(WriteOutcome(rejected: [], failure: failure))
            return
        }
        if !waiting.isEmpty || deleting > 0 || isOverloadedLocked() {
            waiting.append((batch, completion))
            lock.unlock()
            requestFlush()
            return
        }
        let (admitted, needFlush) = admitLocked(batch)
        lock.unlock()
        if needFlush { requestFlush() }
        // Outside the lock: the WAL orders records itself, and its checksum and copy of the
        // batch need not hold up readers and other writers.
        if let refusedWhole = appendToWAL(admitted, completion: completion) { refusedWhole() }
    }

    /// Takes out the points the series quota refuses and counts the rest against the head's
    /// limits until the head has it; returns them and whether the head should be flushed.
    private func admitLocked(_ batch: WriteBatch) -> (SeriesAdmission, needFlush: Bool) {
        let admitted = admitSeriesLocked(batch)
        inFlightBytes += admitted.batch.bytes.count
        return (admitted, active.memoryBytes + inFlightBytes >= options.headFlushBytes)
    }

    /// Appends an admitted batch to the WAL; the head takes it on the WAL's completion thread
    /// once the record is durable. Completions run in WAL order, so the head applies batches in
    /// WAL order too (as replay does), and one at a time. When the quota refused every point
    /// there is nothing to append: returns the call of `completion` to make once the caller
    /// holds no lock (a completion may write again).
    private func appendToWAL(_ admitted: SeriesAdmission, completion: @escaping @Sendable (WriteOutcome) -> Void) -> (() -> Void)? {
        let batch = admitted.batch
        let (dropped, drop) = (admitted.dropped, admitted.drop)
        if batch.pointCount == 0 {
            return { completion(WriteOutcome(seriesQuotaDrop: drop)) }
        }
        let size = batch.bytes.count
        wal.append(batch) { [self] error in
            if let error {
                lock.lock()
                inFlightBytes -= size
                lock.unlock()
                completion(WriteOutcome(rejected: [], failure: error))
                return
            }
            lock.lock()
            inFlightBytes -= size
            let rejected = active.apply(batch, schema: &schema, storable: storableRange, maxFieldsPerMeasurement: fieldLimit)
            rollups.noteWrite(batch)
            let needFlush = active.memoryBytes >= options.headFlushBytes
            lock.unlock()
            if needFlush { requestFlush() }
            completion(WriteOutcome(rejected: Self.restoringIndices(rejected, dropped: dropped), failure: nil, seriesQuotaDrop: drop))
        }
        return nil
    }

    /// Over the memory budget (active plus frozen heads plus batches on their way through the
    /// WAL) or the WAL is behind.
    private func isOverloadedLocked() -> Bool {
        let frozenBytes = frozen.reduce(0) { $0 + $1.head.memoryBytes }
        return active.memoryBytes + inFlightBytes + frozenBytes >= options.headHardLimitBytes
            || wal.bytesPending >= options.walPendingLimitBytes
    }

    /// Admits waiting writers if there are any (cheap when the queue is empty).
    func drainWaitingIfAny() {
        lock.lock()
        let any = !waiting.isEmpty
        lock.unlock()
        if any { drainWaiting() }
    }

    /// Applies queued writes while there is room (called after a flush).
    func drainWaiting() {
        lock.lock()
        var refusedWhole: [() -> Void] = []
        while !waiting.isEmpty && deleting == 0 && !isOverloadedLocked() {
            let (batch, completion) = waiting.removeFirst()
            let (admitted, needFlush) = admitLocked(batch)
            if needFlush { requestFlush() }
            // Under the lock here, so queued writers keep their order ahead of new arrivals.
            if let call = appendToWAL(admitted, completion: completion) { refusedWhole.append(call) }
        }
        let stillWaiting = !waiting.isEmpty
        lock.unlock()
        for call in refusedWhole { call() }
        if stillWaiting { requestFlush() }
    }

    /// Set by the store: asks the maintenance thread to flush soon.
    var flushRequester: (@Sendable () -> Void)?

    func requestFlush() { flushRequester?() }

    // MARK: - Closing

    /// Takes the database out of service for `DROP DATABASE`: waiting writers fail, the WAL
    /// is closed without a flush (the folder is removed next), background work skips it.
    func closeForDrop() {
        if readOnly { return }
        lock.lock()
        closed = true
        dropped = true
        let pending = waiting
        waiting = []
        lock.unlock()
        for w in pending {
            w.completion(WriteOutcome(rejected: [], failure: ChargelineError(.notFound, "database \(name) was dropped")))
        }
        wal.close()
        rollupChild?.closeForDrop()
    }

    /// Flushes the head to segments (so the next start replays nothing), syncs and closes the
    /// WAL. Writes arriving later fail with `.closed`.
    package func close() throws {
        if readOnly { return }
        lock.lock()
        closed = true
        let pending = waiting
        waiting = []
        lock.unlock()
        for w in pending {
            w.completion(WriteOutcome(rejected: [], failure: ChargelineError(.closed, "database \(name) closed before this write was applied; retry after restart")))
        }
        wal.close()
        try flush(rotateWAL: false)
        try rollupChild?.close()
        try storeRollupState()
    }
}

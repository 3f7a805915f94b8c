import Foundation
package import ChargelineCore
package import Logging

/// A segmented write-ahead log with group commit.
///
/// The file format (segment header, record framing, checksums, names) is the shared log's
/// (ChargelineLog, docs/format/log.md) with the WAL's records inside (`WALRecord`); what is
/// the WAL's own is here: group commit, the fsync policy, sequence numbers, rotation, taking a
/// failed write back, completions. Replay and its recovery rules: `WALReplayer`.
///
/// Contract:
/// - `append` only checksums and copies bytes into memory and never blocks on disk; records
///   are in the order the appends took the log's lock.
/// - A write cycle writes everything appended so far with one `write(2)` and, under
///   `FsyncPolicy.always`, one `fdatasync`, then hands the completions of every record it
///   covered on and the next cycle starts at once. Writers that arrive while a sync runs share
///   the next one. Cycles run one at a time, in order.
/// - The completions run in record order, one at a time: a slow completion (the owner
///   applying a batch to its head) overlaps the next write and sync instead of delaying it,
///   and never runs concurrently with another completion.
/// - Both run as jobs on the process's shared `WALExecutor` (a bounded pool), never on threads
///   of the log's own: an idle or open log costs no thread. The segment file is created by the
///   first cycle that writes to it, so a log nobody writes to holds no file either.
/// - `rotate()` ends the current segment after everything appended so far and returns the id
///   of the next one; every record appended before it lies in segments before that id.
/// - A failed write (disk full, I/O error) fails exactly the records it did not make durable,
///   with a `.unavailable` error, and takes their bytes back off the file (truncating to the
///   last good record, or moving to a new segment when that fails): nothing a failed record
///   holds is replayed later. The log is not stopped by it: the next append tries again, so
///   writes resume by themselves once space returns.
/// - Thread-safe.
package final class WAL: @unchecked Sendable {
    package typealias Completion = @Sendable (ChargelineError?) -> Void

    /// Segments rotate once they pass this size (64 MiB: replay of one segment takes well
    /// under a second, and few files accumulate between head flushes).
    package static let defaultSegmentSize = 64 << 20

    private let directory: String
    private let policy: FsyncPolicy
    private let segmentSize: Int
    private let logger: Logger
    private let cond = NSCondition()

    // State guarded by `cond`.
    private var pending: [UInt8] = []
    private var spare: [UInt8] = []
    private var rotations: [(atByte: Int, newID: UInt64)] = []
    /// Per record not yet completed: its sequence number, where it ends in the buffer it was
    /// appended to (`pending` then), and its completion.
    private var waiters: [(lsn: UInt64, end: Int, completion: Completion)] = []
    private var appendedLSN: UInt64 = 0
    private var durableLSN: UInt64 = 0
    /// Records whose completions have returned.
    private var completedLSN: UInt64 = 0
    private var nextID: UInt64
    private var closing = false
    /// Set when a failed write could not be taken back off the file: the next cycle truncates
    /// again before writing anything.
    private var needsTruncate = false
    /// The log has stopped: its last cycle was written and every completion ran.
    private var committerDone = false
    /// A write cycle is queued or running on the executor (at most one at a time).
    private var commitScheduled = false
    /// A timed job will look again for an interval sync that falls due.
    private var syncTimerScheduled = false
    private let executor: WALExecutor

    /// Cycles written but whose completions have not run, oldest first, whether the last
    /// cycle has been written, and whether a job running completions is queued or running
    /// (guarded by `completionCond`).
    private let completionCond = NSCondition()
    private var finishedCycles: [FinishedCycle] = []
    private var committerStopped = false
    private var completionsScheduled = false
    private struct FinishedCycle {
        var waiters: [(lsn: UInt64, end: Int, completion: Completion)]
        /// Leading bytes of the cycle's buffer that are in the log for good.
        var good: Int
        var error: ChargelineError?
        var lsn: UInt64
    }
    /// The last write failure and when it happened (monotonic ns), cleared by a successful
    /// write: what `writeFailure` reports.
    private var lastFailure: (error: ChargelineError, at: Int64)?

    // Owned by the write cycles (one runs at a time). `fd` is -1 until the first cycle that
    // writes creates the current segment.
    private var fd: Int32
    private var currentID: UInt64
    private var currentSize: Int
    private var lastSync: Int64

    /// A log whose next record goes to segment `firstID` in `directory` (created when the
    /// first record is written), running on `executor`.
    package init(directory: String, firstID: UInt64, policy: FsyncPolicy,
                 segmentSize: Int = WAL.defaultSegmentSize, executor: WALExecutor = .shared, logger: Logger) throws {
        self.directory = directory
        self.policy = policy
        self.segmentSize = segmentSize
        self.executor = executor
        self.logger = logger
        try FileIO.makeDirectories(directory)
        currentID = firstID
        nextID = firstID + 1
        fd = -1
        currentSize = WALRecord.segmentHeaderSize
        lastSync = FileIO.monotonicNanoseconds()
    }

    /// The id of the segment the next write goes to.
    package var currentSegmentID: UInt64 {
        cond.lock(); defer { cond.unlock() }
        return rotations.last?.newID ?? currentID
    }

    /// `.closed` once the log is closed, else nil. Write failures are not sticky (see
    /// `writeFailure`).
    package var failureState: ChargelineError? {
        cond.lock(); defer { cond.unlock() }
        return closing ? ChargelineError(.closed, "the WAL is closed") : nil
    }

    /// The error of the last write cycle when it failed (disk full, I/O error) and no write has
    /// succeeded since; nil when the log is writing.
    package var writeFailure: ChargelineError? {
        cond.lock(); defer { cond.unlock() }
        return lastFailure?.error
    }

    /// Test hook (fault injection): called before each write of a cycle's bytes to a segment
    /// with the segment path and byte count; a throw fails that write as `write(2)` would, after
    /// `partial` of its bytes reached the file. Set before appending; not for production use.
    package var injectWriteFault: (@Sendable (_ path: String, _ bytes: Int) -> (error: ChargelineError, partial: Int)?)?

    /// Called on the completion thread after the completions of each write cycle (outside the
    /// WAL's lock), so the owner can admit writers that waited for the WAL to catch up.
    package var onCycle: (@Sendable () -> Void)?
    /// Called after each `fdatasync` of a segment with how long it took (ns), on the writer's thread.
    package var onSync: (@Sendable (Int64) -> Void)?

    /// Bytes appended but not yet written.
    package var bytesPending: Int {
        cond.lock(); defer { cond.unlock() }
        return pending.count
    }

    /// Appends a record holding `batch` and calls `completion` once it is durable under the
    /// policy (or with the error that stopped the log). Never blocks on I/O. Records are in
    /// the order their `append` calls took the log's lock.
    package func append(_ batch: WriteBatch, completion: @escaping Completion) {
        batch.bytes.withUnsafeBytes { append(kind: .writeBatch, payload: $0, completion: completion) }
    }

    /// Appends a record of `kind` holding `payload` (a delete's tombstone), ordered and made
    /// durable as batches are; `completion` as for `append(_:completion:)`.
    package func append(kind: WALRecord.Kind, payload: [UInt8], completion: @escaping Completion) {
        payload.withUnsafeBytes { append(kind: kind, payload: $0, completion: completion) }
    }

    /// The one append path: the record queued in order, its write cycle scheduled on the
    /// shared executor.
    private func append(kind: WALRecord.Kind, payload: UnsafeRawBufferPointer, completion: @escaping Completion) {
        // The checksum is the costly part of an append: computed before the lock.
        let crc = WALRecord.checksum(kind: kind, payload: payload)
        cond.lock()
        if closing {
            cond.unlock()
            completion(ChargelineError(.closed, "the store is shutting down; retry against the restarted server"))
            return
        }
        WALRecord.append(kind: kind, payload: payload, checksum: crc, to: &pending)
        appendedLSN += 1
        waiters.append((appendedLSN, pending.count, completion))
        scheduleCycleLocked()
        cond.unlock()
    }

    /// Ends the current segment after everything appended so far. Returns the id of the
    /// segment that the next record goes to.
    package func rotate() -> UInt64 { rotateAfterLast().id }

    /// `rotate()`, also returning the sequence number of the last record appended before the
    /// rotation (wait for it with `waitForCompletions(through:)`).
    package func rotateAfterLast() -> (id: UInt64, lsn: UInt64) {
        cond.lock(); defer { cond.unlock() }
        let id = nextID
        nextID += 1
        rotations.append((pending.count, id))
        scheduleCycleLocked()
        return (id, appendedLSN)
    }

    /// Whether some appended record's completion has not returned yet.
    package var hasIncompleteRecords: Bool {
        cond.lock(); defer { cond.unlock() }
        return completedLSN < appendedLSN
    }

    /// The error of a write cycle that failed less than `failureRetryWindow` ago (and none succeeded
    /// since): writers are turned away with it at once instead of queueing behind a disk that
    /// cannot take them; after the window one cycle tries again.
    package func recentWriteFailure() -> ChargelineError? {
        cond.lock(); defer { cond.unlock() }
        guard let f = lastFailure, FileIO.monotonicNanoseconds() - f.at < failureRetryWindow else { return nil }
        return f.error
    }

    /// See `recentWriteFailure()` (ns): one second, the `Retry-After` the HTTP API gives.
    package var failureRetryWindow: Int64 = 1_000_000_000

    /// The sequence number of the last record appended so far.
    package var lastAppendedLSN: UInt64 {
        cond.lock(); defer { cond.unlock() }
        return appendedLSN
    }

    /// Waits until the completions of every record up to `lsn` have returned (never call
    /// this from one of this log's completions: it would wait for itself).
    package func waitForCompletions(through lsn: UInt64) {
        cond.lock(); defer { cond.unlock() }
        executor.waitHelping(cond) { completedLSN >= lsn || committerDone }
    }

    /// Waits until everything appended so far is written and synced and its completions have
    /// returned, then closes the file. Later appends fail with `.closed`.
    package func close() {
        cond.lock()
        closing = true
        scheduleCycleLocked()
        executor.waitHelping(cond) { committerDone }
        cond.unlock()
    }

    /// Removes segments whose id is below `id` (their contents are in segment files).
    package func removeSegments(before id: UInt64) {
        for name in FileIO.list(directory) {
            guard let segID = FileNames.id(of: name, suffix: FileNames.walSuffix), segID < id else { continue }
            do {
                try FileIO.remove(directory + "/" + name)
            } catch {
                logger.warning("could not remove WAL segment \(name): \(error)")
            }
        }
    }

    // MARK: - Committer

    /// Under `cond`: queues a write cycle unless one is queued or running (it looks for work
    /// again when it ends).
    private func scheduleCycleLocked() {
        guard !commitScheduled else { return }
        commitScheduled = true
        executor.submit { [self] in cycle() }
    }

    /// One write cycle: writes and syncs everything appended so far and hands its completions
    /// on; with nothing to do, stops the log when it is closing, or waits for an interval sync
    /// to fall due.
    private func cycle() {
        cond.lock()
        let nothing = pending.isEmpty && rotations.isEmpty
        if nothing && closing {
            cond.unlock()
            stop()
            return
        }
        if nothing && !syncDue() {
            commitScheduled = false
            if case .interval(let ms) = policy, currentSizeUnsynced, !syncTimerScheduled {
                syncTimerScheduled = true
                let due = lastSync + Int64(ms) * 1_000_000 - FileIO.monotonicNanoseconds()
                executor.submit(afterNanoseconds: max(due, 1_000_000)) { [self] in
                    cond.lock()
                    syncTimerScheduled = false
                    scheduleCycleLocked()
                    cond.unlock()
                }
            }
            cond.unlock()
            return
        }
        var buffer = pending
        pending = spare
        let rots = rotations
        rotations = []
        let lsn = appendedLSN
        let split = waiters.firstIndex { $0.lsn > lsn } ?? waiters.count
        let done = Array(waiters[..<split])
        waiters.removeFirst(split)
        cond.unlock()

        let (good, error) = writeOut(&buffer, rotations: rots)

        cond.lock()
        buffer.removeAll(keepingCapacity: true)
        spare = buffer
        if let error {
            if lastFailure == nil { logger.error("WAL write failed; writes are refused until it succeeds again: \(error)") }
            lastFailure = (error, FileIO.monotonicNanoseconds())
        } else if lastFailure != nil {
            logger.notice("WAL writes succeed again")
            lastFailure = nil
        }
        durableLSN = lsn
        cond.unlock()
        completionCond.lock()
        finishedCycles.append(FinishedCycle(waiters: done, good: good, error: error, lsn: lsn))
        scheduleCompletionsLocked()
        completionCond.unlock()
        cond.lock()
        commitScheduled = false
        // More may have been appended meanwhile (or the log is closing): look again, after the
        // jobs of other logs already queued.
        scheduleCycleLocked()
        cond.unlock()
    }

    /// The last cycle: syncs what is unsynced, closes the file and lets the completions end
    /// the log.
    private func stop() {
        if fd >= 0 {
            if currentSizeUnsynced { _ = try? FileIO.sync(fd, path: currentPath) }
            FileIO.close(fd)
            fd = -1
        }
        completionCond.lock()
        committerStopped = true
        scheduleCompletionsLocked()
        completionCond.unlock()
    }

    /// Under `completionCond`: queues a job running completions unless one is queued or running.
    private func scheduleCompletionsLocked() {
        guard !completionsScheduled else { return }
        completionsScheduled = true
        executor.submit { [self] in runCompletions() }
    }

    /// Runs the completions of each written cycle in order, then records them as completed;
    /// once the last cycle is written and its completions ran, the log is done.
    private func runCompletions() {
        while true {
            completionCond.lock()
            if finishedCycles.isEmpty {
                completionsScheduled = false
                let stopped = committerStopped
                completionCond.unlock()
                if stopped {
                    cond.lock()
                    committerDone = true
                    cond.broadcast()
                    cond.unlock()
                }
                return
            }
            let cycles = finishedCycles
            finishedCycles.removeAll(keepingCapacity: true)
            completionCond.unlock()
            for cycle in cycles {
                for w in cycle.waiters {
                    if w.end <= cycle.good {
                        w.completion(nil)
                    } else {
                        w.completion(cycle.error ?? ChargelineError(.unavailable, "WAL write failed"))
                    }
                }
                onCycle?()
                cond.lock()
                completedLSN = cycle.lsn
                cond.broadcast()
                cond.unlock()
            }
        }
    }

    private var unsyncedBytes = 0
    private var currentSizeUnsynced: Bool { unsyncedBytes > 0 }
    private var currentPath: String { directory + "/" + FileNames.walSegment(currentID) }
    /// The segment a failed rotation still owes: the next cycle moves to it before writing.
    private var owedSegment: UInt64?

    private func syncDue() -> Bool {
        guard case .interval(let ms) = policy, unsyncedBytes > 0 else { return false }
        return FileIO.monotonicNanoseconds() - lastSync >= Int64(ms) * 1_000_000
    }

    /// Writes `buffer`, switching segments at the rotation points; syncs per policy. Returns
    /// how many leading bytes of `buffer` are in the log for good (written, and synced where
    /// the policy asks), and the error that stopped the rest. Bytes past that point that
    /// reached a file are taken back off it.
    private func writeOut(_ buffer: inout [UInt8], rotations: [(atByte: Int, newID: UInt64)]) -> (good: Int, error: ChargelineError?) {
        var good = 0
        // The current segment's size when its first byte of this cycle was written: where a
        // failure truncates back to.
        var rollback = currentSize
        do {
            // What a failed cycle left undone comes first, before any new byte is written.
            if needsTruncate && fd >= 0 {
                try FileIO.truncate(fd, to: currentSize, path: currentPath)
                try FileIO.sync(fd, path: currentPath)
                needsTruncate = false
                unsyncedBytes = 0
            }
            if let owed = owedSegment {
                try switchSegment(to: owed, syncOld: true)
                owedSegment = nil
            }
            rollback = currentSize
            try buffer.withUnsafeBytes { raw in
                var start = 0
                for (k, r) in rotations.enumerated() {
                    do {
                        try writeChunk(UnsafeRawBufferPointer(rebasing: raw[start..<r.atByte]))
                        try switchSegment(to: r.newID, syncOld: true)
                    } catch {
                        // This cycle's bytes in the current segment are taken back below. Every
                        // record after a rotation point must land in a segment at or past the
                        // rotation's id (a flush drops the segments before it): the last
                        // rotation not reached is owed to the next cycle.
                        owedSegment = rotations[k...].map(\.newID).max()
                        throw error
                    }
                    good = r.atByte
                    rollback = currentSize
                    start = r.atByte
                }
                try writeChunk(UnsafeRawBufferPointer(rebasing: raw[start...]))
            }
            switch policy {
            case .always:
                if unsyncedBytes > 0 { try syncNow() }
            case .interval:
                if syncDue() { try syncNow() }
            case .never:
                break
            }
            good = buffer.count
            if currentSize >= segmentSize {
                // Only when no rotation is pending: a pending one already holds the next id and
                // ends this segment, and taking a later id here would put older records in a
                // higher-numbered segment than newer ones.
                cond.lock()
                var id: UInt64?
                if self.rotations.isEmpty {
                    id = nextID
                    nextID += 1
                }
                cond.unlock()
                if let id {
                    do {
                        try switchSegment(to: id, syncOld: true)
                    } catch {
                        // The records are written; the next cycle moves to the new segment.
                        owedSegment = id
                        logger.warning("WAL: could not start segment \(id): \(error); retried before the next write")
                    }
                }
            }
            return (good, nil)
        } catch {
            let failure = asUnavailable(error)
            takeBack(to: rollback, after: failure)
            return (good, failure)
        }
    }

    /// After a failed write: truncates the current segment back to `size` (the end of its last
    /// good record) so no byte of the failed records is ever replayed; when that fails too, the
    /// next cycle truncates again before it writes anything.
    private func takeBack(to size: Int, after failure: ChargelineError) {
        guard fd >= 0 else { return }  // the segment could not be created: nothing was written
        do {
            try FileIO.truncate(fd, to: size, path: currentPath)
            try FileIO.sync(fd, path: currentPath)
            currentSize = size
            unsyncedBytes = 0
        } catch {
            logger.error("WAL: could not take the failed write back off \(currentPath) (\(error)); retried before the next write")
            currentSize = size
            needsTruncate = true
        }
    }

    private func asUnavailable(_ error: any Error) -> ChargelineError {
        if let e = error as? ChargelineError {
            return e.code == .unavailable ? e : ChargelineError(.unavailable, "WAL write failed, nothing of this batch was stored: \(e.message); writes resume by themselves once the WAL can write again", cause: e)
        }
        return ChargelineError(.unavailable, "WAL write failed, nothing of this batch was stored: \(error)")
    }

    private func writeChunk(_ chunk: UnsafeRawBufferPointer) throws {
        guard chunk.count > 0 else { return }
        if fd < 0 {
            // The first bytes for the current segment: it is created now.
            fd = try WAL.createSegment(directory: directory, id: currentID)
            currentSize = WALRecord.segmentHeaderSize
            unsyncedBytes = 0
        }
        if let fault = injectWriteFault?(currentPath, chunk.count) {
            let partial = max(0, min(fault.partial, chunk.count))
            if partial > 0 { try FileIO.writeAll(fd, UnsafeRawBufferPointer(rebasing: chunk[..<partial]), path: currentPath) }
            throw fault.error
        }
        try FileIO.writeAll(fd, chunk, path: currentPath)
        currentSize += chunk.count
        unsyncedBytes += chunk.count
    }

    private func syncNow() throws {
        let started = FileIO.monotonicNanoseconds()
        try FileIO.sync(fd, path: currentPath)
        onSync?(FileIO.monotonicNanoseconds() - started)
        unsyncedBytes = 0
        lastSync = FileIO.monotonicNanoseconds()
    }

    /// Ends the current segment (synced first when `syncOld`) and moves to segment `id`,
    /// created when its first record is written. When the sync fails the current segment
    /// stays open.
    private func switchSegment(to id: UInt64, syncOld: Bool) throws {
        if fd >= 0 {
            if syncOld && (policy != .never || unsyncedBytes > 0) { try syncNow() }
            FileIO.close(fd)
            fd = -1
        }
        // The new segment is created by the first cycle that writes to it.
        currentID = id
        currentSize = WALRecord.segmentHeaderSize
        unsyncedBytes = 0
    }

    private static func createSegment(directory: String, id: UInt64) throws -> Int32 {
        let path = directory + "/" + FileNames.walSegment(id)
        let fd = try FileIO.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        do {
            try FileIO.writeAll(fd, WALRecord.segmentHeader(id: id), path: path)
            try FileIO.sync(fd, path: path)
            try FileIO.syncDirectory(directory)
        } catch {
            FileIO.close(fd)
            // An empty or half-written header holds no record: not left for replay to report.
            try? FileIO.remove(path)
            throw error
        }
        return fd
    }
}

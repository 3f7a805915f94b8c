import Foundation
package import ChargelineCore
package import Logging

/// A segmented write-ahead log with group commit.
///
/// Contract:
/// - `append` is called with the owner's lock held, so records are in the order their batches
///   were applied to the head; it only copies bytes into memory and never blocks on disk.
/// - One committer thread writes everything appended so far with one `write(2)` and, under
///   `FsyncPolicy.always`, one `fdatasync`, then calls the completions of every record it
///   covered, in order, on the committer thread. Writers that arrive while a sync runs share
///   the next one.
/// - `rotate()` ends the current segment after everything appended so far and returns the id
///   of the next one; the head frozen at that moment is exactly what segments before it hold.
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
    private var waiters: [(lsn: UInt64, completion: Completion)] = []
    private var appendedLSN: UInt64 = 0
    private var durableLSN: UInt64 = 0
    private var nextID: UInt64
    private var closing = false
    private var failure: ChargelineError?
    private var committerDone = false

    // Owned by the committer thread once started.
    private var fd: Int32
    private var currentID: UInt64
    private var currentSize: Int
    private var lastSync: Int64

    /// Opens a new segment `firstID` in `directory` and starts the committer thread.
    package init(directory: String, firstID: UInt64, policy: FsyncPolicy,
                 segmentSize: Int = WAL.defaultSegmentSize, logger: Logger) throws {
        self.directory = directory
        self.policy = policy
        self.segmentSize = segmentSize
        self.logger = logger
        try FileIO.makeDirectories(directory)
        currentID = firstID
        nextID = firstID + 1
        fd = try WAL.createSegment(directory: directory, id: firstID)
        currentSize = WALRecord.segmentHeaderSize
        lastSync = FileIO.monotonicNanoseconds()
        pending.reserveCapacity(4 << 20)
        spare.reserveCapacity(4 << 20)
        let thread = Thread { [self] in self.commitLoop() }
        thread.name = "chargeline-wal-committer"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// The id of the segment the next write goes to.
    package var currentSegmentID: UInt64 {
        cond.lock(); defer { cond.unlock() }
        return rotations.last?.newID ?? currentID
    }

    /// The error that stopped the log, if any (sticky: every later append fails with it).
    package var failureState: ChargelineError? {
        cond.lock(); defer { cond.unlock() }
        return failure ?? (closing ? ChargelineError(.closed, "the WAL is closed") : nil)
    }

    /// Called on the committer thread after each write cycle (outside the WAL's lock), so the
    /// owner can admit writers that waited for the WAL to catch up.
    package var onCycle: (@Sendable () -> Void)?
    /// Called after each `fdatasync` of a segment with how long it took (ns), on the writer's thread.
    package var onSync: (@Sendable (Int64) -> Void)?

    /// Bytes appended but not yet written.
    package var bytesPending: Int {
        cond.lock(); defer { cond.unlock() }
        return pending.count
    }

    /// Appends a record holding `batch` and calls `completion` once it is durable under the
    /// policy (or with the error that stopped the log). Never blocks on I/O.
    package func append(_ batch: WriteBatch, completion: @escaping Completion) {
        cond.lock()
        if let failure {
            cond.unlock()
            completion(failure)
            return
        }
        if closing {
            cond.unlock()
            completion(ChargelineError(.closed, "the store is shutting down; retry against the restarted server"))
            return
        }
        batch.bytes.withUnsafeBytes { WALRecord.append(kind: .writeBatch, payload: $0, to: &pending) }
        appendedLSN += 1
        waiters.append((appendedLSN, completion))
        cond.signal()
        cond.unlock()
    }

    /// Ends the current segment after everything appended so far. Returns the id of the
    /// segment that the next record goes to.
    package func rotate() -> UInt64 {
        cond.lock(); defer { cond.unlock() }
        let id = nextID
        nextID += 1
        rotations.append((pending.count, id))
        cond.signal()
        return id
    }

    /// Waits until everything appended so far is written and synced, then stops the committer
    /// and closes the file. Later appends fail with `.closed`.
    package func close() {
        cond.lock()
        closing = true
        cond.broadcast()
        while !committerDone { cond.wait() }
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

    private func commitLoop() {
        cond.lock()
        while true {
            while pending.isEmpty && rotations.isEmpty && !closing && !syncDue() {
                if case .interval(let ms) = policy, currentSizeUnsynced {
                    _ = cond.wait(until: Date(timeIntervalSinceNow: Double(ms) / 1_000))
                } else {
                    cond.wait()
                }
            }
            if pending.isEmpty && rotations.isEmpty && closing { break }
            var buffer = pending
            pending = spare
            let rots = rotations
            rotations = []
            let lsn = appendedLSN
            cond.unlock()

            let error = writeOut(&buffer, rotations: rots)

            cond.lock()
            buffer.removeAll(keepingCapacity: true)
            spare = buffer
            if let error, failure == nil {
                failure = error
                logger.critical("WAL stopped: \(error)")
            }
            durableLSN = lsn
            let split = waiters.firstIndex { $0.lsn > lsn } ?? waiters.count
            let done = Array(waiters[..<split])
            waiters.removeFirst(split)
            let result = failure
            cond.unlock()
            for w in done { w.completion(result) }
            onCycle?()
            cond.lock()
        }
        if currentSizeUnsynced { _ = try? FileIO.sync(fd, path: currentPath) }
        FileIO.close(fd)
        committerDone = true
        cond.broadcast()
        cond.unlock()
    }

    private var unsyncedBytes = 0
    private var currentSizeUnsynced: Bool { unsyncedBytes > 0 }
    private var currentPath: String { directory + "/" + FileNames.walSegment(currentID) }

    private func syncDue() -> Bool {
        guard case .interval(let ms) = policy, unsyncedBytes > 0 else { return false }
        return FileIO.monotonicNanoseconds() - lastSync >= Int64(ms) * 1_000_000
    }

    /// Writes `buffer`, switching segments at the rotation points; syncs per policy.
    private func writeOut(_ buffer: inout [UInt8], rotations: [(atByte: Int, newID: UInt64)]) -> ChargelineError? {
        do {
            try buffer.withUnsafeBytes { raw in
                var start = 0
                for r in rotations {
                    try writeChunk(UnsafeRawBufferPointer(rebasing: raw[start..<r.atByte]))
                    try switchSegment(to: r.newID)
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
            if currentSize >= segmentSize {
                // Only when no rotation is pending: a pending one already holds the next id and
                // ends this segment, and taking a later id here would put older records in a
                // higher-numbered segment than newer ones.
                cond.lock()
                var id: UInt64?
                if rotations.isEmpty {
                    id = nextID
                    nextID += 1
                }
                cond.unlock()
                if let id { try switchSegment(to: id) }
            }
            return nil
        } catch let e as ChargelineError {
            return e
        } catch {
            return ChargelineError(.io, "WAL write failed: \(error)")
        }
    }

    private func writeChunk(_ chunk: UnsafeRawBufferPointer) throws {
        guard chunk.count > 0 else { return }
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

    private func switchSegment(to id: UInt64) throws {
        if policy != .never || unsyncedBytes > 0 { try syncNow() }
        FileIO.close(fd)
        fd = try WAL.createSegment(directory: directory, id: id)
        currentID = id
        currentSize = WALRecord.segmentHeaderSize
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
            throw error
        }
        return fd
    }
}

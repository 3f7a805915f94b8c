import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage

@Suite struct WALTests {
    /// Writes `count` small batches to a fresh WAL and returns the segment path and batches.
    func makeSegment(_ dir: TempDirectory, count: Int) throws -> (path: String, batches: [WriteBatch]) {
        let wal = try WAL(directory: dir.path, firstID: 1, policy: .always, logger: quietLogger)
        var batches: [WriteBatch] = []
        for i in 0..<count {
            var b = WriteBatchBuilder()
            for j in 0...(i % 3) {
                b.addPoint(measurement: "m", tags: ["pile": "P\(i)"], timestamp: Int64(i * 10 + j),
                           fields: [("v", .float(Double(i) + 0.5)), ("s", .string(String(repeating: "x", count: i)))])
            }
            let batch = b.finish()
            batches.append(batch)
            let done = DispatchSemaphore(value: 0)
            wal.append(batch) { error in
                precondition(error == nil)
                done.signal()
            }
            done.wait()
        }
        wal.close()
        return (dir.path + "/" + FileNames.walSegment(1), batches)
    }

    func replay(_ dir: String) throws -> (batches: [[UInt8]], report: WALReplayReport) {
        var out: [[UInt8]] = []
        let report = try WALReplayer.replay(directory: dir, fromID: 1, logger: quietLogger) { out.append($0.bytes) }
        return (out, report)
    }

    @Test func replaysEverythingWritten() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (_, batches) = try makeSegment(dir, count: 6)
        let (got, report) = try replay(dir.path)
        #expect(got == batches.map(\.bytes))
        #expect(report.problems.isEmpty)
    }

    @Test func truncationAtEveryOffsetKeepsEveryCompleteRecord() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (path, batches) = try makeSegment(dir, count: 6)
        let full = try FileIO.readAll(path)
        // Record boundaries: header, then each record's end.
        var ends = [WALRecord.segmentHeaderSize]
        for b in batches { ends.append(ends.last! + WALRecord.recordHeaderSize + b.bytes.count) }
        #expect(ends.last == full.count)
        for cut in WALRecord.segmentHeaderSize...full.count {
            let work = TempDirectory(); defer { work.cleanup() }
            let copy = work.path + "/" + FileNames.walSegment(1)
            _ = FileManager.default.createFile(atPath: copy, contents: Data(full[..<cut]))
            let (got, report) = try replay(work.path)
            let complete = ends.lastIndex { $0 <= cut }!
            #expect(got == batches.prefix(complete).map(\.bytes), "cut at \(cut)")
            #expect(report.problems.isEmpty, "cut at \(cut): \(report.problems)")
            // The torn tail is gone, so later appends follow a clean record boundary.
            #expect(FileIO.fileSize(copy) == ends[complete], "cut at \(cut)")
        }
    }

    @Test func aFlippedByteCostsAtMostTheDamagedRecord() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (path, batches) = try makeSegment(dir, count: 6)
        let full = try FileIO.readAll(path)
        let lastRecordStart = full.count - WALRecord.recordHeaderSize - batches.last!.bytes.count
        for offset in WALRecord.segmentHeaderSize..<full.count {
            var damaged = full
            damaged[offset] ^= 0x5A
            let work = TempDirectory(); defer { work.cleanup() }
            _ = FileManager.default.createFile(atPath: work.path + "/" + FileNames.walSegment(1), contents: Data(damaged))
            let (got, report) = try replay(work.path)
            // Whatever comes back is original records, in order, and at most one is missing.
            let original = batches.map(\.bytes)
            var j = 0
            for g in got {
                while j < original.count && original[j] != g { j += 1 }
                #expect(j < original.count, "flip at \(offset): replay produced a record that was never written")
                j += 1
            }
            #expect(got.count >= original.count - 1, "flip at \(offset): lost \(original.count - got.count) records")
            if offset < lastRecordStart {
                // Damage before the last record is reported with its byte offset.
                #expect(report.problems.count == 1, "flip at \(offset)")
                #expect(report.problems.first?.contains("byte") == true)
            }
        }
    }

    /// A flipped byte in the segment header (magic or version) skipped the whole file, and
    /// the next flush deleted it: 200 acknowledged batches gone. The records carry their own
    /// checksums, so every one of them is replayed; the file as found is kept in quarantine.
    @Test func aDamagedSegmentHeaderHidesNoRecord() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (path, batches) = try makeSegment(dir, count: 200)
        let full = try FileIO.readAll(path)
        for offset in 0..<6 {
            var damaged = full
            damaged[offset] ^= 0x5A
            let work = TempDirectory(); defer { work.cleanup() }
            _ = FileManager.default.createFile(atPath: work.path + "/" + FileNames.walSegment(1), contents: Data(damaged))
            let (got, report) = try replay(work.path)
            #expect(got == batches.map(\.bytes), "flip at \(offset)")
            #expect(report.problems.count == 1, "flip at \(offset)")
            #expect(report.problems.first?.contains("damaged segment header") == true, "flip at \(offset)")
            #expect(report.lostBytes == 0)
            let kept = work.path + "/quarantine/" + FileNames.walSegment(1)
            #expect(report.quarantined == [kept])
            #expect(try FileIO.readAll(kept) == damaged)
        }
    }

    /// The same through a store: the batches are readable after the restart, a flush drops
    /// the WAL file (its records are in segments) but the quarantine copy stays.
    @Test func aDamagedSegmentHeaderLosesNothingThroughAFlush() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var model: Model = [:]
        for round in 0..<200 {
            let batch = telemetryBatch(guns: 0..<2, times: [Int64(round) * 1_000_000_000])
            #expect(store.writeAndWait(database: "db", batch: batch).failure == nil)
            modelApply(&model, batch)
        }
        // A crash image: the WAL holds all 200 batches.
        let image = TempDirectory(); defer { image.cleanup() }
        try FileManager.default.removeItem(atPath: image.path)
        try FileManager.default.copyItem(atPath: dir.path, toPath: image.path)
        try? FileManager.default.removeItem(atPath: image.path + "/LOCK")
        try store.close()
        let walDir = image.path + "/db/" + FileNames.walDirectory
        let name = try #require(FileIO.list(walDir).first { $0.hasSuffix(FileNames.walSuffix) })
        var bytes = try FileIO.readAll(walDir + "/" + name)
        bytes[1] ^= 0x01
        _ = FileManager.default.createFile(atPath: walDir + "/" + name, contents: Data(bytes))
        store = try Store(directory: image.path, options: testOptions(), logger: quietLogger)
        #expect(try storeContent(store, database: "db") == model)
        #expect(store.openReport.contains { $0.contains("1 WAL problems") })
        try store.flush()
        #expect(!FileIO.list(walDir).contains(name))
        #expect(try FileIO.readAll(image.path + "/db/quarantine/" + name) == bytes)
        try store.close()
        store = try Store(directory: image.path, options: testOptions(), logger: quietLogger)
        #expect(try storeContent(store, database: "db") == model)
        try store.close()
    }

    /// A flipped byte in the last record was called a torn write "never acknowledged" and
    /// truncated away, though it was acknowledged. The report states what is known (which
    /// record fails its checksum, where) and the bytes are kept in quarantine.
    @Test func aDamagedLastRecordIsReportedAndKept() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let (path, batches) = try makeSegment(dir, count: 6)
        var bytes = try FileIO.readAll(path)
        let lastStart = bytes.count - WALRecord.recordHeaderSize - batches.last!.bytes.count
        bytes[bytes.count - 3] ^= 0x5A
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let (got, report) = try replay(dir.path)
        #expect(got == batches.dropLast().map(\.bytes))
        #expect(report.problems.count == 1)
        let problem = try #require(report.problems.first)
        #expect(problem.contains("record at byte \(lastStart) fails its checksum"))
        #expect(problem.contains(path))
        #expect(problem.contains("may or may not have been acknowledged"))
        #expect(!problem.contains("never acknowledged"))
        #expect(report.lostBytes == bytes.count - lastStart)
        let tail = dir.path + "/quarantine/" + FileNames.walSegment(1) + ".tail-at-\(lastStart)"
        #expect(report.quarantined.contains(tail))
        #expect(try FileIO.readAll(tail) == Array(bytes[lastStart...]))
        #expect(try FileIO.readAll(dir.path + "/quarantine/" + FileNames.walSegment(1)) == bytes)
        #expect(FileIO.fileSize(path) == lastStart)
    }

    /// A file with no header and no intact record is moved aside, not left for the next
    /// flush to delete.
    @Test func aFileWithNothingIntactIsMovedToQuarantine() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let junk = [UInt8](repeating: 0xAB, count: 100)
        _ = FileManager.default.createFile(atPath: dir.path + "/" + FileNames.walSegment(3), contents: Data(junk))
        let (got, report) = try replay(dir.path)
        #expect(got.isEmpty)
        #expect(report.problems.count == 1)
        #expect(report.lostBytes == 100)
        #expect(FileIO.fileSize(dir.path + "/" + FileNames.walSegment(3)) == nil)
        #expect(try FileIO.readAll(dir.path + "/quarantine/" + FileNames.walSegment(3)) == junk)
    }

    /// Disk full: a batch answered "nothing stored" was visible at once and survived a
    /// restart (it reached the head before the WAL failed), and writes never resumed after
    /// space was freed. Now the WAL takes the failed bytes back off the file, the head only
    /// takes batches the WAL wrote, and the next write after the fault succeeds.
    @Test func aFailedWALWriteLeavesNoTraceAndWritesResume() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        try store.createDatabase("db")
        let db = try #require(store.openDatabase("db"))
        db.wal.failureRetryWindow = 0
        var model: Model = [:]
        let first = telemetryBatch(guns: 0..<3, times: [1_000_000_000])
        #expect(store.writeAndWait(database: "db", batch: first).failure == nil)
        modelApply(&model, first)
        let walPath = db.walDirectory + "/" + FileNames.walSegment(db.wal.currentSegmentID)
        let sizeBefore = FileIO.fileSize(walPath)
        // ENOSPC after half of the bytes reached the file.
        let full = ChargelineError(.io, "write \(walPath): No space left on device (errno 28)")
        db.wal.injectWriteFault = { _, bytes in (full, bytes / 2) }
        let refused = telemetryBatch(guns: 0..<3, times: [2_000_000_000], base: 900)
        let outcome = store.writeAndWait(database: "db", batch: refused)
        #expect(outcome.failure?.code == .unavailable)
        #expect(outcome.failure?.message.contains("No space left on device") == true)
        #expect(db.wal.writeFailure != nil)
        #expect(try storeContent(store, database: "db") == model, "a refused batch is not visible")
        #expect(FileIO.fileSize(walPath) == sizeBefore, "the partial record is taken back off the file")
        // Space is back: the next write goes through without a restart.
        db.wal.injectWriteFault = nil
        let later = telemetryBatch(guns: 0..<3, times: [3_000_000_000], base: 500)
        #expect(store.writeAndWait(database: "db", batch: later).failure == nil)
        modelApply(&model, later)
        #expect(db.wal.writeFailure == nil)
        #expect(try storeContent(store, database: "db") == model)
        // A crash image replays exactly the acknowledged batches, with no damage to report.
        let image = TempDirectory(); defer { image.cleanup() }
        try FileManager.default.removeItem(atPath: image.path)
        try FileManager.default.copyItem(atPath: dir.path, toPath: image.path)
        try? FileManager.default.removeItem(atPath: image.path + "/LOCK")
        try store.close()
        store = try Store(directory: image.path, options: testOptions(), logger: quietLogger)
        #expect(try storeContent(store, database: "db") == model)
        #expect(store.openReport.allSatisfy { !$0.contains("WAL problems") })
        try store.close()
    }

    /// An I/O error between acknowledged batches, then a flush (which drops the WAL segment)
    /// and a crash: exactly the acknowledged batches come back.
    @Test func aFailedWriteThenAFlushKeepsExactlyTheAcknowledgedBatches() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        try store.createDatabase("db")
        let db = try #require(store.openDatabase("db"))
        db.wal.failureRetryWindow = 0
        var model: Model = [:]
        for round in 0..<4 {
            let batch = telemetryBatch(guns: 0..<2, times: [Int64(round) * 1_000_000_000])
            if round == 2 {
                db.wal.injectWriteFault = { _, bytes in (ChargelineError(.io, "write: Input/output error (errno 5)"), bytes - 1) }
                #expect(store.writeAndWait(database: "db", batch: batch).failure?.code == .unavailable)
                db.wal.injectWriteFault = nil
                try store.flush()
                continue
            }
            #expect(store.writeAndWait(database: "db", batch: batch).failure == nil)
            modelApply(&model, batch)
        }
        #expect(try storeContent(store, database: "db") == model)
        let image = TempDirectory(); defer { image.cleanup() }
        try FileManager.default.removeItem(atPath: image.path)
        try FileManager.default.copyItem(atPath: dir.path, toPath: image.path)
        try? FileManager.default.removeItem(atPath: image.path + "/LOCK")
        try store.close()
        store = try Store(directory: image.path, options: testOptions(), logger: quietLogger)
        #expect(try storeContent(store, database: "db") == model)
        try store.close()
    }

    @Test func anAcknowledgedWriteSurvivesACrashImage() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let image = TempDirectory(); defer { image.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        var model: Model = [:]
        for round in 0..<5 {
            let batch = telemetryBatch(guns: 0..<10, times: (0..<20).map { Int64(round * 20 + $0) * 1_000_000_000 })
            #expect(store.writeAndWait(database: "db", batch: batch).failure == nil)
            modelApply(&model, batch)
            if round == 2 { try store.flush() }
        }
        // Copy the directory while the store is still open: what a kill -9 would leave.
        try FileManager.default.removeItem(atPath: image.path)
        try FileManager.default.copyItem(atPath: dir.path, toPath: image.path)
        try? FileManager.default.removeItem(atPath: image.path + "/LOCK")
        let recovered = try Store(directory: image.path, options: testOptions(), logger: quietLogger)
        #expect(try storeContent(recovered, database: "db") == model)
        #expect(recovered.openReport.first?.contains("replayed") == true)
        try recovered.close()
        try store.close()
    }

    /// A completion still running (the owner applying a batch to its head) does not hold up
    /// the next record's write and sync; completions still run one at a time, in order.
    @Test func theNextRecordIsWrittenWhileACompletionRuns() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let wal = try WAL(directory: dir.path, firstID: 1, policy: .always, logger: quietLogger)
        let path = dir.path + "/" + FileNames.walSegment(1)
        let batches = (0..<3).map { i in
            var b = WriteBatchBuilder()
            b.addPoint(measurement: "m", tags: ["pile": "P\(i)"], timestamp: Int64(i), fields: [("v", .float(1))])
            return b.finish()
        }
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let order = NSLock()
        nonisolated(unsafe) var completed: [Int] = []
        for (i, batch) in batches.enumerated() {
            wal.append(batch) { error in
                precondition(error == nil)
                if i == 0 { release.wait() }
                order.lock(); completed.append(i); order.unlock()
                finished.signal()
            }
            if i == 0 {
                // Record 0 is written: its completion runs (or is about to) and blocks.
                while (FileIO.fileSize(path) ?? 0) < WALRecord.segmentHeaderSize + WALRecord.recordHeaderSize + batch.bytes.count {
                    usleep(1_000)
                }
            }
        }
        // Records 1 and 2 reach the file while record 0's completion is still blocked.
        let all = WALRecord.segmentHeaderSize + batches.reduce(0) { $0 + WALRecord.recordHeaderSize + $1.bytes.count }
        let deadline = Date().addingTimeInterval(30)
        while (FileIO.fileSize(path) ?? 0) < all && Date() < deadline { usleep(1_000) }
        #expect(FileIO.fileSize(path) == all)
        order.lock(); #expect(completed.isEmpty); order.unlock()
        release.signal()
        for _ in batches { finished.wait() }
        #expect(completed == [0, 1, 2])
        wal.close()
    }
}

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
}

import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// `Store.snapshot`: a copy taken while writes, flushes and compactions run holds every write
/// acknowledged before the call, whole batches only, and opens as a store.
@Suite struct StoreSnapshotTests {
    /// Batch `i`: 20 guns at one second `i`, so each batch is a distinct set of rows.
    func batch(_ i: Int) -> WriteBatch {
        telemetryBatch(guns: 0..<20, times: [1_795_000_000_000_000_000 + Int64(i) * 1_000_000_000], base: Double(i))
    }

    func model(_ range: Range<Int>) -> Model {
        var m: Model = [:]
        for i in range { modelApply(&m, batch(i)) }
        return m
    }

    /// Copies a snapshot folder into a new data directory (what a restore does) and opens it.
    func restore(_ snapshot: SnapshotReport, options: StorageOptions) throws -> (Store, TempDirectory) {
        let dir = TempDirectory()
        try FileManager.default.removeItem(atPath: dir.path)
        try FileManager.default.copyItem(atPath: snapshot.path, toPath: dir.path)
        return (try Store(directory: dir.path, options: options, logger: quietLogger), dir)
    }

    @Test func snapshotsDuringWritesFlushesAndCompactionsHoldEveryAcknowledgedBatch() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var options = testOptions()
        options.headFlushBytes = 64 << 10  // many small flushes while the writer runs
        let store = try Store(directory: dir.path, options: options, logger: quietLogger)
        final class Progress: @unchecked Sendable {
            let lock = NSLock()
            var acknowledged = 0
            var stop = false
        }
        let progress = Progress()
        let total = 600
        let writer = Thread {
            for i in 0..<total {
                progress.lock.lock(); let stop = progress.stop; progress.lock.unlock()
                if stop { break }
                let outcome = store.writeAndWait(database: "db", batch: self.batch(i))
                precondition(outcome.failure == nil)
                progress.lock.lock(); progress.acknowledged = i + 1; progress.lock.unlock()
            }
        }
        writer.start()
        let maintenance = Thread {
            while true {
                progress.lock.lock(); let stop = progress.stop; progress.lock.unlock()
                if stop { break }
                try? store.flush()
                try? store.compact()
            }
        }
        maintenance.start()
        var snapshots: [(SnapshotReport, Int)] = []
        for round in 1...4 {
            while true {
                progress.lock.lock(); let n = progress.acknowledged; progress.lock.unlock()
                if n >= round * total / 5 { break }
                Thread.sleep(forTimeInterval: 0.002)
            }
            progress.lock.lock(); let before = progress.acknowledged; progress.lock.unlock()
            snapshots.append((try store.snapshot(), before))
        }
        progress.lock.lock(); progress.stop = true; progress.lock.unlock()
        while writer.isExecuting || maintenance.isExecuting { Thread.sleep(forTimeInterval: 0.01) }

        for (snapshot, before) in snapshots {
            #expect(snapshot.path.hasPrefix(dir.path + "/.snapshots/"))
            let (restored, restoredDir) = try restore(snapshot, options: testOptions())
            defer { try? restored.close(); restoredDir.cleanup() }
            let content = try storeContent(restored, database: "db")
            // Batches are written one after another, so the snapshot holds a prefix of them:
            // at least every batch acknowledged before the call, each one whole.
            let held = (before...total).first { content == model(0..<$0) }
            #expect(held != nil, "snapshot \(snapshot.id) taken after \(before) acknowledged batches is not a whole prefix of them (\(content.count) series)")
        }
        // The original store was not disturbed: the snapshots folder is not a database.
        #expect(store.databaseNames() == ["db"])
        try store.close()
        let reopened = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        #expect(reopened.databaseNames() == ["db"])
        try reopened.close()
    }

    @Test func snapshotHoldsTheRollupTierAndItsState() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var options = testOptions()
        options.rollup.grace = 0
        let store = try Store(directory: dir.path, options: options, logger: quietLogger)
        let hour: Int64 = 3_600_000_000_000
        let t0: Int64 = 20_400 * 86_400_000_000_000
        store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<4, times: (0..<360).map { t0 + Int64($0) * 30_000_000_000 }))
        _ = try store.runRollups(now: t0 + 4 * hour)
        try store.flush()
        // A late row after the run: its stale mark lives in the WAL tail and ROLLUPS.
        store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<1, times: [t0 + 15 * 60_000_000_000], base: 9))
        let snapshot = try store.snapshot()
        let (restored, restoredDir) = try restore(snapshot, options: options)
        defer { try? restored.close(); restoredDir.cleanup() }
        func rows(_ s: Store) throws -> [String: [String]] {
            var out: [String: [String]] = [:]
            for r in try s.readRollup(database: "db", rollup: "1h", measurement: "telemetry") {
                out[r.key] = r.columns.map { c in "\(c.name):" + (0..<c.count).map { "\(c.timestamps[$0])=\(c.value(at: $0))" }.joined(separator: ",") }
            }
            return out
        }
        #expect(try rows(restored) == rows(store))
        #expect(try storeContent(restored, database: "db") == storeContent(store, database: "db"))
        // Both recompute the late row's bucket the same way.
        _ = try store.runRollups(now: t0 + 4 * hour)
        _ = try restored.runRollups(now: t0 + 4 * hour)
        #expect(try rows(restored) == rows(store))
        try store.close()
    }

    @Test func snapshotRefusesAFolderThatIsNotEmpty() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        defer { try? store.close() }
        let target = TempDirectory(); defer { target.cleanup() }
        FileManager.default.createFile(atPath: target.path + "/x", contents: Data())
        #expect(throws: ChargelineError.self) { try store.snapshot(to: target.path) }
    }
}

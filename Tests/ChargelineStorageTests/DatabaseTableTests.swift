import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage

/// `DatabaseTable`: databases do not each cost open files and threads when idle. The issue's
/// probe: ~10,000 tiny writes to new database names exhausted the 20,000-file limit (each
/// database held two WAL files and two committer threads), and after a restart even reads
/// failed.
@Suite struct DatabaseTableTests {
    /// Open file descriptors and threads of this process.
    /// Files counts only descriptors of files under `under` (other suites run beside this one
    /// and open files of their own); threads counts every thread of the process.
    static func handles(under: String = "/") -> (files: Int, threads: Int) {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        let files = fds.filter { fd in
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)) ?? "").hasPrefix(under)
        }.count
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
        return (files, threads)
    }

    static func point(_ i: Int) -> WriteBatch {
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "telemetry", tags: ["gun": "1"], timestamp: 1_795_000_000_000_000_000 + Int64(i) * 1_000_000_000,
                   fields: [("kw", .float(Double(i)))])
        return b.finish()
    }

    static func name(_ i: Int) -> String { "site" + String(format: "%04d", i) }

    /// Waits until the WAL completions of `names` have all returned (a writer is woken from
    /// inside its completion; until it returns the database is not quiet enough to close).
    static func settle(_ store: Store, _ names: [String]) {
        for name in names {
            guard let db = store.table.openDatabase(name) else { continue }
            for d in [db] + (db.rollupChild.map { [$0] } ?? []) { d.wal.waitForCompletions(through: d.wal.lastAppendedLSN) }
        }
    }

    /// 3,000 databases with one point each, under the default limits: files stay near what
    /// `maxOpenDatabases` open databases hold (up to two WAL files each) and threads near the
    /// shared WAL pool's, not 6,000 and 12,000; after a restart every database opens and reads back its point, still within
    /// the bound, and opening and closing leaves no empty WAL segments behind.
    @Test func threeThousandTinyDatabasesKeepFilesAndThreadsBoundedAcrossARestart() async throws {
        // Minutes of blocking file work: on a thread of its own, not on one of the (core-count
        // few) threads Swift Testing runs every test's tasks on, which it would starve.
        let problems = try await withCheckedThrowingContinuation { (c: CheckedContinuation<[String], any Error>) in
            let thread = Thread {
                do { c.resume(returning: try Self.threeThousandTinyDatabases()) } catch { c.resume(throwing: error) }
            }
            thread.start()
        }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
    }

    /// The work of the test above; returns what did not hold.
    static func threeThousandTinyDatabases() throws -> [String] {
        var problems: [String] = []
        func check(_ ok: Bool, _ message: @autoclosure () -> String) { if !ok { problems.append(message()) } }
        // In memory where the machine has it: what is measured is handles, not the disk, and
        // some 9,000 opens and closes each sync a few files (5 ms a sync on the CI disk).
        let root = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        let path = root + "chargeline-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let options = testOptions()
        let count = 3_000
        // No thread per open database (the WALs run on the shared pool), with room for the
        // rest of the test process (other suites run beside this one); without the limit and
        // the pool the growth was 9,000 files and 12,000 threads.
        // Files are counted under the test's folder only: per open database its two WAL files
        // and the segment files it has read (one here), with some slack.
        let bound = 4 * options.maxOpenDatabases
        let threadBound = WALExecutor.shared.threadLimit + 400
        let before = Self.handles(under: path)
        var store: Store? = try Store(directory: path, options: options, logger: quietLogger)
        for i in 0..<count {
            let outcome = store!.writeAndWait(database: Self.name(i), batch: Self.point(i))
            check(outcome.failure == nil, "write \(i): \(String(describing: outcome.failure))")
        }
        let written = Self.handles(under: path)
        check(written.files - before.files < bound, "open files grew by \(written.files - before.files)")
        check(written.threads - before.threads < threadBound, "threads grew by \(written.threads - before.threads)")
        check(store!.table.openCount <= options.maxOpenDatabases, "expectation failed: store!.table.openCount <= options.maxOpenDatabases")
        check(store!.databaseNames().count == count, "expectation failed: store!.databaseNames().count == count")
        try store!.close()
        store = nil

        let reopened = try Store(directory: path, options: options, logger: quietLogger)
        defer { try? reopened.close() }
        check(reopened.databaseNames().count == count, "expectation failed: reopened.databaseNames().count == count")
        for i in 0..<count {
            let rows = try reopened.read(database: Self.name(i), measurement: "telemetry")
            check(rows.count == 1 && rows.first?.columns.first?.count == 1, "database \(Self.name(i)): \(rows.count) series")
        }
        let read = Self.handles(under: path)
        check(read.files - before.files < bound, "open files grew by \(read.files - before.files) after the restart")
        check(read.threads - before.threads < threadBound, "threads grew by \(read.threads - before.threads) after the restart")
        check(reopened.statistics().count == count, "expectation failed: reopened.statistics().count == count")
        let walFiles = FileIO.list(path + "/" + Self.name(0) + "/" + FileNames.walDirectory).filter { $0.hasSuffix(FileNames.walSuffix) }
        check(walFiles.count <= 1, "WAL segments left: \(walFiles)")
        return problems
    }

    /// A leased database is never closed, even past the limit; once released it is the first
    /// to go, and a database idle past `databaseIdleClose` is closed by `closeIdle`. A closed
    /// one opens again on its next use with its data.
    @Test func leasedDatabasesStayOpenAndIdleOnesClose() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var options = testOptions()
        options.maxOpenDatabases = 1
        options.databaseIdleClose = 1
        let store = try Store(directory: dir.path, options: options, logger: quietLogger)
        defer { try? store.close() }
        #expect(store.writeAndWait(database: "a", batch: Self.point(1)).failure == nil)
        let a = try #require(try store.table.lease("a", create: false))
        Self.settle(store, ["a"])
        #expect(store.writeAndWait(database: "b", batch: Self.point(2)).failure == nil)
        #expect(store.table.openDatabase("a") === a, "a leased database was closed")
        store.table.release("a")
        Self.settle(store, ["a", "b"])
        #expect(store.writeAndWait(database: "c", batch: Self.point(3)).failure == nil)
        #expect(store.table.openDatabase("a") == nil && store.table.openDatabase("b") == nil)
        Self.settle(store, ["c"])
        #expect(store.table.closeIdle() == 1)
        #expect(store.table.openCount == 0)
        for (name, i) in [("a", 1), ("b", 2), ("c", 3)] {
            let rows = try store.read(database: name, measurement: "telemetry")
            #expect(rows.first?.columns.first?.value(at: 0) == .float(Double(i)), "database \(name)")
        }
    }

    /// Closing a database does not skip its rollups: a database closed before its hour was
    /// complete is opened by the next rollup run after the hour, and rolled up.
    @Test func closedDatabasesAreRolledUpOnceTheirHourIsComplete() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var options = testOptions()
        options.maxOpenDatabases = 1
        let store = try Store(directory: dir.path, options: options, logger: quietLogger)
        defer { try? store.close() }
        let t: Int64 = 1_795_000_000_000_000_000
        #expect(store.writeAndWait(database: "a", batch: Self.point(0)).failure == nil)
        Self.settle(store, ["a"])
        #expect(store.writeAndWait(database: "b", batch: Self.point(0)).failure == nil)
        #expect(store.table.openDatabase("a") == nil)
        let early = try store.runRollups(now: t + 60_000_000_000)
        #expect(!early.contains { $0.database == "a" }, "a was opened before its hour was complete")
        let runs = try store.runRollups(now: t + 3 * 3_600_000_000_000)
        #expect(runs.contains { $0.database == "a" && $0.report.bucketsWritten > 0 })
        #expect(try store.readRollup(database: "a", rollup: "1h", measurement: "telemetry").count == 1)
    }
}

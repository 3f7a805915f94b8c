import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage

/// The pool every WAL shares: jobs run, timed jobs wait their time, a pool thread waiting for a
/// log helps the pool instead of deadlocking it, and logs cost no thread each.
@Suite struct WALExecutorTests {
    final class Box: @unchecked Sendable {
        let cond = NSCondition()
        var values: [Int] = []
        func add(_ v: Int) { cond.lock(); values.append(v); cond.broadcast(); cond.unlock() }
        func wait(count: Int, seconds: Double = 10) -> [Int] {
            cond.lock(); defer { cond.unlock() }
            let deadline = Date(timeIntervalSinceNow: seconds)
            while values.count < count && cond.wait(until: deadline) {}
            return values
        }
    }

    @Test func oneThreadRunsJobsInOrderAndTimedOnesAfterTheirTime() {
        let pool = WALExecutor(threadLimit: 1)
        let box = Box()
        let started = FileIO.monotonicNanoseconds()
        pool.submit(afterNanoseconds: 50_000_000) { box.add(-1) }
        for i in 0..<100 { pool.submit { box.add(i) } }
        let values = box.wait(count: 101)
        #expect(Array(values.prefix(100)) == Array(0..<100))
        #expect(values.last == -1)
        #expect(FileIO.monotonicNanoseconds() - started >= 50_000_000)
        #expect(pool.threadCount == 1)
    }

    @Test func aPoolThreadWaitingOnAConditionRunsTheJobItWaitsFor() {
        // One thread: the first job waits for a flag the second job sets. Without helping, the
        // second job would never run.
        let pool = WALExecutor(threadLimit: 1)
        let box = Box()
        let flag = NSCondition()
        nonisolated(unsafe) var set = false
        pool.submit {
            flag.lock()
            pool.waitHelping(flag) { set }
            flag.unlock()
            box.add(1)
        }
        pool.submit {
            flag.lock(); set = true; flag.broadcast(); flag.unlock()
            box.add(0)
        }
        #expect(box.wait(count: 2) == [0, 1])
    }

    /// 3,000 databases open at once (the open limit raised past them), each written once: the
    /// process gains no thread per database (their WALs run on the shared pool) and no WAL file
    /// for a log nobody wrote to (each rollup WAL), and every point is acknowledged durable.
    @Test func threeThousandOpenDatabasesCostNoThreadsEach() async throws {
        let problems = try await withCheckedThrowingContinuation { (c: CheckedContinuation<[String], any Error>) in
            let thread = Thread {
                do { c.resume(returning: try Self.threeThousandOpen()) } catch { c.resume(throwing: error) }
            }
            thread.start()
        }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
    }

    static func threeThousandOpen() throws -> [String] {
        var problems: [String] = []
        let root = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        let path = root + "chargeline-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = testOptions()
        let count = 3_000
        options.maxOpenDatabases = count + 10
        let before = DatabaseTableTests.handles(under: path)
        let store = try Store(directory: path, options: options, logger: quietLogger)
        for i in 0..<count {
            let outcome = store.writeAndWait(database: DatabaseTableTests.name(i), batch: DatabaseTableTests.point(i))
            if let f = outcome.failure { problems.append("write \(i): \(f)") }
        }
        let after = DatabaseTableTests.handles(under: path)
        if store.table.openCount != count { problems.append("\(store.table.openCount) databases open, not \(count)") }
        // Other suites run beside this one and start threads of their own: 400 of slack, far
        // below the 12,000 that four threads per database made.
        let threadBound = WALExecutor.shared.threadLimit + 400
        if after.threads - before.threads >= threadBound { problems.append("threads grew by \(after.threads - before.threads) (bound \(threadBound))") }
        // One raw WAL segment per written database; the rollup WALs were never written.
        if after.files - before.files > count + 50 { problems.append("open files grew by \(after.files - before.files)") }
        try store.close()
        return problems
    }
}

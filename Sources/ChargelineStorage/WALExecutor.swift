package import Foundation

/// The threads every WAL of the process shares: a bounded pool running short jobs in FIFO
/// order (one write cycle of a log, or one batch of a log's completions) and timed ones (the
/// interval fsync policy). Each log keeps at most one job of each kind queued or running, so
/// its write cycles and its completions each run in order and one at a time, as they did on
/// the two threads every log used to own; any number of open logs cost no thread each.
///
/// Threads start on demand, up to `threadLimit`, and live as long as the process. A job may
/// block (a write, an fsync, a completion taking its database's lock) but must not wait for
/// another job without `waitHelping`: a pool thread that waits for a log (a completion that
/// writes to another database and so closes an idle one) runs queued jobs meanwhile, so the
/// pool cannot deadlock on waits between logs whatever its size.
package final class WALExecutor: @unchecked Sendable {
    /// The process's pool: enough threads that each core can have a write and an fsync in
    /// flight with completions running beside them, and at least 8 so a few slow disks'
    /// fsyncs do not hold up every other log.
    package static let shared = WALExecutor(threadLimit: max(8, 4 * ProcessInfo.processInfo.activeProcessorCount))

    package let threadLimit: Int
    private let cond = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var timed: [(at: Int64, job: @Sendable () -> Void)] = []
    private var threads = 0
    private var idle = 0

    package init(threadLimit: Int) {
        precondition(threadLimit > 0, "BUG: a WAL executor needs at least one thread")
        self.threadLimit = threadLimit
    }

    /// Threads started so far (at most `threadLimit`).
    package var threadCount: Int {
        cond.lock(); defer { cond.unlock() }
        return threads
    }

    /// Runs `job` on a pool thread after the jobs queued before it.
    package func submit(_ job: @escaping @Sendable () -> Void) {
        cond.lock()
        jobs.append(job)
        wakeLocked()
        cond.unlock()
    }

    /// Queues `job` once `nanoseconds` have passed (monotonic clock).
    package func submit(afterNanoseconds nanoseconds: Int64, _ job: @escaping @Sendable () -> Void) {
        cond.lock()
        timed.append((FileIO.monotonicNanoseconds() + max(0, nanoseconds), job))
        wakeLocked()
        cond.unlock()
    }

    /// Whether the calling thread is one of a pool's.
    package static var onPoolThread: Bool { Thread.current.threadDictionary[poolKey] != nil }
    private static let poolKey = "chargeline.wal-executor"

    /// Waits on `cond` (held by the caller) until `done()` holds. On a pool thread it runs
    /// queued jobs of this pool meanwhile (with `cond` released), so the job it waits for
    /// gets a thread even when every other one is waiting too.
    package func waitHelping(_ waited: NSCondition, until done: () -> Bool) {
        guard Self.onPoolThread else {
            while !done() { waited.wait() }
            return
        }
        while !done() {
            waited.unlock()
            let ran = runOne()
            waited.lock()
            if !ran && !done() { _ = waited.wait(until: Date(timeIntervalSinceNow: 0.005)) }
        }
    }

    /// Runs one queued job on the calling thread; false when none was queued.
    private func runOne() -> Bool {
        cond.lock()
        let job = popLocked()
        cond.unlock()
        guard let job else { return false }
        job()
        return true
    }

    /// Under `cond`: the next job due (timed ones whose time came go to the queue first).
    private func popLocked() -> (@Sendable () -> Void)? {
        if !timed.isEmpty {
            let now = FileIO.monotonicNanoseconds()
            var k = 0
            while k < timed.count {
                if timed[k].at <= now { jobs.append(timed.remove(at: k).job) } else { k += 1 }
            }
        }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Under `cond`: wakes an idle thread, or starts one while under the limit.
    private func wakeLocked() {
        if idle > 0 {
            cond.signal()
        } else if threads < threadLimit {
            threads += 1
            let thread = Thread { [self] in work() }
            thread.name = "chargeline-wal"
            thread.threadDictionary[Self.poolKey] = true
            thread.qualityOfService = .userInitiated
            thread.start()
        }
    }

    private func work() {
        cond.lock()
        while true {
            if let job = popLocked() {
                cond.unlock()
                job()
                cond.lock()
                continue
            }
            idle += 1
            if let next = timed.map(\.at).min() {
                let wait = Double(max(0, next - FileIO.monotonicNanoseconds())) / 1e9
                _ = cond.wait(until: Date(timeIntervalSinceNow: wait))
            } else {
                cond.wait()
            }
            idle -= 1
        }
    }
}

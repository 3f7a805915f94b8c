import Foundation
import Logging

/// Background work of a writable store: flushes heads that are large or old (checked every
/// second and whenever a writer asks), and compacts partitions that collected
/// `compactionTrigger` segments. Flushes and compactions run on separate threads so a long
/// compaction never delays a flush (and so never stalls writers).
final class StoreMaintenance: @unchecked Sendable {
    private weak var store: Store?
    private let logger: Logger
    private let cond = NSCondition()
    private var stopping = false
    private var woken = false
    private var running = 0

    init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func start() {
        for (name, isFlush) in [("chargeline-flush", true), ("chargeline-compact", false)] {
            cond.lock(); running += 1; cond.unlock()
            let t = Thread { [self] in
                if isFlush { flushLoop() } else { compactLoop() }
                cond.lock(); running -= 1; cond.broadcast(); cond.unlock()
            }
            t.name = name
            t.start()
        }
    }

    /// Asks for a flush check now.
    func wake() {
        cond.lock()
        woken = true
        cond.broadcast()
        cond.unlock()
    }

    /// Stops both threads and waits for them.
    func stop() {
        cond.lock()
        stopping = true
        cond.broadcast()
        while running > 0 { cond.wait() }
        cond.unlock()
    }

    private func sleep(seconds: Double) -> Bool {
        cond.lock(); defer { cond.unlock() }
        if !woken && !stopping { _ = cond.wait(until: Date(timeIntervalSinceNow: seconds)) }
        woken = false
        return !stopping
    }

    private func flushLoop() {
        while sleep(seconds: 1) {
            guard let store else { return }
            for db in store.allDatabases() where db.needsFlush() {
                do { try db.flush() } catch { logger.error("background flush of \(db.name): \(error)") }
            }
        }
    }

    private func compactLoop() {
        while true {
            cond.lock()
            if !stopping { _ = cond.wait(until: Date(timeIntervalSinceNow: 5)) }
            let stop = stopping
            cond.unlock()
            if stop { return }
            guard let store else { return }
            for db in store.allDatabases() {
                for start in db.partitionsToCompact(minSegments: store.options.compactionTrigger) {
                    cond.lock(); let stop = stopping; cond.unlock()
                    if stop { return }
                    do { try db.compactPartition(start) } catch { logger.error("background compaction of \(db.name): \(error)") }
                }
            }
        }
    }
}

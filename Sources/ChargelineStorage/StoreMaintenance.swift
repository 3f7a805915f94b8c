import Foundation
import Logging

/// Background work of a writable store: flushes heads that are large or old (checked every
/// second and whenever a writer asks) and closes databases left idle (`DatabaseTable`), and compacts partitions that collected
/// several segments and went quiet (or passed `compactionTrigger` segments). Flushes and compactions run on separate threads so a long
/// compaction never delays a flush (and so never stalls writers).
final class StoreMaintenance: @unchecked Sendable {
    private weak var store: Store?
    private let logger: Logger
    private let cond = NSCondition()
    private var stopping = false
    private var stoppingWork = false
    private var woken = false
    private var running = 0

    init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func start() {
        for (name, kind) in [("chargeline-flush", 0), ("chargeline-compact", 1), ("chargeline-rollup", 2)] {
            cond.lock(); running += 1; cond.unlock()
            let t = Thread { [self] in
                switch kind {
                case 0: flushLoop()
                case 1: compactLoop()
                default: rollupLoop()
                }
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

    /// Stops the threads and waits for them: rollups and compactions first (a rollup run may
    /// wait for the flush thread to make room for its writes), the flush thread last.
    func stop() {
        cond.lock()
        stoppingWork = true
        cond.broadcast()
        while running > 1 { cond.wait() }
        stopping = true
        cond.broadcast()
        while running > 0 { cond.wait() }
        cond.unlock()
    }

    /// Whether long work (rollup runs, compactions) should stop at its next step.
    var isStoppingWork: Bool {
        cond.lock(); defer { cond.unlock() }
        return stoppingWork
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
            store.table.forEachOpen { parent in
                for db in [parent] + (parent.rollupChild.map { [$0] } ?? []) where db.needsFlush() {
                    do { try db.flush() } catch { logger.error("background flush of \(db.name): \(error)") }
                }
            }
            store.table.closeIdle()
        }
    }

    /// Rollups every `rollup.interval`, retention every `retention.interval`.
    private func rollupLoop() {
        var lastRetention: Int64 = 0
        while true {
            guard let store else { return }
            let rollupInterval = Double(store.options.rollup.interval) / 1e9
            cond.lock()
            if !stoppingWork { _ = cond.wait(until: Date(timeIntervalSinceNow: rollupInterval)) }
            let stop = stoppingWork
            cond.unlock()
            if stop { return }
            if store.options.rollup.enabled && store.options.scheduleRollups {
                do {
                    // Buckets still receiving late rows wait one interval, so a bulk upload is
                    // recomputed once, after it ends, not every minute while it runs.
                    for (db, r) in try store.runRollups(settle: store.options.rollup.interval, threads: Database.rollupThreadsBesideServing,
                                                        isCancelled: { [weak self] in self?.isStoppingWork ?? true })
                    where r.bucketsWritten + r.bucketsRecomputed > 0 || r.cancelled {
                        logger.info("rollup \(db): \(r.summary)")
                    }
                } catch {
                    logger.error("rollup run failed: \(error); it is retried at the next interval")
                }
            }
            let now = FileIO.monotonicNanoseconds()
            if store.options.scheduleRollups && now - lastRetention >= store.options.retention.interval {
                lastRetention = now
                do { _ = try store.applyRetention(dryRun: false) } catch { logger.error("retention failed: \(error)") }
            }
        }
    }

    private func compactLoop() {
        while true {
            cond.lock()
            if !stoppingWork { _ = cond.wait(until: Date(timeIntervalSinceNow: 5)) }
            let stop = stoppingWork
            cond.unlock()
            if stop { return }
            guard let store else { return }
            var stopped = false
            store.table.forEachOpen { parent in
                for db in [parent] + (parent.rollupChild.map { [$0] } ?? []) where !stopped {
                    for start in db.partitionsDueForCompaction(trigger: store.options.compactionTrigger,
                                                                quietPeriod: store.options.compactionQuietPeriod) {
                        if isStoppingWork { stopped = true; return }
                        do { try db.compactPartition(start) } catch { logger.error("background compaction of \(db.name): \(error)") }
                    }
                }
            }
            if stopped { return }
        }
    }
}

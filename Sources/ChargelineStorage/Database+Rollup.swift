package import ChargelineCore
import Foundation

/// What one rollup run did.
public struct RollupRunReport: Sendable {
    /// Buckets materialised for the first time (new hours).
    public var bucketsWritten = 0
    /// Stale buckets recomputed after late rows.
    public var bucketsRecomputed = 0
    /// Raw values read.
    public var valuesRead = 0
    /// Hourly buckets the run read data for (the empty spans it stepped over are not counted).
    public var bucketsVisited = 0
    /// What the run skipped because stored data could not be read (a damaged segment), one
    /// entry per measurement and range, with the cause. Also logged as errors.
    public var problems: [String] = []
    /// The watermark after the run (buckets before it are materialised), if any.
    public var watermark: Int64?
    public var milliseconds = 0.0
    /// The run stopped early because `isCancelled` said so (the store is closing); what it
    /// did not finish, the next run does.
    public var cancelled = false

    /// Raw values read per second of the run (0 for a run that took no time).
    public var valuesPerSecond: Double { milliseconds > 0 ? Double(valuesRead) / (milliseconds / 1_000) : 0 }

    /// One line for logs: "N new and M recomputed buckets from V values in T ms (R M values/s)",
    /// what the scheduler in `serve` logs after each run that did something.
    public var summary: String {
        "\(bucketsWritten) new and \(bucketsRecomputed) recomputed buckets from \(valuesRead) values in "
            + String(format: "%.1f ms (%.1f M values/s)", milliseconds, valuesPerSecond / 1e6)
            + (cancelled ? "; stopped early (shutting down), the rest is left for the next run" : "")
    }
}

extension Database {
    /// Persists the rollup state (before WAL segments holding late rows are deleted, and after
    /// each step of a run).
    func storeRollupState() throws {
        guard rollupChild != nil, !readOnly else { return }
        try rollups.store(directory: directory)
    }

    // MARK: - Runs

    /// Materialises every complete bucket since the watermark (complete = ends at least
    /// `grace` before `now`), then recomputes the stale buckets. With `backfill`, step 1
    /// computes only the complete buckets starting in that range instead: those below the watermark
    /// are rewritten (counted as recomputed), those at or above it are new, and the watermark
    /// advances only over new buckets contiguous with it. Safe to interrupt at any point.
    /// `isCancelled` is checked before each series; a cancelled run keeps what it persisted
    /// (an unfinished chunk is redone by the next run) and says so in `cancelled`.
    /// `settle` > 0 skips stale buckets marked less than that long ago (ns): while late rows
    /// keep arriving for a bucket (a device uploading its buffer), a scheduled run waits and
    /// recomputes it once, after they stop. Manual runs pass 0 and take everything.
    package func runRollups(now: Int64, backfill: TimeRange? = nil, settle: Int64 = 0, threads: Int = Database.rollupThreads,
                            isCancelled: @escaping @Sendable () -> Bool = { false },
                            progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> RollupRunReport {
        guard let child = rollupChild, !readOnly else { return RollupRunReport() }
        rollupRunMutex.lock(); defer { rollupRunMutex.unlock() }
        let started = FileIO.monotonicNanoseconds()
        let b = options.rollup.bucket
        var report = RollupRunReport()
        let target = RollupBucket.floorDiv(now &- options.rollup.grace, b) * b

        // 1. New buckets (or the backfill range), a day at a time (bounded memory), advancing
        // the watermark after each chunk of new buckets.
        lock.lock()
        // Where new buckets begin: the watermark, or before the first run the first data.
        let firstNew = rollups.currentWatermark() ?? earliestDataLocked().map { RollupBucket.floorDiv($0, b) * b }
        lock.unlock()
        var from = firstNew
        var end = target
        if let backfill {
            from = RollupBucket.floorDiv(backfill.start, b) * b
            // Up to the bucket holding the range's end, but no incomplete bucket.
            end = min(target, RollupBucket.floorDiv(backfill.end &- 1, b) * b &+ b)
        }
        var names = RollupColumnNameCache(counters: options.rollup.counters)
        var cancelled = false
        if var cursor = from, cursor < end {
            // Chunks start at a day and double while a chunk reads fewer than
            // `chunkValues`: each chunk pays a fixed cost (a read plan per measurement, a
            // durable write of its rows and of the state), which sparse data (one meter's
            // months at 1-minute samples) must not pay per day.
            var step = b * 24
            let total = Int((end - cursor) / b)
            var done = 0
            // How far past its own time a sample shapes buckets: the next bucket reads it as its
            // previous sample (lookback), and an extension's up to its `reach`. Buckets further
            // than this from every sample are empty, so the walk steps over them.
            let reach = max(b, options.rollup.lookback, options.rollup.lateReach)
            while cursor < end && !isCancelled() {
                var chunkEnd = min(end, cursor &+ step)
                // A chunk is all rewrites or all new buckets, so each is counted as what it is.
                let rewrite = firstNew.map { cursor < $0 } ?? false
                if rewrite, let firstNew { chunkEnd = min(chunkEnd, firstNew) }
                lock.lock()
                rollups.beginReading(upTo: chunkEnd)
                lock.unlock()
                let sink = RollupSink(child: child)
                let valuesBefore = report.valuesRead, problemsBefore = report.problems.count
                let n: Int
                do {
                    n = try rollupBuckets(TimeRange(start: cursor, end: chunkEnd), seriesKeys: nil, only: nil, sink: sink, threads: threads,
                                          names: &names, isCancelled: isCancelled, report: &report)
                } catch is RollupCancelled {
                    // Stopping (serve shuts down): the chunk's rows written so far are
                    // harmless (the next run writes the same rows again); the watermark stays.
                    try sink.finish()
                    cancelled = true
                    break
                }
                try sink.finish()
                let chunkValues = report.valuesRead - valuesBefore
                let damaged = report.problems.count > problemsBefore
                if damaged && step > b * 24 {
                    // Damaged data skips a measurement for the whole chunk: redo it a day at a
                    // time, so only the days that read the damage are skipped.
                    report.problems.removeSubrange(problemsBefore...)
                    report.valuesRead = valuesBefore
                    step = b * 24
                    continue
                }
                // Grow only over chunks whose hours are filled (at least a row per hour): a
                // chunk of a few stray points next to empty days stays a day, so the walk
                // still steps over the empty days between far apart points.
                if !damaged && n >= Int((chunkEnd - cursor) / b) && chunkValues < Self.chunkValues / 2
                    && step < Self.maxChunkDays * b * 24 {
                    step *= 2
                } else if chunkValues > Self.chunkValues * 2 && step > b * 24 {
                    step /= 2
                }
                if rewrite { report.bucketsRecomputed += n } else { report.bucketsWritten += n }
                report.bucketsVisited += Int((chunkEnd - cursor) / b)
                // The next chunk starts at the first bucket any sample reaches: rollup cost
                // follows the hours holding data, not the span (one point in 1970 and the rest
                // today is two chunks, not 500,000 empty hours). Decided under the lock with
                // `rollupReadingUpTo` moved past the skipped span, so a row arriving in it now
                // is marked stale and recomputed by step 2.
                var next = chunkEnd
                lock.lock()
                if chunkEnd < end {
                    if let t = earliestDataLocked(atOrAfter: chunkEnd &- reach) {
                        if t > chunkEnd { next = min(end, RollupBucket.floorDiv(t, b) * b) }
                    } else {
                        next = end
                    }
                    next = max(next, chunkEnd)
                }
                // The watermark moves only over buckets that continue it (a backfill starting
                // past it leaves a gap the next run still has to fill): this chunk's and the
                // empty span skipped after it.
                rollups.finishChunk(from: cursor, to: chunkEnd, next: next, target: target, firstNew: firstNew)
                lock.unlock()
                try storeRollupState()
                try rollupChunkHook?(done)
                done += Int((next - cursor) / b)
                progress?(done, total)
                cursor = next
            }
        } else if firstNew == nil {
            // No data yet: start the watermark at the target so the first rows are "new".
            lock.lock()
            if active.isEmpty && segmentSet.isEmpty { rollups.startWatermarkIfUnset(at: target) }
            lock.unlock()
        }

        // 2. Stale buckets.
        if !cancelled {
            cancelled = try recomputeStale(child: child, settle: settle, threads: threads, names: &names, isCancelled: isCancelled,
                                           report: &report)
        }
        report.milliseconds = Double(FileIO.monotonicNanoseconds() - started) / 1e6
        report.cancelled = cancelled
        report.watermark = rollups.finishRun(report, at: FileIO.nowNanoseconds())
        try storeRollupState()
        return report
    }

    /// Recomputes the stale buckets (step 2 of a run): per series exactly the marked ones.
    /// Rows of all series share batched writes (one sync for the lot, not one per series);
    /// marks are cleared once those writes are durable. Returns whether it was cancelled.
    /// Under `rollupRunMutex`.
    func recomputeStale(child: Database, settle: Int64, threads: Int, names: inout RollupColumnNameCache,
                        isCancelled: @escaping @Sendable () -> Bool,
                        report: inout RollupRunReport) throws -> Bool {
        let b = options.rollup.bucket
        var cancelled = false
        var stale = rollups.staleMarksCopy()
        if settle > 0 {
            let cutoff = UInt64(max(0, FileIO.monotonicNanoseconds() - settle))
            stale = stale.compactMapValues { marks in
                let settled = marks.filter { $0.value <= cutoff }
                return settled.isEmpty ? nil : settled
            }
        }
        let sink = RollupSink(child: child)
        var processed: [([UInt8], [Int64: UInt64])] = []
        // Series with the same stale buckets (a late upload marks the same hours of many
        // series) are read with one plan per run of contiguous buckets, not one per series.
        var groups: [[Int64]: Set<[UInt8]>] = [:]
        for (key, marks) in stale { groups[marks.keys.sorted(), default: []].insert(key) }
        for (starts, keys) in groups.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            if cancelled || isCancelled() { break }
            // Contiguous runs of buckets are read together.
            var runStart = starts[0], runEnd = starts[0]
            var runs: [(Int64, Int64)] = []
            for s in starts.dropFirst() {
                if s == runEnd &+ b { runEnd = s } else { runs.append((runStart, runEnd)); runStart = s; runEnd = s }
            }
            runs.append((runStart, runEnd))
            let only = Set(starts)
            do {
                for (lo, hi) in runs {
                    report.bucketsRecomputed += try rollupBuckets(TimeRange(start: lo, end: hi &+ b), seriesKeys: keys, only: only,
                                                                  sink: sink, threads: threads,
                                                                  names: &names, isCancelled: isCancelled, report: &report)
                }
            } catch is RollupCancelled {
                // This group's marks stay; its rows written so far are rewritten next time.
                cancelled = true
                break
            }
            for key in keys { processed.append((key, stale[key]!)) }
        }
        try sink.finish()
        // Only marks no newer late row has renewed meanwhile are cleared.
        rollups.clearStale(processed)
        return cancelled
    }

    /// Threads a rollup run computes on: every core (`chargeline rollup`). The scheduler in
    /// `serve` passes `rollupThreadsBesideServing`.
    package static var rollupThreads: Int { ProcessInfo.processInfo.activeProcessorCount }
    /// One core fewer, at least one: a run in `serve` leaves a core to ingest and queries (on
    /// two cores a run over both delayed the live queries it coincided with).
    package static var rollupThreadsBesideServing: Int { max(1, ProcessInfo.processInfo.activeProcessorCount - 1) }

    /// Raw values a chunk of new buckets aims at (about half a second of work): chunks grow
    /// from a day while they read fewer, so a chunk's fixed cost stays a few percent.
    static let chunkValues = 16_000_000
    /// Longest chunk, in days (bounds the span one read plan covers).
    static let maxChunkDays: Int64 = 64

    /// Computes the buckets starting in `range` (all of them, or `only` those) for every
    /// series of every measurement (or of `seriesKeys`) and hands the rows to `sink`. Returns
    /// how many bucket rows were produced; they are durable once `sink.finish()` returns.
    /// A measurement's series are split into contiguous parts computed on all cores (each
    /// part with its own scratch and batch, sent when large); `isCancelled` is asked before
    /// each series, on those threads, and `RollupCancelled` thrown when it says so.
    private func rollupBuckets(_ range: TimeRange, seriesKeys: Set<[UInt8]>?, only: Set<Int64>?, sink: RollupSink, threads maxThreads: Int,
                               names: inout RollupColumnNameCache, isCancelled: @escaping @Sendable () -> Bool,
                               report: inout RollupRunReport) throws -> Int {
        let b = options.rollup.bucket
        let lookback = options.rollup.lookback
        let bucketRange = range.start...(range.end &- 1)
        var written = 0
        let measurements = seriesKeys.map { Set($0.map { SeriesKey.measurement(of: $0) }).sorted() } ?? self.measurements()
        for measurement in measurements {
            // Extensions also need the samples up to their reach past the range (successors).
            let extensions = options.rollup.extensions.filter { $0.applies(to: measurement) }
            let reach = extensions.map(\.reach).max() ?? 0
            let readRange = TimeRange(start: range.start &- lookback, end: range.end &+ reach)
            // Damaged stored data (a segment that fails its checks) skips this measurement for
            // this range, reported, rather than failing every run at the same place. Other
            // errors (I/O, a rollup write that failed) end the run; the next run retries.
            do {
                let reader = try readPlan(measurement: measurement, seriesKey: nil, seriesKeys: seriesKeys, fields: nil, range: readRange)
                let keys = reader.keys
                // A series is ~1 ms of work at 10 s sampling: a few per thread already pay.
                let threads = max(1, min(maxThreads, keys.count / 8, 16))
                let cache = names
                let parts = try Parallel.map(threads) { t -> RollupPartResult in
                    var part = RollupPart(extensions: extensions, names: cache)
                    var scratch = MergedReader.Scratch()
                    for key in keys[(keys.count * t / threads)..<(keys.count * (t + 1) / threads)] {
                        if isCancelled() { throw RollupCancelled() }
                        guard let columns = try reader.columns(of: key, scratch: &scratch) else { continue }
                        part.add(key: key, columns: columns, bucketLength: b, lookback: lookback, buckets: bucketRange, only: only)
                        if part.builder.byteCount >= RollupSink.batchBytes { try sink.send(&part.builder) }
                    }
                    try sink.send(&part.builder)
                    return RollupPartResult(rows: part.rows, values: part.values, names: part.names)
                }
                for p in parts {
                    written += p.rows
                    report.valuesRead += p.values
                }
                if let last = parts.last { names = last.names }
            } catch let error as ChargelineError where error.code == .corruption {
                let problem = "rollup of database \(name) skipped measurement \(measurement) from \(CivilTime(nanoseconds: range.start).rfc3339) "
                    + "to \(CivilTime(nanoseconds: range.end).rfc3339): \(error.message); once the data is repaired, "
                    + "rebuild those hours with `chargeline rollup --from ... --to ...`"
                logger.error("\(problem)")
                report.problems.append(problem)
            }
        }
        return written
    }

    /// Whether the active head passed the flush size (for writers without a maintenance thread).
    func headOverFlushSize() -> Bool {
        lock.lock(); defer { lock.unlock() }
        return active.memoryBytes >= options.headFlushBytes
    }

    /// A lower bound of the earliest timestamp held at or after `t` (segments by their time
    /// span, heads by the days they hold), or nil when nothing is held at or after `t`. Called
    /// under `lock`.
    func earliestDataLocked(atOrAfter t: Int64) -> Int64? {
        var best: Int64?
        func consider(_ x: Int64?) {
            if let x, best.map({ x < $0 }) ?? true { best = x }
        }
        consider(segmentSet.earliestTime(atOrAfter: t))
        consider(active.earliestTime(atOrAfter: t))
        for f in frozen { consider(f.head.earliestTime(atOrAfter: t)) }
        return best
    }

    /// The earliest timestamp held (segments and heads). Called under `lock`.
    func earliestDataLocked() -> Int64? {
        var t = segmentSet.earliestTime()
        if !active.isEmpty { t = min(t ?? .max, active.minTime) }
        for f in frozen where !f.head.isEmpty { t = min(t ?? .max, f.head.minTime) }
        return t
    }
}

/// Thrown out of a rollup pass when its `isCancelled` says stop (between two series).
struct RollupCancelled: Error {}

/// What one part of a measurement's series produced.
private struct RollupPartResult: Sendable {
    var rows: Int
    var values: Int
    var names: RollupColumnNameCache
}

/// The rows of one contiguous part of a measurement's series, computed on one thread with
/// scratch reused across its series: no allocation per row.
private struct RollupPart {
    var builder = WriteBatchBuilder(reservingCapacity: 1 << 20)
    let scratch = RollupRowScratch()
    let extensions: RollupExtensionScratch
    var names: RollupColumnNameCache
    var rows = 0
    var values = 0

    init(extensions: [any RollupExtension], names: RollupColumnNameCache) {
        self.extensions = RollupExtensionScratch(extensions)
        self.names = names
    }

    /// Appends the rows of one series: per column its buckets (sorted by start), merged
    /// into rows in start order.
    mutating func add(key: [UInt8], columns: [FieldColumn], bucketLength b: Int64, lookback: Int64,
                      buckets: ClosedRange<Int64>, only: Set<Int64>?) {
        scratch.begin(columns: columns.count)
        for (c, column) in columns.enumerated() {
            values += column.count
            RollupBucket.compute(column, length: b, lookback: lookback, buckets: buckets, into: &scratch.buckets[c])
            scratch.names[c] = names.names(column.name)
        }
        extensions.compute(columns, bucketLength: b, buckets: buckets)
        key.withUnsafeBytes { k in
            while let start = scratch.nextRow(columns: columns, only: only) {
                builder.beginPoint(seriesKey: k)
                RollupLayout.addRow(scratch.row, key: k, timestamp: start, to: &builder)
                extensions.addFields(start: start, key: k, to: &builder)
                if builder.fieldsInOpenPoint > 0 {
                    builder.endPoint(timestamp: start)
                    rows += 1
                } else {
                    // Nothing of this row could be rolled up (only fields whose names
                    // leave no room for the suffixes): no row rather than an empty point.
                    builder.abortPoint()
                }
            }
        }
    }
}

/// Writes batches of rollup rows to the rollup database without waiting, from any thread;
/// `finish()` waits until every batch is durable (or throws the first failure).
private final class RollupSink: @unchecked Sendable {
    private let child: Database
    private let pending = DispatchGroup()
    private let lock = NSLock()
    private var failure: ChargelineError?
    /// A part sends at 4 MiB: large enough to share syncs, small enough to bound memory.
    static let batchBytes = 4 << 20

    init(child: Database) { self.child = child }

    /// Writes what `builder` holds (nothing when empty) and leaves it empty.
    func send(_ builder: inout WriteBatchBuilder) throws {
        guard builder.count > 0 else { return }
        // Without a maintenance thread (`chargeline rollup`) nothing else flushes the rollup
        // database, and writes past its head's hard limit would wait forever (seen with a day of
        // 20,000 series): flush here once the head passes the flush size.
        if child.flushRequester == nil && child.headOverFlushSize() {
            pending.wait()
            try child.flush()
        }
        let batch = builder.finish()
        pending.enter()
        child.write(batch) { [self] outcome in
            if let f = outcome.failure {
                lock.lock()
                if failure == nil { failure = f }
                lock.unlock()
            }
            pending.leave()
        }
    }

    func finish() throws {
        pending.wait()
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
    }
}

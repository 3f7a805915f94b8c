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
    /// The watermark after the run (buckets before it are materialised), if any.
    public var watermark: Int64?
    public var milliseconds = 0.0
}

extension Database {
    // MARK: - Late rows

    /// Marks the buckets that points of `batch` older than the watermark touch: their own and
    /// the next one (whose previous sample may have changed). Called under `lock`.
    func markLateLocked(_ batch: WriteBatch) {
        guard rollupChild != nil else { return }
        let marking = [rollupWatermark, rollupReadingUpTo].compactMap { $0 }.max()
        guard let watermark = marking else { return }
        let b = options.rollup.bucket
        var touched = false
        batch.forEachPoint { p in
            guard p.timestamp < watermark else { return }
            let start = RollupBucket.floorDiv(p.timestamp, b) * b
            let (i, inserted) = staleKeys.indexInserting(p.seriesKey)
            if inserted { staleByIndex.append([:]) }
            // Generations are monotonic nanoseconds (kept strictly increasing), so a mark also
            // says when it was made: scheduled runs leave buckets that are still receiving rows.
            staleGeneration = max(staleGeneration &+ 1, UInt64(FileIO.monotonicNanoseconds()))
            staleByIndex[i][start] = staleGeneration
            if start &+ b < watermark { staleByIndex[i][start &+ b] = staleGeneration }
            touched = true
        }
        if touched { publishStaleLocked() }
    }

    /// Folds the interned marks into `staleMarks` (keyed by key bytes) and empties them. Called
    /// under `lock` once per batch that had late rows.
    func publishStaleLocked() {
        for i in 0..<staleByIndex.count where !staleByIndex[i].isEmpty {
            let key = Array(staleKeys.key(i))
            staleMarks[key, default: [:]].merge(staleByIndex[i]) { _, new in new }
            staleByIndex[i].removeAll(keepingCapacity: true)
        }
    }

    /// The state to persist: the run's progress plus the current stale marks.
    func rollupStateSnapshot() -> RollupState {
        lock.lock(); defer { lock.unlock() }
        var state = rollupState
        state.watermark = rollupWatermark
        state.stale = Dictionary(uniqueKeysWithValues: staleMarks.map { (String(decoding: $0.key, as: UTF8.self), $0.value.keys.sorted()) })
        return state
    }

    /// Persists the rollup state (before WAL segments holding late rows are deleted, and after
    /// each step of a run).
    func storeRollupState() throws {
        guard rollupChild != nil, !readOnly else { return }
        rollupStateMutex.lock(); defer { rollupStateMutex.unlock() }
        try rollupStateSnapshot().store(directory: directory)
    }

    // MARK: - Runs

    /// Materialises every complete bucket since the watermark (complete = ends at least
    /// `grace` before `now`), then recomputes the stale buckets. With `backfill`, recomputes
    /// every bucket starting in that range as well. Safe to interrupt at any point.
    /// `isCancelled` is checked between steps; a cancelled run keeps what it persisted.
    /// `settle` > 0 skips stale buckets marked less than that long ago (ns): while late rows
    /// keep arriving for a bucket (a pile uploading its buffer), a scheduled run waits and
    /// recomputes it once, after they stop. Manual runs pass 0 and take everything.
    package func runRollups(now: Int64, backfill: TimeRange? = nil, settle: Int64 = 0, isCancelled: () -> Bool = { false },
                            progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> RollupRunReport {
        guard let child = rollupChild, !readOnly else { return RollupRunReport() }
        rollupRunMutex.lock(); defer { rollupRunMutex.unlock() }
        let started = FileIO.monotonicNanoseconds()
        let b = options.rollup.bucket
        var report = RollupRunReport()
        let target = RollupBucket.floorDiv(now &- options.rollup.grace, b) * b

        // 1. New buckets, a day at a time (bounded memory), advancing the watermark after each.
        lock.lock()
        var from = rollupWatermark ?? earliestDataLocked().map { RollupBucket.floorDiv($0, b) * b }
        lock.unlock()
        if let backfill {
            let lo = RollupBucket.floorDiv(backfill.start, b) * b
            from = min(from ?? lo, lo)
        }
        let end = max(target, backfill.map { RollupBucket.floorDiv($0.end &- 1, b) * b &+ b } ?? target)
        if var cursor = from, cursor < end {
            let step = b * 24
            let total = Int((end - cursor) / b)
            var done = 0
            while cursor < end && !isCancelled() {
                let chunkEnd = min(end, cursor &+ step)
                lock.lock()
                rollupReadingUpTo = max(rollupReadingUpTo ?? .min, chunkEnd)
                lock.unlock()
                let sink = RollupSink(child: child)
                let n = try rollupBuckets(TimeRange(start: cursor, end: chunkEnd), seriesKey: nil, only: nil, sink: sink, report: &report)
                try sink.finish()
                report.bucketsWritten += n
                lock.lock()
                if chunkEnd <= target, (rollupWatermark ?? .min) < chunkEnd { rollupWatermark = chunkEnd }
                lock.unlock()
                try storeRollupState()
                try rollupChunkHook?(done)
                done += Int((chunkEnd - cursor) / b)
                progress?(done, total)
                cursor = chunkEnd
            }
        } else if from == nil {
            // No data yet: start the watermark at the target so the first rows are "new".
            lock.lock()
            if rollupWatermark == nil && active.isEmpty && partitions.isEmpty { rollupWatermark = target }
            lock.unlock()
        }

        // 2. Stale buckets: per series, recompute exactly the marked ones. Rows of all series
        // share batched writes (one sync for the lot, not one per series); marks are cleared
        // once those writes are durable.
        lock.lock()
        var stale = staleMarks
        lock.unlock()
        if settle > 0 {
            let cutoff = UInt64(max(0, FileIO.monotonicNanoseconds() - settle))
            stale = stale.compactMapValues { marks in
                let settled = marks.filter { $0.value <= cutoff }
                return settled.isEmpty ? nil : settled
            }
        }
        let sink = RollupSink(child: child)
        var processed: [([UInt8], [Int64: UInt64])] = []
        for (key, marks) in stale.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) where !isCancelled() {
            let starts = marks.keys.sorted()
            // Contiguous runs of buckets are read together.
            var runStart = starts[0], runEnd = starts[0]
            var runs: [(Int64, Int64)] = []
            for s in starts.dropFirst() {
                if s == runEnd &+ b { runEnd = s } else { runs.append((runStart, runEnd)); runStart = s; runEnd = s }
            }
            runs.append((runStart, runEnd))
            for (lo, hi) in runs {
                report.bucketsRecomputed += try rollupBuckets(TimeRange(start: lo, end: hi &+ b), seriesKey: key,
                                                              only: Set(starts), sink: sink, report: &report)
            }
            processed.append((key, marks))
        }
        try sink.finish()
        lock.lock()
        for (key, marks) in processed {
            // Clear only marks no newer late row has renewed meanwhile.
            if var current = staleMarks[key] {
                for (start, generation) in marks where current[start] == generation { current[start] = nil }
                staleMarks[key] = current.isEmpty ? nil : current
            }
        }
        lock.unlock()
        report.milliseconds = Double(FileIO.monotonicNanoseconds() - started) / 1e6
        lock.lock()
        rollupReadingUpTo = nil
        report.watermark = rollupWatermark
        rollupState.lastRun = FileIO.nowNanoseconds()
        rollupState.lastRunBuckets = report.bucketsWritten + report.bucketsRecomputed
        rollupState.lastRunMilliseconds = report.milliseconds
        rollupState.bucketsWritten += report.bucketsWritten
        rollupState.bucketsRecomputed += report.bucketsRecomputed
        lock.unlock()
        try storeRollupState()
        return report
    }

    /// Computes the buckets starting in `range` (all of them, or `only` those) for every
    /// series of every measurement (or one series) and hands the rows to `sink`. Returns how
    /// many bucket rows were produced; they are durable once `sink.finish()` returns.
    private func rollupBuckets(_ range: TimeRange, seriesKey: [UInt8]?, only: Set<Int64>?, sink: RollupSink,
                               report: inout RollupRunReport) throws -> Int {
        let b = options.rollup.bucket
        let lookback = options.rollup.lookback
        let bucketRange = range.start...(range.end &- 1)
        let readRange = TimeRange(start: range.start &- lookback, end: range.end)
        var written = 0
        let measurements = seriesKey.map { [SeriesKey.measurement(of: $0)] } ?? self.measurements()
        for measurement in measurements {
            try forEachSeries(measurement: measurement, seriesKey: seriesKey, range: readRange) { series in
                var rows: [Int64: [(String, FieldType, RollupBucket)]] = [:]
                for column in series.columns {
                    report.valuesRead += column.count
                    for bucket in RollupBucket.compute(column, length: b, lookback: lookback, buckets: bucketRange)
                    where only?.contains(bucket.start) ?? true {
                        rows[bucket.start, default: []].append((column.name, column.type, bucket))
                    }
                }
                let key = Array(series.key.utf8)
                for start in rows.keys.sorted() {
                    key.withUnsafeBytes { sink.builder.beginPoint(seriesKey: $0) }
                    RollupLayout.addRow(rows[start]!, counters: options.rollup.counters, to: &sink.builder)
                    sink.builder.endPoint(timestamp: start)
                    written += 1
                }
                sink.sendIfLarge()
            }
        }
        return written
    }

    /// The earliest timestamp held (segments and heads). Called under `lock`.
    func earliestDataLocked() -> Int64? {
        var t = manifest.segments.map(\.minTime).min()
        if !active.isEmpty { t = min(t ?? .max, active.minTime) }
        for f in frozen where !f.head.isEmpty { t = min(t ?? .max, f.head.minTime) }
        return t
    }
}

/// Collects rollup rows into batches, writes them to the rollup database without waiting,
/// and `finish()` waits until every batch is durable (or throws the first failure).
private final class RollupSink: @unchecked Sendable {
    var builder = WriteBatchBuilder(reservingCapacity: 1 << 20)
    private let child: Database
    private let pending = DispatchGroup()
    private let lock = NSLock()
    private var failure: ChargelineError?
    /// Send at 4 MiB: large enough to share syncs, small enough to bound memory.
    private static let batchBytes = 4 << 20

    init(child: Database) { self.child = child }

    func sendIfLarge() {
        if builder.byteCount >= RollupSink.batchBytes { send() }
    }

    private func send() {
        guard builder.count > 0 else { return }
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
        send()
        pending.wait()
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
    }
}

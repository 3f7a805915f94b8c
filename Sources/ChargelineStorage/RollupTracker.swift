import ChargelineCore
import Foundation

/// The bookkeeping of one database's rollup and of its late rows: how far runs have
/// materialised buckets (`watermark`), how far the run under way is reading, which buckets late
/// rows or deletes made stale, the late log the report export follows, the late-arrival log
/// the alert rules follow, and the run and retention totals persisted in `ROLLUPS`.
///
/// Ownership: the `Database` owns one (`Database.rollups`) for its whole life; nothing else
/// holds one. The tracker reads no file and no other part of the database: what it needs
/// of them (the earliest data held, a run's chunk bounds) callers pass in.
///
/// Thread-safety: every method may be called from any thread.
/// - `lock` guards every field. It is held only for in-memory work and the tracker calls out
///   to nothing while holding it, so it is always the innermost lock.
/// - `storeMutex` serializes persisting the state (`store(directory:)`) and whatever must
///   see the file unchanged (`withStoredStateUnchanged`, a snapshot's copy). It is held across
///   disk I/O but `lock` only for the copy of the fields, so writers are never held up by a
///   store.
///
/// Who calls it:
/// - the write path, on the WAL's completion thread, once per batch after the head applied it
///   (`noteWrite`), and WAL replay at open (`markLate`): both with `Database.lock` held, so a
///   rollup run that decides under `Database.lock` what to read, and moves `readingUpTo`
///   there, sees each row either in the head or marked;
/// - rollup runs and deletes (under `Database.rollupRunMutex`), retention, flushes (which
///   persist the marks before dropping the WAL holding their rows), statistics, reports and
///   the store's late-data and coverage queries.
///
/// Lock order (outermost first): `Database.manifestMutex` -> `storeMutex` -> `lock`, and
/// `Database.lock` -> `lock`. `storeMutex` is never taken with `Database.lock` held, and no
/// database lock is ever taken with either tracker lock held.
final class RollupTracker: @unchecked Sendable {
    private let lock = NSLock()
    private let storeMutex = NSLock()

    /// Whether late rows mark buckets stale: the database has a rollup tier.
    let marksLate: Bool
    /// Bucket length (ns).
    private let bucket: Int64
    /// How far past its own time a sample shapes buckets of the extensions (their longest
    /// `reach`); options are fixed for the database's life, so it is taken once.
    private let lateReach: Int64

    /// Run and retention totals; its watermark, stale marks and late log are filled from the
    /// fields below when a snapshot is taken.
    private var state = RollupState()
    private var watermark: Int64?
    /// End of the chunk a run is reading now: rows older than this are marked stale even
    /// before the watermark passes them, so a row that arrives after its hour was read but
    /// before the watermark moves is not missed.
    private var readingUpTo: Int64?
    /// Series key -> bucket start -> generation of the latest late row that marked it.
    private var staleMarks: [[UInt8]: [Int64: UInt64]] = [:]
    /// Interns series keys for marking, so a late row of a known series allocates nothing.
    private var staleKeys = SeriesTable()
    /// Per interned key: bucket start -> generation (mirrors `staleMarks`, which it feeds).
    private var staleByIndex: [[Int64: UInt64]] = []
    private var staleGeneration: UInt64 = 0
    /// The late log: bucket start -> sequence of the latest batch whose late rows marked it
    /// (persisted in `ROLLUPS`; sequences only grow, across restarts too).
    private var lateBuckets: [Int64: UInt64] = [:]
    private var lateSequence: UInt64 = 0
    /// Rows that arrived behind a consumer's horizon, in memory.
    private var lateArrivals = LateArrivalLog()

    /// 10,000 hourly buckets: over a year of hours that received late rows.
    static let lateLogLimit = 10_000

    init(options: RollupOptions) {
        marksLate = options.enabled
        bucket = options.bucket
        lateReach = options.lateReach
    }

    /// Takes the persisted state read at open (before any write or replay).
    func restore(_ loaded: RollupState) {
        lock.lock(); defer { lock.unlock() }
        state = loaded
        watermark = loaded.watermark
        lateSequence = loaded.lateSequence ?? 0
        for pair in loaded.lateBuckets ?? [] where pair.count == 2 { lateBuckets[pair[0]] = UInt64(bitPattern: pair[1]) }
        for (key, starts) in loaded.stale {
            staleMarks[Array(key.utf8)] = Dictionary(uniqueKeysWithValues: starts.map { ($0, UInt64(0)) })
        }
    }

    // MARK: - Writes

    /// A live write the head has just applied: marks the buckets its late rows touch and
    /// notes them in the late-arrival log. One lock per batch; nothing allocated for a row of
    /// a known series. Called with `Database.lock` held.
    func noteWrite(_ batch: WriteBatch) {
        lock.lock(); defer { lock.unlock() }
        markLateHoldingLock(batch)
        noteLateArrivalsHoldingLock(batch)
    }

    /// A batch replayed from the WAL at open: its late rows may not have reached a persisted
    /// stale mark yet. Not noted as late arrivals (they arrived before the restart).
    func markLate(_ batch: WriteBatch) {
        lock.lock(); defer { lock.unlock() }
        markLateHoldingLock(batch)
    }

    /// Marks the buckets that points of `batch` older than the watermark (plus the late reach,
    /// the extensions' longest `reach`) touch: their own, the next one (whose previous sample may
    /// have changed) and the one `reach` before (whose last sample's held time the point may cut
    /// short). Each marked bucket also enters the late log (`lateBuckets`) with a new sequence
    /// number, which the scheduled report export follows.
    private func markLateHoldingLock(_ batch: WriteBatch) {
        guard marksLate else { return }
        let marking = [watermark, readingUpTo].compactMap { $0 }.max()
        guard let watermark = marking else { return }
        let b = bucket
        let reach = lateReach
        var touched = false
        var sequence: UInt64 = 0
        batch.forEachPoint { p in
            guard p.timestamp < watermark &+ reach else { return }
            let start = RollupBucket.floorDiv(p.timestamp, b) * b
            let before = RollupBucket.floorDiv(p.timestamp &- reach, b) * b
            let (i, inserted) = staleKeys.indexInserting(p.seriesKey)
            if inserted { staleByIndex.append([:]) }
            // Generations are monotonic nanoseconds (kept strictly increasing), so a mark also
            // says when it was made: scheduled runs leave buckets that are still receiving rows.
            staleGeneration = max(staleGeneration &+ 1, UInt64(FileIO.monotonicNanoseconds()))
            if sequence == 0 {
                lateSequence &+= 1
                sequence = lateSequence
            }
            for s in [before, start, start &+ b] where s < watermark {
                staleByIndex[i][s] = staleGeneration
                if lateBuckets[s] != sequence { lateBuckets[s] = sequence }
            }
            touched = true
        }
        if touched {
            publishStaleHoldingLock()
            trimLateLogHoldingLock()
        }
    }

    /// Folds the interned marks into `staleMarks` (keyed by key bytes) and empties them. Once
    /// per batch that had late rows.
    private func publishStaleHoldingLock() {
        for i in 0..<staleByIndex.count where !staleByIndex[i].isEmpty {
            let key = Array(staleKeys.key(i))
            staleMarks[key, default: [:]].merge(staleByIndex[i]) { _, new in new }
            staleByIndex[i].removeAll(keepingCapacity: true)
        }
    }

    /// Keeps the late log to `lateLogLimit` buckets, dropping the oldest bucket starts (a
    /// consumer that far behind re-reads whole days anyway).
    private func trimLateLogHoldingLock() {
        guard lateBuckets.count > Self.lateLogLimit else { return }
        for s in lateBuckets.keys.sorted().prefix(lateBuckets.count - Self.lateLogLimit) { lateBuckets[s] = nil }
    }

    /// Notes the time range of `batch`'s rows older than the late horizon, if any. One pass
    /// over the point headers, no allocation; nothing when no horizon is set.
    private func noteLateArrivalsHoldingLock(_ batch: WriteBatch) {
        guard let horizon = lateArrivals.horizon else { return }
        var from = Int64.max, to = Int64.min
        batch.forEachPoint { p in
            guard p.timestamp < horizon else { return }
            from = min(from, p.timestamp)
            to = max(to, p.timestamp)
        }
        if from <= to { lateArrivals.note(from: from, to: to) }
    }

    // MARK: - Runs

    /// Buckets with start < the watermark are materialised; nil before the first run.
    func currentWatermark() -> Int64? {
        lock.lock(); defer { lock.unlock() }
        return watermark
    }

    /// A run is about to read up to `end`: rows older than it are marked stale from now on.
    /// Called with `Database.lock` held (see the type's comment).
    func beginReading(upTo end: Int64) {
        lock.lock(); defer { lock.unlock() }
        readingUpTo = max(readingUpTo ?? .min, end)
    }

    /// A run persisted the chunk `[from, to)` and continues at `next` (past the empty span it
    /// skips): rows before `next` are marked from now on, and the watermark (or `firstNew`
    /// before the first run) moves over the chunk and the skipped span when they continue it,
    /// never past `target` (the last complete bucket). Called with `Database.lock` held.
    func finishChunk(from: Int64, to: Int64, next: Int64, target: Int64, firstNew: Int64?) {
        lock.lock(); defer { lock.unlock() }
        readingUpTo = max(readingUpTo ?? .min, next)
        // The watermark moves only over buckets that continue it (a backfill starting past it
        // leaves a gap the next run still has to fill).
        let current = watermark ?? firstNew
        if to <= target, let current, from <= current, current < next {
            watermark = max(current, min(next, target))
        }
    }

    /// The first run found no data: the watermark starts at `target`, so the first rows are
    /// new. Called with `Database.lock` held, after checking that no head or segment holds data.
    func startWatermarkIfUnset(at target: Int64) {
        lock.lock(); defer { lock.unlock() }
        if watermark == nil { watermark = target }
    }

    /// A run ended (finished or cancelled): nothing is being read any more, and its figures
    /// join the totals. Returns the watermark it left.
    func finishRun(_ report: RollupRunReport, at now: Int64) -> Int64? {
        lock.lock(); defer { lock.unlock() }
        readingUpTo = nil
        state.lastRun = now
        state.lastRunBuckets = report.bucketsWritten + report.bucketsRecomputed
        state.lastRunMilliseconds = report.milliseconds
        state.bucketsWritten += report.bucketsWritten
        state.bucketsRecomputed += report.bucketsRecomputed
        return watermark
    }

    // MARK: - Stale buckets

    /// A copy of the stale marks (series key -> bucket start -> generation), for a
    /// recomputation; hand what it recomputed to `clearStale`.
    func staleMarksCopy() -> [[UInt8]: [Int64: UInt64]] {
        lock.lock(); defer { lock.unlock() }
        return staleMarks
    }

    /// Clears the marks a recomputation handled, except those a newer late row has renewed
    /// since (their generation changed).
    func clearStale(_ processed: [([UInt8], [Int64: UInt64])]) {
        lock.lock(); defer { lock.unlock() }
        for (key, marks) in processed {
            if var current = staleMarks[key] {
                for (start, generation) in marks where current[start] == generation { current[start] = nil }
                staleMarks[key] = current.isEmpty ? nil : current
            }
        }
    }

    /// Whether any bucket is marked stale.
    func hasStale() -> Bool {
        lock.lock(); defer { lock.unlock() }
        return !staleMarks.isEmpty
    }

    /// The start of every stale bucket of any series (with repeats).
    func staleStarts() -> [Int64] {
        lock.lock(); defer { lock.unlock() }
        return staleMarks.values.flatMap(\.keys)
    }

    /// A delete removed raw points: the buckets `starts` of each of `series` are marked stale
    /// (one new generation), and the buckets from `lateFrom` up to `lateTo` enter the late log
    /// with one new sequence (while the log has room), so their reports are exported again.
    func markDeleted(series: [[UInt8]], starts: [Int64], lateFrom: Int64, lateTo: Int64) {
        lock.lock(); defer { lock.unlock() }
        staleGeneration = max(staleGeneration &+ 1, UInt64(FileIO.monotonicNanoseconds()))
        lateSequence &+= 1
        for key in series {
            var marks = staleMarks[key] ?? [:]
            for s in starts { marks[s] = staleGeneration }
            staleMarks[key] = marks
        }
        var hour = lateFrom
        while hour < lateTo && lateBuckets.count <= Self.lateLogLimit {
            lateBuckets[hour] = lateSequence
            hour = hour.addingSaturating(bucket)
        }
        trimLateLogHoldingLock()
    }

    // MARK: - Retention and figures

    /// Retention removed `partitions` partitions, `rows` rows and `bytes` bytes.
    func countRetention(partitions: Int, rows: Int, bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        state.droppedPartitions += partitions
        state.droppedRows += rows
        state.droppedBytes += bytes
    }

    /// The figures `DatabaseStatistics` shows of the rollup.
    func statistics() -> (staleBuckets: Int, watermark: Int64?, droppedBytes: Int) {
        lock.lock(); defer { lock.unlock() }
        return (staleMarks.values.reduce(0) { $0 + $1.count }, watermark, state.droppedBytes)
    }

    /// The watermark and the stale buckets per series, at one instant.
    func coverage() -> (watermark: Int64?, stale: [[UInt8]: Set<Int64>]) {
        lock.lock(); defer { lock.unlock() }
        return (watermark, staleMarks.mapValues { Set($0.keys) })
    }

    /// The watermark, the buckets the late log marked after sequence `after`, and the latest
    /// sequence, at one instant.
    func lateData(after: UInt64) -> (watermark: Int64?, buckets: [Int64], sequence: UInt64) {
        lock.lock(); defer { lock.unlock() }
        return (watermark, lateBuckets.filter { $0.value > after }.keys.sorted(), lateSequence)
    }

    // MARK: - Late arrivals

    /// Moves the late-arrival horizon to `t` (ns; it never moves back).
    func advanceLateHorizon(to t: Int64) {
        lock.lock(); defer { lock.unlock() }
        lateArrivals.advance(to: t)
    }

    /// The ranges of late arrivals noted after sequence `after`, and the latest sequence.
    func lateArrivals(after: UInt64) -> (ranges: [ClosedRange<Int64>], sequence: UInt64) {
        lock.lock(); defer { lock.unlock() }
        return (lateArrivals.ranges(after: after), lateArrivals.sequence)
    }

    // MARK: - Persistence

    /// The state to persist: the runs' progress and totals plus the current stale marks and
    /// late log.
    func snapshot() -> RollupState {
        lock.lock(); defer { lock.unlock() }
        var out = state
        out.watermark = watermark
        out.stale = Dictionary(uniqueKeysWithValues: staleMarks.map { (String(decoding: $0.key, as: UTF8.self), $0.value.keys.sorted()) })
        out.lateSequence = lateSequence
        out.lateBuckets = lateBuckets.keys.sorted().map { [$0, Int64(bitPattern: lateBuckets[$0]!)] }
        return out
    }

    /// Persists a snapshot in `directory` (`ROLLUPS`), one store at a time.
    func store(directory: String) throws {
        storeMutex.lock(); defer { storeMutex.unlock() }
        try snapshot().store(directory: directory)
    }

    /// Runs `body` while no store replaces the state file (a snapshot copying it).
    func withStoredStateUnchanged<T>(_ body: () throws -> T) rethrows -> T {
        storeMutex.lock(); defer { storeMutex.unlock() }
        return try body()
    }
}

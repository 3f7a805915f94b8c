public import ChargelineCore
import Foundation
public import Logging

/// The storage engine's facade: a data directory holding one folder per database.
///
/// Thread-safe. Databases are created on first write (as InfluxDB 1.x's auto-create does).
/// Opening reads each database's manifest and replays its WAL tail; no segment file is read
/// until a query or a report needs it. At most `StorageOptions.maxOpenDatabases` databases
/// are open at once, and one left idle for `databaseIdleClose` is closed: the rest are opened
/// again on their next use (`DatabaseTable`), so idle databases cost no files or threads. A store opened for writing holds an exclusive lock on
/// `DATA/LOCK`; a read-only store (for `inspect`/`query` beside a running server) takes none.
public final class Store: @unchecked Sendable {
    /// The data directory.
    public let directory: String
    public let options: StorageOptions
    /// Opened without the lock, for reads only.
    public let readOnly: Bool
    /// One line per database saying what opening found and how long it took.
    public private(set) var openReport: [String] = []
    /// How long opening took (ms).
    public private(set) var openMilliseconds: Double = 0

    let logger: Logger
    private let lock = NSLock()
    /// Every database by name, the open ones and their leases.
    private(set) var table: DatabaseTable!
    private var lockFD: Int32 = -1
    private var maintenance: StoreMaintenance?
    private var isClosed = false
    /// Query catalogs (series, tags, fields per measurement), see `Store+Query.swift`.
    let catalogCache = CatalogCache()
    /// Retention set by InfluxQL DDL, per database, see `Store+Retention.swift`.
    let retentionSettings = RetentionSettingsCache()

    /// Opens (creating when absent) the data directory.
    /// - Throws: `ChargelineError` when another process holds the directory, or a file is damaged
    ///   beyond what recovery repairs.
    public init(directory: String, options: StorageOptions = StorageOptions(), readOnly: Bool = false,
                logger: Logger = Logger(label: "chargeline.storage")) throws {
        let started = FileIO.monotonicNanoseconds()
        self.directory = directory
        self.options = options
        self.readOnly = readOnly
        self.logger = logger
        SegmentIndexCache.shared.setBudget(options.indexCacheBytes)
        if !readOnly {
            try FileIO.makeDirectories(directory)
            lockFD = try Store.acquireLock(directory)
            removeTrash()
        } else if !FileIO.isDirectory(directory) {
            throw ChargelineError(.notFound, "data directory \(directory) does not exist; pass the folder `chargeline serve --data` uses")
        }
        table = DatabaseTable(limit: options.maxOpenDatabases, idleNanoseconds: options.databaseIdleClose, logger: logger) { [unowned self] name in
            try self.makeDatabase(name)
        }
        // Every folder is a database but the data directory's own (`snapshots`, ...); a database
        // whose name an older version allowed and the rule now refuses still opens. Each is
        // opened once (its WAL replayed, damaged segments quarantined, its report line kept);
        // past the open limit the least recently opened are closed again as the next open.
        let names = FileIO.list(directory).filter {
            FileIO.isDirectory(directory + "/" + $0) && !$0.hasPrefix(".") && !DatabaseNameRule.reserved.contains($0)
        }
        table.register(names)
        for name in names.sorted() {
            try table.with(name, touch: false) { db in openReport.append(db.openReport) }
        }
        openMilliseconds = Double(FileIO.monotonicNanoseconds() - started) / 1e6
        if !readOnly && options.backgroundMaintenance {
            let m = StoreMaintenance(store: self, logger: logger)
            maintenance = m
            for db in table.openDatabases() { wire(db, to: m) }
            m.start()
        }
    }

    /// Opens (creating when absent) the database `name`, wired to the maintenance threads;
    /// called by `table` under its lock.
    private func makeDatabase(_ name: String) throws -> Database {
        let folder = directory + "/" + name
        let isNew = !FileIO.isDirectory(folder)
        let db = try Database(name: name, directory: folder, options: options, readOnly: readOnly, logger: logger)
        if let m = maintenance { wire(db, to: m) }
        if isNew { logger.info("created database \(name)") }
        return db
    }

    private func wire(_ db: Database, to m: StoreMaintenance) {
        db.flushRequester = { [weak m] in m?.wake() }
        db.rollupChild?.flushRequester = { [weak m] in m?.wake() }
    }

    deinit {
        if lockFD >= 0 { FileIO.close(lockFD) }
    }

    /// Per database, what it holds now (`DatabaseStatistics`), in name order: cheap, for
    /// metrics scrapes.
    public func statistics() -> [DatabaseStatistics] {
        table.statistics()
    }

    /// Names of the databases.
    public func databaseNames() -> [String] {
        table.names()
    }

    /// "database not found: NAME", then the databases there are, or how to make the first one
    /// when there are none (for errors that name a missing database).
    public func databaseNotFoundMessage(_ name: String) -> String {
        let names = databaseNames()
        return names.isEmpty
            ? "database not found: \(name) (there are no databases yet: CREATE DATABASE \(name), or write to it)"
            : "database not found: \(name) (existing: \(names.joined(separator: ", ")))"
    }

    /// Creates a database (no-op when it exists).
    public func createDatabase(_ name: String) throws {
        _ = try table.with(name, create: true, validate: { try validateNew(name) }) { _ in }
    }

    /// Stores `batch` in `database` (created on first write); `completion` runs once the batch
    /// is durable under the fsync policy and applied, on the WAL's completion thread.
    public func write(database name: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        let db: Database
        do {
            db = try table.lease(name, create: true, validate: { try validateNew(name) })!
        } catch let e as ChargelineError {
            completion(WriteOutcome(failure: e))
            return
        } catch {
            completion(WriteOutcome(failure: ChargelineError(.io, "cannot open database \(name)", cause: error)))
            return
        }
        // The lease covers the WAL append; the completion may run after the release (closing
        // the database waits for its WAL's completions first).
        defer { table.release(name) }
        db.write(batch, completion: completion)
    }

    /// Stores `batch` and waits until it is durable.
    @discardableResult
    public func write(database name: String, batch: WriteBatch) async -> WriteOutcome {
        await withCheckedContinuation { cont in
            write(database: name, batch: batch) { cont.resume(returning: $0) }
        }
    }

    /// Stores `batch` and blocks the calling thread until it is durable (tools and tests).
    @discardableResult
    public func writeAndWait(database name: String, batch: WriteBatch) -> WriteOutcome {
        let done = DispatchSemaphore(value: 0)
        let box = OutcomeBox()
        write(database: name, batch: batch) { outcome in
            box.value = outcome
            done.signal()
        }
        done.wait()
        return box.value!
    }

    /// Reads raw rows of one measurement (optionally one series, some fields) in `range`.
    public func read(database name: String, measurement: String, seriesKey: String? = nil,
                     fields: [String]? = nil, range: TimeRange = .all) throws -> [SeriesReadResult] {
        let rows = try table.with(name) { db in
            try db.read(measurement: measurement, seriesKey: seriesKey.map { Array($0.utf8) },
                        fields: fields.map(Set.init), range: range)
        }
        guard let rows else {
            throw ChargelineError(.notFound, "database \(name) not found; existing databases: \(databaseNames().joined(separator: ", "))")
        }
        return rows
    }

    /// Measurements of a database.
    public func measurements(database name: String) throws -> [String] {
        try table.with(name) { $0.measurements() } ?? []
    }

    /// Flushes every head to segments (rollup databases included). Closed databases have
    /// nothing in memory.
    public func flush() throws {
        try table.forEachOpen { db in
            try db.flush()
            try db.rollupChild?.flush()
        }
    }

    /// Runs the rollups of every database (or one): materialises complete buckets, recomputes
    /// stale ones, and with `backfill` recomputes every bucket in that range. `progress`
    /// receives (buckets done, buckets to do) per database. A database's series are computed
    /// on `threads` threads (every core when nil; `isCancelled` is asked on them).
    public func runRollups(database name: String? = nil, now: Int64? = nil, backfill: TimeRange? = nil,
                           settle: Int64 = 0, threads: Int? = nil, isCancelled: @escaping @Sendable () -> Bool = { false },
                           progress: ((String, Int, Int) -> Void)? = nil) throws -> [(database: String, report: RollupRunReport)] {
        let t = now ?? FileIO.nowNanoseconds()
        var out: [(String, RollupRunReport)] = []
        // Every open database, and the closed ones whose newest hour is now complete or that
        // late rows marked stale (asked for by name: that one, open or not).
        for dbName in name.map({ [$0] }) ?? table.rollupCandidates(now: t) {
            if isCancelled() { break }
            guard let r = try table.with(dbName, touch: false, { db in
                try db.runRollups(now: t, backfill: backfill, settle: settle, threads: threads ?? Database.rollupThreads,
                                  isCancelled: isCancelled) { done, total in progress?(dbName, done, total) }
            }) else { continue }
            out.append((dbName, r))
        }
        return out
    }

    /// Applies retention to every database (or one); with `dryRun` only reports.
    public func applyRetention(database name: String? = nil, now: Int64? = nil, dryRun: Bool) throws -> [RetentionAction] {
        let t = now ?? FileIO.nowNanoseconds()
        var out: [RetentionAction] = []
        for dbName in name.map({ [$0] }) ?? table.names() {
            let policy = try retentionPolicy(for: dbName)
            out += try table.with(dbName, touch: false) { try $0.applyRetention(policy, now: t, dryRun: dryRun) } ?? []
        }
        return out
    }

    /// Reads rollup rows: the rollup named `rollup` (e.g. "1h") of `database`. Fields are
    /// `<field>_count`, `_sum`, `_min`, `_max`, `_first`, `_last`, `_first_time`, `_last_time`,
    /// `_mean` (time-weighted) and, for counters, `_increase`; timestamps are bucket starts.
    /// With `seriesKeys`, only those series.
    public func readRollup(database name: String, rollup: String, measurement: String, seriesKey: String? = nil,
                           seriesKeys: Set<[UInt8]>? = nil, fields: [String]? = nil, range: TimeRange = .all) throws -> [SeriesReadResult] {
        try readRollupMap(database: name, rollup: rollup, measurement: measurement, seriesKey: seriesKey, seriesKeys: seriesKeys,
                          fields: fields, range: range) { $0 }
    }

    /// `readRollup` with `transform` applied to each series on the threads that read it (nil
    /// drops the series), in key order: per-series work runs in parallel with the read, and
    /// each series' columns are freed there rather than all at the end.
    /// With `seriesKeys`, only those series.
    package func readRollupMap<T: Sendable>(database name: String, rollup: String, measurement: String, seriesKey: String? = nil,
                                            seriesKeys: Set<[UInt8]>? = nil, fields: [String]? = nil, range: TimeRange = .all,
                                            _ transform: @Sendable (SeriesReadResult) throws -> T?) throws -> [T] {
        let rows = try table.with(name) { db -> [T] in
            guard let child = db.rollupChild, options.rollup.name == rollup else {
                throw ChargelineError(.notFound, "database \(name) has no rollup \(rollup) (rollups: \(options.rollup.enabled ? options.rollup.name : "disabled"))")
            }
            let wanted = fields.map(Set.init)
            let shapes = LogicalShapeCache()
            // The logical columns are rebuilt on the reading threads.
            return try child.readMap(measurement: measurement, seriesKey: seriesKey.map { Array($0.utf8) }, seriesKeys: seriesKeys,
                                     fields: RollupLayout.storedNames(for: wanted), range: range) { key, columns in
                try transform(SeriesReadResult(key: key, columns: try RollupLayout.logicalColumns(columns, wanted: wanted, key: key, shapes: shapes)))
            }
        }
        guard let rows else { throw ChargelineError(.notFound, "database \(name) not found") }
        return rows
    }

    /// Flushes, then merges each partition's segments into one. Returns partitions rewritten.
    /// Partitions that cannot be compacted (damaged segments) are skipped in every database;
    /// the error thrown at the end names them all.
    @discardableResult
    public func compact() throws -> Int {
        var n = 0
        var skipped: [String] = []
        for name in table.names() {
            try table.with(name, touch: false) { parent in
                for db in [parent] + (parent.rollupChild.map { [$0] } ?? []) {
                    try db.flush()
                    do {
                        n += try db.compact(minSegments: 1)
                    } catch let error as ChargelineError where error.code == .corruption {
                        skipped.append(error.message)
                    }
                }
            }
        }
        if !skipped.isEmpty { throw ChargelineError(.corruption, skipped.joined(separator: "\n")) }
        return n
    }

    /// Counts and sizes per database and partition.
    public func report() throws -> StoreReport {
        let dbs = try table.names().compactMap { name in try table.with(name, touch: false) { try $0.report() } }
        let values = dbs.reduce(0) { $0 + $1.values }
        let bytes = dbs.reduce(0) { $0 + $1.bytes }
        return StoreReport(dataDirectory: directory, databases: dbs, totalValues: values, totalBytes: bytes,
                           bytesPerValue: values > 0 ? Double(dbs.reduce(0) { $0 + $1.storedBytes }) / Double(values) : 0,
                           openMilliseconds: openMilliseconds)
    }

    /// Where the bytes of every database and rollup tier go (`ByteBreakdown`), block by block.
    public func byteBreakdown() throws -> [ByteBreakdown] {
        try table.names().flatMap { name in try table.with(name, touch: false) { try $0.byteBreakdown(name: name) } ?? [] }
    }

    /// Stops maintenance, flushes every head and closes the WALs. Idempotent.
    public func close() throws {
        lock.lock()
        if isClosed { lock.unlock(); return }
        isClosed = true
        lock.unlock()
        maintenance?.stop()
        let firstError = table.shutDown()
        if lockFD >= 0 { FileIO.close(lockFD); lockFD = -1 }
        if let firstError { throw firstError }
    }

    // MARK: - Internals

    /// The database named `name`, opened if it is closed (tests and tools; no lease, so it
    /// may be closed again when idle or past the open limit).
    package func openDatabase(_ name: String) -> Database? {
        (try? table.with(name) { $0 }) ?? nil
    }

    /// The databases open now (tests and tools).
    func allDatabases() -> [Database] {
        table.openDatabases()
    }

    /// Before a database is created: its name is valid and the store is writable.
    private func validateNew(_ name: String) throws {
        try Store.validate(databaseName: name)
        if readOnly { throw ChargelineError(.closed, "the store is open read-only; cannot create database \(name)") }
        lock.lock(); defer { lock.unlock() }
        if isClosed { throw ChargelineError(.closed, "the store is closed") }
    }

    /// Database names become folder names, and are printed in logs: `DatabaseNameRule`.
    public static func validate(databaseName name: String) throws {
        if let problem = DatabaseNameRule.problem(with: name) {
            throw ChargelineError(.badInput, "invalid database name: \(problem)")
        }
    }

    /// Takes the exclusive lock on `DATA/LOCK` (one writer per data directory); the descriptor
    /// holds it until closed.
    static func acquireLock(_ directory: String) throws -> Int32 {
        let path = directory + "/LOCK"
        let fd = try FileIO.open(path, O_RDWR | O_CREAT)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            FileIO.close(fd)
            throw ChargelineError(.closed, "data directory \(directory) is in use by another chargeline process; stop it first, or use `--server` / a read-only command against it")
        }
        return fd
    }
}

private final class OutcomeBox: @unchecked Sendable {
    var value: WriteOutcome?
}

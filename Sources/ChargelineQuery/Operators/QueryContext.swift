import ChargelineCore
import ChargelineStorage
import Foundation

/// Limits a query runs under. Defaults suit an operator's console and Grafana panels, and keep
/// one request's memory well under a gigabyte. Every limit covers the whole request (all its
/// statements), except `maxBuckets` and `maxSelectSeries`, which apply per SELECT as in
/// InfluxDB 1.x.
public struct QueryLimits: Sendable {
    /// Wall-clock time per query (all statements), in seconds; 0 disables.
    public var timeoutSeconds: Double = 30
    /// Values decoded from storage per query; 0 disables. Values answered from block
    /// statistics are not decoded and do not count.
    public var maxPointsScanned: Int = 500_000_000
    /// GROUP BY time() buckets per series (InfluxDB's `max-select-buckets`).
    public var maxBuckets: Int = 1_000_000
    /// Series one SELECT may read (InfluxDB's `max-select-series`); 0 disables.
    public var maxSelectSeries: Int = 0
    /// Values (rows x columns) all statements of a request may produce (`max-values`); 0
    /// disables. Counted in values, not rows, because a row's memory grows with its columns
    /// (about 70 bytes a value while a result is made, shaped and rendered): ten million
    /// values stay under a gigabyte whatever the row width. A GROUP BY time() is charged
    /// before anything is allocated: buckets x series x selected calls, the values (and
    /// reducer slots) it would make with fill.
    public var maxValues: Int = 10_000_000
    /// Statements in one request (`max-statements`); 0 disables.
    public var maxStatements: Int = 100
    /// Bytes of one response body (`max-response-bytes`), checked as each statement's JSON is
    /// written; 0 disables. Enforced by the HTTP layer, which renders the JSON.
    public var maxResponseBytes: Int = 256 << 20

    public init(timeoutSeconds: Double = 30, maxPointsScanned: Int = 500_000_000, maxBuckets: Int = 1_000_000,
                maxSelectSeries: Int = 0, maxValues: Int = 10_000_000, maxStatements: Int = 100,
                maxResponseBytes: Int = 256 << 20) {
        self.timeoutSeconds = timeoutSeconds
        self.maxPointsScanned = maxPointsScanned
        self.maxBuckets = maxBuckets
        self.maxSelectSeries = maxSelectSeries
        self.maxValues = maxValues
        self.maxStatements = maxStatements
        self.maxResponseBytes = maxResponseBytes
    }
}

/// Per-query state shared by the operators (on several threads): the deadline, the caller's
/// cancellation flag and the count of points decoded.
final class QueryContext: @unchecked Sendable {
    let now: Int64
    let limits: QueryLimits
    let cancellation: QueryCancellation?
    /// The retention policy a FROM without one reads (`rp=`); nil: the raw data. Set before
    /// the first statement runs.
    var defaultRetentionPolicy: String?
    /// The databases SHOW DATABASES lists (a user without admin sees those it holds a grant
    /// on, as in InfluxDB 1.x); nil: all.
    var visibleDatabases: Set<String>?
    private let deadline: UInt64
    private let lock = NSLock()
    private var scanned = 0
    private var rollupRowCount = 0
    private var warnings: [String] = []
    private var rows = 0

    init(now: Int64, limits: QueryLimits, cancellation: QueryCancellation? = nil) {
        self.now = now
        self.limits = limits
        self.cancellation = cancellation
        // Clamped: a timeout of years must not trap converting to nanoseconds.
        let timeout = min(limits.timeoutSeconds, 1e9)
        deadline = timeout > 0 ? DispatchTime.now().uptimeNanoseconds &+ UInt64(timeout * 1e9) : .max
    }

    /// Points decoded so far.
    var pointsScanned: Int { lock.lock(); defer { lock.unlock() }; return scanned }

    /// Rows a WHERE filter evaluates between two checks within one series (a filter may run a
    /// regex per row): a few milliseconds of work.
    static let rowsPerCheck = 4_096

    /// Throws when the deadline passed or the caller cancelled the query. Operators call it
    /// per series, statement or task, never per row.
    func checkCancelled() throws {
        if let reason = cancellation?.check() {
            throw QueryError(.limit, "query cancelled: \(reason)")
        }
        if DispatchTime.now().uptimeNanoseconds > deadline {
            throw QueryError(.limit, "query timed out after \(limits.timeoutSeconds) s (query timeout); narrow the time range or the series, or raise the timeout (--query-timeout)")
        }
    }

    /// Whether the query is to stop (deadline passed or cancelled), without counting a check:
    /// for work that cannot throw (a long regex match), whose caller's next
    /// `checkCancelled` then throws.
    func shouldStop() -> Bool {
        cancellation?.reason != nil || DispatchTime.now().uptimeNanoseconds > deadline
    }

    /// Rollup rows (one field of one series over one bucket) read in place of raw data so far.
    var rollupRows: Int { lock.lock(); defer { lock.unlock() }; return rollupRowCount }

    /// Records `n` rollup rows read (they do not count towards the points limit).
    func didReadRollups(_ n: Int) {
        lock.lock()
        rollupRowCount += n
        lock.unlock()
    }

    /// Records a warning for the statement running (an unknown name answered as InfluxDB 1.x
    /// does, with nothing); the same text once per statement.
    func warn(_ text: String) {
        lock.lock()
        if !warnings.contains(text) { warnings.append(text) }
        lock.unlock()
    }

    /// The warnings recorded since the last call, in order; clears them.
    func takeWarnings() -> [String] {
        lock.lock()
        defer { warnings = []; lock.unlock() }
        return warnings
    }

    /// Records `n` decoded points; throws past the limit.
    func didScan(_ n: Int) throws {
        lock.lock()
        scanned += n
        let total = scanned
        lock.unlock()
        if limits.maxPointsScanned > 0 && total > limits.maxPointsScanned {
            throw QueryError(.limit, "query scanned more than \(limits.maxPointsScanned) points (max points scanned); narrow the time range or the series, or raise the limit (--max-points)")
        }
        try checkCancelled()
    }

    /// Values charged to the request so far (`maxValues`).
    var valuesProduced: Int { lock.lock(); defer { lock.unlock() }; return rows }

    /// Charges `n` values to the request; throws when that passes `maxValues`. `what`
    /// describes where they come from, for the error.
    func chargeValues(_ n: Int, what: @autoclosure () -> String = "") throws {
        lock.lock()
        let (sum, overflow) = rows.addingReportingOverflow(n)
        rows = overflow ? Int.max : sum
        let total = rows
        lock.unlock()
        guard limits.maxValues > 0, total > limits.maxValues else { return }
        let detail = what()
        throw QueryError(.limit, "max-values exceeded: (\(total)/\(limits.maxValues))\(detail.isEmpty ? "" : ": " + detail); "
            + "the request's statements together may produce at most \(limits.maxValues) values (rows x columns): narrow the time range or the "
            + "series, use a longer GROUP BY time() interval or fill(none), or raise the limit (--max-values)")
    }

    /// Runs `body(i)` for i in 0..<count on all cores; rethrows the first error.
    func parallel(_ count: Int, _ body: @Sendable (Int) throws -> Void) throws {
        if count <= 1 {
            for i in 0..<count { try body(i) }
            return
        }
        let failure = Box<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            if failure.get() != nil { return }
            do { try body(i) } catch { failure.setIfNil(error) }
        }
        if let e = failure.get() { throw e }
    }
}

/// A value guarded by a lock.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func update(_ f: (inout T) -> Void) { lock.lock(); f(&value); lock.unlock() }
    func setIfNil<U>(_ v: U) where T == U? { lock.lock(); if value == nil { value = v }; lock.unlock() }
}

/// Where a SELECT reads series from: the store (raw data or rollup rows), or the rows of a
/// subquery.
protocol DataSource: Sendable {
    func scan(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan]
    /// Which rollup buckets answer exactly, for sources with rollups (nil by default).
    func rollupCoverage() -> RollupCoverage?
    /// Rollup rows (fields `<field>_<aggregate>`); only called when `rollupCoverage()` is not nil.
    func scanRollup(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan]
    /// The newest point of each field of each series in `range` (key `k`, field `f` at
    /// `k * fields.count + f`), for sources that answer it from metadata; nil (the default)
    /// when the caller should scan instead.
    func latest(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [LatestPoint?]?
}

extension DataSource {
    func rollupCoverage() -> RollupCoverage? { nil }
    func latest(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [LatestPoint?]? { nil }
    func scanRollup(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        preconditionFailure("BUG: scanRollup on a source without rollups")
    }
}

/// The store's raw data as a data source (with its rollups for transparent reads when
/// `useRollups`).
struct StoreSource: DataSource {
    let store: Store
    let database: String
    var useRollups = true

    func scan(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        do {
            return try store.scan(database: database, keys: keys, fields: fields, range: range)
        } catch let e as ChargelineError {
            throw QueryError(.storage, e.description)
        }
    }

    func rollupCoverage() -> RollupCoverage? { useRollups ? store.rollupCoverage(database: database) : nil }

    func latest(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [LatestPoint?]? {
        do {
            return try store.latest(database: database, keys: keys, fields: fields, range: range)
        } catch let e as ChargelineError {
            throw QueryError(.storage, e.description)
        }
    }

    func scanRollup(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        do {
            return try store.scanRollup(database: database, keys: keys, fields: fields, range: range)
        } catch let e as ChargelineError {
            throw QueryError(.storage, e.description)
        }
    }
}

/// A database's rollup rows as a data source of their own (`FROM "1h"."telemetry"`).
struct RollupTierSource: DataSource {
    let store: Store
    let database: String

    func scan(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        do {
            return try store.scanRollup(database: database, keys: keys, fields: fields, range: range)
        } catch let e as ChargelineError {
            throw QueryError(.storage, e.description)
        }
    }
}

extension QueryContext {
    /// Decodes every field of `scan` (nil where the series lacks it), counting the values
    /// against the points-scanned limit.
    func decodeFields(_ scan: SeriesScan) throws -> [ColumnData?] {
        try scan.fields.map { f -> ColumnData? in
            guard let f else { return nil }
            let d = try f.decodeAll()
            try didScan(d.count)
            return d
        }
    }
}

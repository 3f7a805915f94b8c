public import ChargelineCore

extension ChargelineError.Code {
    /// A quota refused the write (`--no-auto-create`, `--max-databases`): answered 400 (404 for a
    /// database that does not exist) with the quota's name, never retried by clients.
    public static let quota = ChargelineError.Code("quota")
}

/// The database quotas of HTTP writes, as a layer over the sink: with auto-creation off a write
/// to a database that does not exist fails `.notFound` (InfluxDB's 404 `database not found`),
/// and past `maxDatabases` a write that would create one fails `.quota`. Writes to existing
/// databases cost one set lookup under a lock; the sink's database list is read only on a miss.
public final class DatabaseQuotaSink: IngestSink {
    private let inner: any IngestSink
    private let autoCreate: Bool
    private let maxDatabases: Int
    private let known = Locked(Set<String>())
    private let refused: @Sendable (_ quota: String) -> Void

    /// - Parameters:
    ///   - autoCreate: whether a write creates its database (InfluxDB's default, true).
    ///   - maxDatabases: most databases a write may bring the server to; 0: no limit.
    ///   - refused: called with the quota's name (`auto_create`, `max_databases`) for each refusal.
    public init(_ inner: any IngestSink, autoCreate: Bool, maxDatabases: Int,
                refused: @escaping @Sendable (_ quota: String) -> Void = { _ in }) {
        self.inner = inner
        self.autoCreate = autoCreate
        self.maxDatabases = maxDatabases
        self.refused = refused
    }

    public func write(database: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        if let problem = admit(database) {
            completion(WriteOutcome(failure: problem))
        } else {
            inner.write(database: database, batch: batch, completion: completion)
        }
    }

    /// Nil when a write to `database` may go on, else why not.
    func admit(_ database: String) -> ChargelineError? {
        if known.withLock({ $0.contains(database) }) { return nil }
        let existing = Set(inner.databases())
        known.withLock { $0 = existing }
        if existing.contains(database) { return nil }
        if !autoCreate {
            refused("auto_create")
            return ChargelineError(.notFound, "database not found: \"\(database)\"")
        }
        if maxDatabases > 0 && existing.count >= maxDatabases {
            refused("max_databases")
            return ChargelineError(.quota, "max-databases limit exceeded: (\(existing.count)/\(maxDatabases)): a write may not create database \"\(database)\"; write to an existing one, or raise the limit (--max-databases)")
        }
        known.withLock { _ = $0.insert(database) }
        return nil
    }

    public func databases() -> [String] { inner.databases() }

    public func createDatabase(_ name: String) throws { try inner.createDatabase(name) }

    public func storedSeries(_ keys: [[UInt8]], field: String, database: String) -> Set<[UInt8]>? {
        inner.storedSeries(keys, field: field, database: database)
    }
}

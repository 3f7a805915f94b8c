public import ChargelineCore

/// Where decoded writes go. Implementations must not block the caller's thread.
///
/// The server calls this from NIO event-loop threads; the lead's storage adapter (in the main
/// package) makes the storage engine conform. The server never imports storage itself.
/// `WriteOutcome` lives in ChargelineCore so storage can produce it without importing the server.
public protocol IngestSink: Sendable {
    /// Stores `batch` in database `database` (created on first write). Calls `completion` exactly once, on any thread,
    /// after the batch is durable under the fsync policy, or with the failure. Completion may be delayed when the
    /// store is behind (back-pressure): callers must not send more from the same connection until it is called
    /// (the pieces of one HTTP body, already in memory, go in one after the other without waiting).
    func write(database: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void)
    /// Lists existing databases (for SHOW DATABASES).
    func databases() -> [String]
    /// Creates database `name` (CREATE DATABASE); succeeds if it already exists.
    /// - Throws: `ChargelineError` when the database cannot be created.
    func createDatabase(_ name: String) throws
    /// Of `keys` (series keys of one measurement in `database`), those holding a stored value of
    /// `field`, read back from storage (a database that does not exist holds none). Nil when this
    /// sink cannot read back what it stored (a gateway's spool): callers then treat every key as
    /// not stored. May read storage on the caller's thread: call it for a few keys, or once at
    /// start-up, not per frame.
    func storedSeries(_ keys: [[UInt8]], field: String, database: String) -> Set<[UInt8]>?
}

extension IngestSink {
    /// Sinks that cannot read back (spools, test doubles) know nothing stored.
    public func storedSeries(_ keys: [[UInt8]], field: String, database: String) -> Set<[UInt8]>? { nil }
}

public import ChargelineCore
public import ChargelineStorage

/// Connects the server to the storage engine: the one place where the two meet (the server is
/// the composition root; storage knows nothing of networking).
public struct StorageSink: IngestSink {
    public let store: Store

    public init(store: Store) { self.store = store }

    public func write(database: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        store.write(database: database, batch: batch, completion: completion)
    }

    public func databases() -> [String] { store.databaseNames() }

    public func createDatabase(_ name: String) throws { try store.createDatabase(name) }
}

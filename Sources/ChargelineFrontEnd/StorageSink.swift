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

    public func storedSeries(_ keys: [[UInt8]], field: String, database: String) -> Set<[UInt8]>? {
        guard !keys.isEmpty, store.hasDatabase(database) else { return [] }
        // One newest point per key, from block statistics: no block is decoded for most keys.
        guard let points = try? store.latest(database: database, keys: keys, fields: [field], range: .all) else { return nil }
        var found = Set<[UInt8]>()
        for (i, p) in points.enumerated() where p != nil { found.insert(keys[i]) }
        return found
    }
}

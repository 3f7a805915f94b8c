/// Answers `POST /api/v1/snapshot`: takes a consistent snapshot of the store on the server's
/// disk and answers where it is (docs/operations.md, "Backup and restore"). The server knows
/// nothing of storage; `serve` plugs in a handler over the store.
public protocol SnapshotHandler: Sendable {
    /// Takes a snapshot and calls `completion` exactly once on any thread with the answer
    /// (200 and a JSON object naming `id` and `path`, or an error). Must not block the caller
    /// (an event loop): the work runs elsewhere.
    func takeSnapshot(completion: @escaping @Sendable (ReportResponse) -> Void)
}

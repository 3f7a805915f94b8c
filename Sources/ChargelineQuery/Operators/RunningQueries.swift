import Dispatch
import Foundation

/// The queries an engine is running, for `SHOW QUERIES` and `KILL QUERY <qid>`.
///
/// Thread-safe. Ids start at 1 and grow per engine; an entry lives from the start of
/// `QueryEngine.execute` to its return.
final class RunningQueries: @unchecked Sendable {
    struct Entry {
        var id: UInt64
        var text: String
        var database: String
        /// Monotonic start (ns).
        var started: UInt64
        var cancellation: QueryCancellation
    }

    private let lock = NSLock()
    private var next: UInt64 = 1
    private var entries: [UInt64: Entry] = [:]

    /// Registers a query; returns its id.
    func start(_ text: String, database: String?, cancellation: QueryCancellation) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        let id = next
        next += 1
        entries[id] = Entry(id: id, text: text, database: database ?? "", started: DispatchTime.now().uptimeNanoseconds, cancellation: cancellation)
        return id
    }

    func finish(_ id: UInt64) {
        lock.lock()
        entries[id] = nil
        lock.unlock()
    }

    /// The running queries, oldest first.
    func list() -> [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return entries.values.sorted { $0.id < $1.id }
    }

    /// Cancels query `id`; false when no such query runs.
    func kill(_ id: UInt64) -> Bool {
        lock.lock()
        let entry = entries[id]
        lock.unlock()
        entry?.cancellation.cancel(reason: "killed by KILL QUERY \(id)")
        return entry != nil
    }
}

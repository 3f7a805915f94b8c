import Foundation

/// A process-wide budget for the parsed indexes that segment readers keep after their first
/// read. A rollup day of 20,000 series parses to ~90 MB; kept for the life of the process, a
/// `serve` answering dashboards over months of rollups would grow without bound (a year of
/// days is tens of GB). Each reader registers what it keeps; past the budget the least
/// recently used readers drop theirs and parse again on their next read.
///
/// Indexes in use are unaffected by eviction: callers hold their own reference (the index is
/// a value with copy-on-write storage), which keeps the memory until the read ends.
package final class SegmentIndexCache: @unchecked Sendable {
    /// The one cache of the process (a process serves one store).
    package static let shared = SegmentIndexCache()

    /// A cache of its own (tests); readers register with `shared`.
    package init() {}

    private let lock = NSLock()
    private var budget = StorageOptions().indexCacheBytes
    private var entries: [ObjectIdentifier: Entry] = [:]
    private var total = 0
    private var clock: UInt64 = 0

    private struct Entry {
        weak var reader: SegmentReader?
        var bytes: Int
        var lastUse: UInt64
    }

    /// Bytes held now (estimates of the parsed indexes registered).
    package var heldBytes: Int {
        lock.lock(); defer { lock.unlock() }
        return total
    }

    /// Sets the budget (`StorageOptions.indexCacheBytes` of the store being opened) and evicts
    /// down to it.
    package func setBudget(_ bytes: Int) {
        lock.lock()
        budget = max(0, bytes)
        let victims = victimsLocked(keeping: nil)
        lock.unlock()
        for v in victims { v.dropCachedIndexes() }
    }

    /// Books what `reader` holds now (`heldIndexBytes`, read under this cache's lock so that
    /// concurrent loads and drops book their final state), and evicts other readers until the
    /// total fits the budget. Call without the reader's lock.
    package func register(_ reader: SegmentReader) {
        book(reader) { reader.heldIndexBytes }
    }

    /// Books `bytes` for `reader` (tests).
    package func register(_ reader: SegmentReader, bytes: Int) {
        book(reader) { bytes }
    }

    private func book(_ reader: SegmentReader, _ held: () -> Int) {
        let id = ObjectIdentifier(reader)
        lock.lock()
        let bytes = held()
        clock &+= 1
        total -= entries[id]?.bytes ?? 0
        entries[id] = Entry(reader: reader, bytes: bytes, lastUse: clock)
        total += bytes
        let victims = victimsLocked(keeping: id)
        lock.unlock()
        for v in victims { v.dropCachedIndexes() }
    }

    /// Marks `reader`'s index as just used.
    package func touch(_ reader: SegmentReader) {
        lock.lock(); defer { lock.unlock() }
        clock &+= 1
        entries[ObjectIdentifier(reader)]?.lastUse = clock
    }

    /// Forgets `reader` (it dropped its indexes, or is going away).
    func forget(_ reader: SegmentReader) {
        lock.lock(); defer { lock.unlock() }
        if let e = entries.removeValue(forKey: ObjectIdentifier(reader)) { total -= e.bytes }
    }

    /// Least recently used entries to drop so the total fits the budget (never `keeping`, so
    /// the index just loaded stays even when it alone exceeds the budget). Removes them from
    /// the books; the caller tells the readers outside this lock. Called under `lock`.
    private func victimsLocked(keeping: ObjectIdentifier?) -> [SegmentReader] {
        guard total > budget else { return [] }
        var victims: [SegmentReader] = []
        for (id, e) in entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) where id != keeping {
            guard total > budget else { break }
            entries[id] = nil
            total -= e.bytes
            if let r = e.reader { victims.append(r) }
        }
        return victims
    }
}

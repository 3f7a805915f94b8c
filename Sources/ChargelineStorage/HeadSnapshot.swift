import ChargelineCore

/// The series of one head a read wants, as of the moment the snapshot was taken
/// (`Head.snapshot`): keys and column snapshots (references and counts, no values).
/// Immutable; sorted by key (`sortedByKey()`, run after the lock is released) for lookups.
package struct HeadSnapshot: Sendable {
    package private(set) var keys: [[UInt8]]
    package private(set) var columns: [[HeadColumnSnapshot]]

    init(keys: [[UInt8]], columns: [[HeadColumnSnapshot]]) {
        self.keys = keys
        self.columns = columns
    }

    /// The same series in key order.
    func sortedByKey() -> HeadSnapshot {
        var sorted = true
        for i in keys.indices.dropFirst() where !keys[i - 1].lexicographicallyPrecedes(keys[i]) { sorted = false; break }
        if sorted { return self }
        let order = keys.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) }
        return HeadSnapshot(keys: order.map { keys[$0] }, columns: order.map { columns[$0] })
    }

    /// Where `key` is (keys sorted), if present.
    func position(of key: [UInt8]) -> Int? {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid].lexicographicallyPrecedes(key) { lo = mid + 1 } else { hi = mid }
        }
        return lo < keys.count && keys[lo] == key ? lo : nil
    }
}

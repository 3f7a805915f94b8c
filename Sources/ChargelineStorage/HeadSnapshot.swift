import ChargelineCore

/// The series of one head a read wants, as of the moment the snapshot was taken
/// (`Head.snapshot`): keys and column snapshots (references and counts, no values).
/// Immutable; sorted by key (as `Head.snapshot` builds it) for lookups.
package struct HeadSnapshot: Sendable {
    package private(set) var keys: [[UInt8]]
    package private(set) var columns: [[HeadColumnSnapshot]]

    init(keys: [[UInt8]], columns: [[HeadColumnSnapshot]]) {
        self.keys = keys
        self.columns = columns
    }

    /// Where `key` is, trying position `hint` first: a reader going through keys in order
    /// passes the position after the previous one found, and finds most keys with one
    /// comparison instead of a binary search's dozen (each a key array likely out of cache).
    func position(of key: [UInt8], hint: Int) -> Int? {
        if hint >= 0 && hint < keys.count && keys[hint] == key { return hint }
        return position(of: key)
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

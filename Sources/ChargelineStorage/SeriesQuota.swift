/// Counts one database's series for `max-series-per-database` and says whether a new one fits.
///
/// It holds the key of every series admitted since the database was opened (and of those its
/// heads held then), interned in a `SeriesTable`, so a write of a known series costs one hash
/// lookup and allocates nothing. Series already in segments are at first only counted, as the
/// sum of the segments' series counts in the manifest: an upper bound (a series in several
/// segments counts once per segment) that reads nothing. Only when that bound would pass the
/// quota are the segments' keys read (their indexes, once per open) and the count becomes
/// exact; so a quota is never enforced on an estimate. Memory: one key per series counted, at
/// most the quota's worth. Series removed by retention or deletes are still counted until the
/// database is next opened. Not thread-safe: the database's lock guards it.
struct SeriesQuota {
    /// The quota (positive).
    let limit: Int
    private(set) var keys = SeriesTable()
    /// Series in segments counted without their keys; 0 once `exact`.
    private(set) var segmentBound: Int
    /// Whether `keys` holds every series of the database.
    private(set) var exact = false

    init(limit: Int, segmentBound: Int) {
        self.limit = limit
        self.segmentBound = segmentBound
    }

    /// Series counted (exact once `exact`, else an upper bound).
    var count: Int { keys.count + segmentBound }

    /// Whether `key` is a series already counted.
    func contains(_ key: UnsafeRawBufferPointer) -> Bool { keys.index(of: key) != nil }

    /// Counts series `key` (known or not).
    mutating func insert(_ key: UnsafeRawBufferPointer) { _ = keys.indexInserting(key) }

    /// Counts series `key` given as array bytes.
    mutating func insert(_ key: ArraySlice<UInt8>) { key.withUnsafeBytes { _ = keys.indexInserting($0) } }

    /// Whether one more series fits; when the estimate says no, asks `loadSegmentKeys` (once) to
    /// insert the keys of every segment, making the count exact, and answers from that.
    mutating func roomForOneMore(loadSegmentKeys: (inout SeriesQuota) -> Void) -> Bool {
        if count < limit { return true }
        guard !exact else { return false }
        exact = true
        segmentBound = 0
        loadSegmentKeys(&self)
        return count < limit
    }
}

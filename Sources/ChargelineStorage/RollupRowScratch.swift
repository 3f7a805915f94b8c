/// Reused buffers of one rollup pass: per raw column its buckets, and the row being
/// assembled. A series' rows are merged from its columns' bucket lists (each sorted by start)
/// in start order, so rows come out sorted without a dictionary of rows per series, and no
/// array is allocated per row.
///
/// Not thread-safe: one per pass, used by the thread that runs it.
final class RollupRowScratch {
    /// Buckets of column c, sorted by start.
    var buckets: [[RollupBucket]] = []
    /// Column names of column c.
    var names: [RollupColumnNames?] = []
    /// The next bucket of column c to merge.
    private var cursors: [Int] = []
    private var columnCount = 0
    /// The fields of the row `nextRow` returned last.
    private(set) var row: [RollupRowField] = []

    /// Starts a series of `columns` columns (each `buckets[c]` is then filled by the caller).
    func begin(columns: Int) {
        columnCount = columns
        if buckets.count < columns {
            buckets.append(contentsOf: repeatElement([], count: columns - buckets.count))
            names.append(contentsOf: repeatElement(nil, count: columns - names.count))
            cursors.append(contentsOf: repeatElement(0, count: columns - cursors.count))
        }
        for c in 0..<columns {
            buckets[c].removeAll(keepingCapacity: true)
            cursors[c] = 0
        }
    }

    /// Assembles the next row (the earliest bucket start any column has left, with every
    /// column's bucket at that start, in column order) into `row` and returns its start; nil
    /// when no buckets are left. Starts not in `only` (when given) are skipped.
    func nextRow(columns: [FieldColumn], only: Set<Int64>?) -> Int64? {
        while true {
            var start = Int64.max
            var found = false
            for c in 0..<columnCount where cursors[c] < buckets[c].count {
                let s = buckets[c][cursors[c]].start
                if !found || s < start { start = s; found = true }
            }
            guard found else { return nil }
            let wanted = only?.contains(start) ?? true
            row.removeAll(keepingCapacity: true)
            for c in 0..<columnCount where cursors[c] < buckets[c].count && buckets[c][cursors[c]].start == start {
                if wanted, let n = names[c] { row.append(RollupRowField(names: n, type: columns[c].type, bucket: buckets[c][cursors[c]])) }
                cursors[c] += 1
            }
            if wanted { return start }
        }
    }
}

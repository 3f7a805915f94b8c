import ChargelineCore
import ChargelineStorage

/// Rows of one series: the union of the timestamps of its columns, with each field's value at
/// that time (null where absent). Column-major.
struct Frame {
    var times: [Int64] = []
    var values: [[Value]]

    /// Joins `columns` on time.
    init(_ columns: [ColumnData?]) {
        values = Array(repeating: [], count: columns.count)
        let present = columns.indices.filter { columns[$0] != nil && columns[$0]!.count > 0 }
        if present.count == 1 {
            let c = columns[present[0]]!
            times = c.timestamps
            for f in columns.indices { values[f] = f == present[0] ? (0..<c.count).map { c.value(at: $0).queryValue } : Array(repeating: .null, count: c.count) }
            return
        }
        var cursors = [Int](repeating: 0, count: columns.count)
        while true {
            var t = Int64.max
            var any = false
            for f in present where cursors[f] < columns[f]!.count {
                t = min(t, columns[f]!.timestamps[cursors[f]])
                any = true
            }
            guard any else { break }
            times.append(t)
            for f in columns.indices {
                if let c = columns[f], cursors[f] < c.count, c.timestamps[cursors[f]] == t {
                    values[f].append(c.value(at: cursors[f]).queryValue)
                    cursors[f] += 1
                } else {
                    values[f].append(.null)
                }
            }
        }
    }

    var count: Int { times.count }

    func row(_ i: Int, tags: [(key: String, value: String)]) -> RExpr.Row {
        RExpr.Row(fields: values.map { $0[i] }, tags: tags, time: times[i])
    }
}

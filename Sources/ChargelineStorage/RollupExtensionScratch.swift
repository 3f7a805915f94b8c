import ChargelineCore

/// The registered extensions that apply to one measurement in one rollup run, with their
/// field names as bytes and their rows, reused across the measurement's series: per series
/// `compute` calls each extension once, then `addFields` appends each bucket row's values,
/// allocating nothing per row. Confined to the run's thread.
final class RollupExtensionScratch {
    private let extensions: [any RollupExtension]
    /// Per extension its field names as bytes (built once per measurement per run).
    private let names: [[[UInt8]]]
    /// Per extension the current series' rows and the cursor of the next row to write.
    private var rows: [RollupExtensionRows]
    private var cursors: [Int]
    /// How far past a bucket range the read must reach for these extensions (ns).
    let reach: Int64

    init(_ extensions: [any RollupExtension]) {
        self.extensions = extensions
        names = extensions.map { e in e.fieldNames.map { Array($0.utf8) } }
        rows = extensions.map { RollupExtensionRows(width: $0.fieldNames.count) }
        cursors = [Int](repeating: 0, count: extensions.count)
        reach = extensions.map(\.reach).max() ?? 0
    }

    /// Computes every extension's rows of one series.
    func compute(_ columns: [FieldColumn], bucketLength: Int64, buckets: ClosedRange<Int64>) {
        for e in extensions.indices {
            rows[e].removeAll()
            cursors[e] = 0
            extensions[e].compute(columns, bucketLength: bucketLength, buckets: buckets, into: &rows[e])
        }
    }

    /// Appends each extension's values of the bucket starting at `start` to the open point of
    /// `builder` (opened for `key`), when it has a row there. Starts must come ascending per
    /// series; rows for buckets never asked for are skipped (their bucket has no generic row).
    func addFields(start: Int64, key: UnsafeRawBufferPointer, to builder: inout WriteBatchBuilder) {
        for e in extensions.indices {
            var u = cursors[e]
            let starts = rows[e].starts
            while u < starts.count && starts[u] < start { u += 1 }
            cursors[e] = u
            guard u < starts.count, starts[u] == start else { continue }
            let fieldNames = names[e]
            RollupLayout.ensureRoom(fieldNames.count, key: key, timestamp: start, in: &builder)
            for f in 0..<fieldNames.count {
                switch rows[e][u, f] {
                case .absent: break
                case .integer(let v): fieldNames[f].withUnsafeBytes { builder.addInteger(name: $0, v) }
                case .float(let v): fieldNames[f].withUnsafeBytes { builder.addFloat(name: $0, v) }
                }
            }
        }
    }
}

import ChargelineCore

extension WriteBatch {
    /// Field values in the batch minus those of the `rejected` points; walks the batch, so
    /// call it only when something was rejected.
    func valueCount(excluding rejected: [(pointIndex: Int, message: String)]) -> Int {
        guard !rejected.isEmpty else { return valueCount }
        let skip = Set(rejected.map(\.pointIndex))
        var index = 0
        var values = 0
        forEachPoint { point in
            if !skip.contains(index) { values += point.fieldCount }
            index += 1
        }
        return values
    }
}

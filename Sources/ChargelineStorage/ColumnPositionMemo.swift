/// Remembers what a lookup by field name answered for each column position. Series of a
/// measurement mostly list the same fields in the same order, so the answer for the previous
/// series' column at the same position is reused when the name is the same: names are
/// compared, not hashed. Positions past `Head.indexedColumnsThreshold` are not remembered.
struct ColumnPositionMemo<Value> {
    private var names: [[UInt8]] = []
    private var values: [Value] = []

    /// The answer for `name` at column position `position`: remembered, or `lookup(name)`.
    mutating func value(_ name: [UInt8], at position: Int, _ lookup: ([UInt8]) -> Value) -> Value {
        if position < names.count && names[position] == name { return values[position] }
        let value = lookup(name)
        if position < names.count {
            names[position] = name
            values[position] = value
        } else if position == names.count && position < Head.indexedColumnsThreshold {
            names.append(name)
            values.append(value)
        }
        return value
    }
}

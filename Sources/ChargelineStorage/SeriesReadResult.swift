public import ChargelineCore

/// The values of one field of one series, sorted by time, one value per timestamp.
public struct FieldColumn: Sendable {
    /// Field name.
    public let name: String
    let data: ColumnData

    package init(name: String, data: ColumnData) {
        self.name = name
        self.data = data
    }

    /// The field's type.
    public var type: FieldType { data.type }
    /// Timestamps (ns), ascending and unique.
    public var timestamps: [Int64] { data.timestamps }
    /// Number of values.
    public var count: Int { data.count }
    /// Value `i`.
    public func value(at i: Int) -> FieldValue { data.value(at: i) }
    /// The 64-bit pattern of value `i` (not for strings).
    public func bits(at i: Int) -> UInt64 { data.bits[i] }
    /// Every value's 64-bit pattern (float bits, two's-complement integer, unsigned, 0/1; not
    /// for strings), for loops that read many: one array, no per-value access through the column.
    package var bitPatterns: [UInt64] { data.bits }
}

/// One series read from a database: its key, tags and the requested fields.
public struct SeriesReadResult: Sendable {
    /// Canonical series key (`measurement,tag=value,...`).
    public let key: String
    /// The key's bytes as stored (`key` is their UTF-8 decoding, lossy for invalid bytes).
    package let keyBytes: [UInt8]
    /// Measurement name (unescaped).
    public let measurement: String
    /// Tags in key order (unescaped).
    public let tags: [(key: String, value: String)]
    /// Fields in name order.
    public let columns: [FieldColumn]

    package init(key: [UInt8], columns: [FieldColumn]) {
        self.key = String(decoding: key, as: UTF8.self)
        keyBytes = key
        let parsed = SeriesKey.parse(key)
        measurement = parsed.measurement
        tags = parsed.tags
        self.columns = columns
    }

    /// Rows in time order: each distinct timestamp with the value of every column at it (nil
    /// where a field has no value at that time).
    public func rows() -> [(timestamp: Int64, values: [FieldValue?])] {
        var cursors = [Int](repeating: 0, count: columns.count)
        var out: [(timestamp: Int64, values: [FieldValue?])] = []
        while true {
            var t = Int64.max
            var any = false
            for (c, col) in columns.enumerated() where cursors[c] < col.count {
                t = min(t, col.timestamps[cursors[c]])
                any = true
            }
            guard any else { break }
            var values: [FieldValue?] = []
            values.reserveCapacity(columns.count)
            for (c, col) in columns.enumerated() {
                if cursors[c] < col.count && col.timestamps[cursors[c]] == t {
                    values.append(col.value(at: cursors[c]))
                    cursors[c] += 1
                } else {
                    values.append(nil)
                }
            }
            out.append((t, values))
        }
        return out
    }
}

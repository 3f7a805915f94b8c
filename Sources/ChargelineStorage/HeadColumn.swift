package import ChargelineCore

/// The in-memory values of one (series, field) in the head, in arrival order.
///
/// Numbers and booleans are kept as their 64-bit patterns (`FieldValue(type:bits:)`), strings
/// as one byte arena with end offsets. `isSorted` stays true while timestamps arrive in
/// non-decreasing order, so the common case needs no sort at flush or read time.
package struct HeadColumn: Sendable {
    package let name: [UInt8]
    package let type: FieldType
    package var timestamps: [Int64] = []
    package var bits: [UInt64] = []
    package var stringBytes: [UInt8] = []
    package var stringEnds: [UInt32] = []
    package var isSorted = true

    package init(name: [UInt8], type: FieldType) {
        self.name = name
        self.type = type
    }

    package var count: Int { timestamps.count }

    /// Appends one value; `field.type` must equal `type`.
    @inline(__always)
    package mutating func append(timestamp: Int64, field: FieldView) {
        if let last = timestamps.last, timestamp < last { isSorted = false }
        timestamps.append(timestamp)
        if type == .string {
            stringBytes.append(contentsOf: field.string!)
            stringEnds.append(UInt32(stringBytes.count))
        } else {
            bits.append(field.bits)
        }
    }

    /// Whether this column's name equals `name`.
    @inline(__always)
    package func hasName(_ other: UnsafeRawBufferPointer) -> Bool {
        guard name.count == other.count else { return false }
        return name.withUnsafeBytes { memcmp($0.baseAddress!, other.baseAddress!, other.count) == 0 }
    }

    /// Approximate bytes held.
    package var memoryBytes: Int { timestamps.capacity * 8 + bits.capacity * 8 + stringBytes.capacity + stringEnds.capacity * 4 + name.count + 64 }

    /// The values with timestamps in `range`, sorted by time, repeated timestamps resolved to
    /// the last write.
    package func sortedSlice(in range: TimeRange) -> ColumnData {
        var out = ColumnData(type: type)
        let order = sortedOrder()
        out.timestamps.reserveCapacity(order.count)
        var i = 0
        while i < order.count {
            // Among equal timestamps keep the last in arrival order (stable order keeps it last).
            var j = i
            while j + 1 < order.count && timestamps[order[j + 1]] == timestamps[order[i]] { j += 1 }
            let k = order[j]
            let t = timestamps[k]
            if range.contains(t) {
                out.timestamps.append(t)
                if type == .string {
                    let start = k == 0 ? 0 : Int(stringEnds[k - 1])
                    out.appendString(stringBytes[start..<Int(stringEnds[k])])
                } else {
                    out.bits.append(bits[k])
                }
            }
            i = j + 1
        }
        return out
    }

    /// Indices in time order (stable, so equal timestamps keep arrival order).
    private func sortedOrder() -> [Int] {
        if isSorted { return Array(0..<timestamps.count) }
        return (0..<timestamps.count).sorted { a, b in
            let ta = timestamps[a], tb = timestamps[b]
            return ta != tb ? ta < tb : a < b
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

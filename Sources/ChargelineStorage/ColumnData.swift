package import ChargelineCore

/// Values of one field of one series, sorted by time with unique timestamps: what segment
/// blocks hold and what reads return. Numbers and booleans as 64-bit patterns; strings as a
/// byte arena with end offsets.
package struct ColumnData: Sendable {
    package var type: FieldType
    package var timestamps: [Int64] = []
    package var bits: [UInt64] = []
    package var stringBytes: [UInt8] = []
    package var stringEnds: [UInt32] = []

    package init(type: FieldType) { self.type = type }

    package var count: Int { timestamps.count }

    package mutating func appendString(_ bytes: some Collection<UInt8>) {
        stringBytes.append(contentsOf: bytes)
        stringEnds.append(UInt32(stringBytes.count))
    }

    /// The bytes of string value `i`.
    package func stringSlice(_ i: Int) -> ArraySlice<UInt8> {
        let start = i == 0 ? 0 : Int(stringEnds[i - 1])
        return stringBytes[start..<Int(stringEnds[i])]
    }

    /// Value `i` as a `FieldValue`.
    package func value(at i: Int) -> FieldValue {
        if type == .string { return .string(String(decoding: stringSlice(i), as: UTF8.self)) }
        return FieldValue(type: type, bits: bits[i])
    }

    /// Values `range` as a new column (the column itself when the range covers it).
    package func slice(_ range: Range<Int>) -> ColumnData {
        if range.count == count { return self }
        var out = ColumnData(type: type)
        out.timestamps = Array(timestamps[range])
        if type == .string {
            for i in range { out.appendString(stringSlice(i)) }
        } else {
            out.bits = Array(bits[range])
        }
        return out
    }

    /// The positions of the values with timestamps in `range` (timestamps are sorted: binary
    /// search).
    package func indices(in range: TimeRange) -> Range<Int> {
        func lowerBound(_ t: Int64) -> Int {
            var lo = 0, hi = timestamps.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if timestamps[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        let lo = lowerBound(range.start)
        return lo..<max(lo, lowerBound(range.end))
    }

    /// The values with timestamps in `range`.
    package func clipped(to range: TimeRange) -> ColumnData {
        slice(indices(in: range))
    }

    /// Appends value `i` of `other` (same type).
    package mutating func append(from other: ColumnData, at i: Int) {
        timestamps.append(other.timestamps[i])
        if type == .string { appendString(other.stringSlice(i)) } else { bits.append(other.bits[i]) }
    }

    /// Appends values `range` of `other` (same type).
    package mutating func append(from other: ColumnData, range: Range<Int>) {
        timestamps.append(contentsOf: other.timestamps[range])
        if type == .string {
            for i in range { appendString(other.stringSlice(i)) }
        } else {
            bits.append(contentsOf: other.bits[range])
        }
    }

    /// The first position at or after `from` whose timestamp is not below `t` (binary search).
    package func firstIndex(notBefore t: Int64, from: Int = 0) -> Int {
        var lo = from, hi = timestamps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if timestamps[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Merges sources ordered oldest first into one sorted column; where several sources hold
    /// the same timestamp the newest wins (last write wins).
    package static func merge(_ sources: [ColumnData], type: FieldType) -> ColumnData {
        // Two sources in either time order (a partition's segment and the previous one's, the
        // common case of reads across a partition boundary): concatenated without the
        // bookkeeping arrays below.
        if sources.count == 2, type != .string, sources[0].count > 0, sources[1].count > 0 {
            let (a, b) = sources[0].timestamps[0] <= sources[1].timestamps[0] ? (sources[0], sources[1]) : (sources[1], sources[0])
            if a.timestamps[a.count - 1] < b.timestamps[0] {
                var out = ColumnData(type: type)
                out.timestamps.reserveCapacity(a.count + b.count)
                out.timestamps.append(contentsOf: a.timestamps)
                out.timestamps.append(contentsOf: b.timestamps)
                out.bits.reserveCapacity(a.count + b.count)
                out.bits.append(contentsOf: a.bits)
                out.bits.append(contentsOf: b.bits)
                return out
            }
        }
        let nonEmpty = sources.filter { $0.count > 0 }
        if nonEmpty.isEmpty { return ColumnData(type: type) }
        if nonEmpty.count == 1 { return nonEmpty[0] }
        // Fast path: sources that do not overlap in time. Then no timestamp is in two sources
        // and their age does not matter, only their time order (segments come oldest write
        // first, which is not time order when an earlier partition was compacted later).
        let byTime = nonEmpty.indices.sorted { nonEmpty[$0].timestamps[0] < nonEmpty[$1].timestamps[0] }
        var ordered = true
        for k in 1..<byTime.count where nonEmpty[byTime[k]].timestamps[0] <= nonEmpty[byTime[k - 1]].timestamps.last! {
            ordered = false
            break
        }
        var out = ColumnData(type: type)
        out.timestamps.reserveCapacity(nonEmpty.reduce(0) { $0 + $1.count })
        if ordered {
            if type != .string { out.bits.reserveCapacity(out.timestamps.capacity) }
            for s in byTime.map({ nonEmpty[$0] }) {
                out.timestamps.append(contentsOf: s.timestamps)
                if type == .string {
                    for i in 0..<s.count { out.appendString(s.stringSlice(i)) }
                } else {
                    out.bits.append(contentsOf: s.bits)
                }
            }
            return out
        }
        // k-way merge by (timestamp, newest source wins).
        var cursors = [Int](repeating: 0, count: nonEmpty.count)
        while true {
            var best = -1
            var bestT = Int64.max
            for s in 0..<nonEmpty.count where cursors[s] < nonEmpty[s].count {
                let t = nonEmpty[s].timestamps[cursors[s]]
                if best < 0 || t < bestT || (t == bestT) {
                    // On equal timestamps the later (newer) source replaces the earlier one.
                    best = s
                    bestT = t
                }
            }
            if best < 0 { break }
            out.append(from: nonEmpty[best], at: cursors[best])
            for s in 0..<nonEmpty.count where cursors[s] < nonEmpty[s].count && nonEmpty[s].timestamps[cursors[s]] == bestT {
                cursors[s] += 1
            }
        }
        return out
    }
}

import ChargelineCore

/// The open tail of one (series, field) of the head: values in arrival order, appended by the
/// one writer (under the database lock) and read by any number of readers without it.
///
/// Contract: storage is fixed at `capacity` and only appended to; a slot, once written, never
/// changes, and a full tail is replaced (by a larger one, or sealed into a `HeadChunk` and
/// replaced by an empty one), never reused. A reader takes `count` (and `isSorted`) under the
/// lock that serializes the writer (`snapshot()`); the first `count` slots are then immutable
/// for as long as it holds the reference, so it reads them unlocked.
package final class OpenChunk: @unchecked Sendable {
    let type: FieldType
    let capacity: Int
    private(set) var count = 0
    /// True while timestamps arrived in non-decreasing order (then no sort is needed).
    private(set) var isSorted = true
    /// True while timestamps arrived in strictly increasing order (then the running statistics
    /// below are exact: no value was overwritten).
    private(set) var isStrictlyIncreasing = true
    /// Earliest and latest timestamp of the values held (any order).
    private(set) var minTime = Int64.max
    private(set) var maxTime = Int64.min
    /// Running statistics of the values held, as `BlockMeta` keeps them (bit patterns of the
    /// type): min, max, sum (floats: f64 sum; integers: wrapping sum, `sumOverflowed` flags
    /// it; booleans: the number of `true`). Unused for strings.
    private var statMin: UInt64 = 0
    private var statMax: UInt64 = 0
    private var statSum: UInt64 = 0
    private var sumOverflowed = false
    private let timestamps: UnsafeMutablePointer<Int64>
    /// Number and boolean bit patterns (unused for strings).
    private let bits: UnsafeMutablePointer<UInt64>?
    /// Strings: end offset of each value in `bytes`.
    private let ends: UnsafeMutablePointer<UInt32>?
    private var bytes: UnsafeMutablePointer<UInt8>?
    let byteCapacity: Int
    private(set) var byteCount = 0

    init(type: FieldType, capacity: Int, byteCapacity: Int = 0) {
        self.type = type
        self.capacity = capacity
        timestamps = .allocate(capacity: capacity)
        if type == .string {
            bits = nil
            ends = .allocate(capacity: capacity)
            self.byteCapacity = byteCapacity
            bytes = .allocate(capacity: Swift.max(byteCapacity, 1))
        } else {
            bits = .allocate(capacity: capacity)
            ends = nil
            self.byteCapacity = 0
            bytes = nil
        }
    }

    deinit {
        timestamps.deallocate()
        bits?.deallocate()
        ends?.deallocate()
        bytes?.deallocate()
    }

    /// Bytes held (storage as allocated, plus the object).
    var memoryBytes: Int { 112 + capacity * (type == .string ? 12 : 16) + byteCapacity }

    var lastTimestamp: Int64? { count > 0 ? timestamps[count - 1] : nil }

    /// Whether one more value (of `stringBytes` bytes) fits.
    @inline(__always)
    func hasRoom(stringBytes: Int) -> Bool {
        count < capacity && (type != .string || byteCount + stringBytes <= byteCapacity)
    }

    /// Appends one value (the caller checked `hasRoom`).
    @inline(__always)
    func append(timestamp: Int64, field: FieldView) {
        if count > 0 && timestamp <= timestamps[count - 1] {
            isStrictlyIncreasing = false
            if timestamp < timestamps[count - 1] { isSorted = false }
        }
        if timestamp < minTime { minTime = timestamp }
        if timestamp > maxTime { maxTime = timestamp }
        timestamps[count] = timestamp
        if type == .string {
            let s = field.string!
            s.withUnsafeBytes { b in
                if let base = b.baseAddress, b.count > 0 {
                    (bytes! + byteCount).update(from: base.assumingMemoryBound(to: UInt8.self), count: b.count)
                }
            }
            byteCount += s.count
            ends![count] = UInt32(byteCount)
        } else {
            let b = field.bits
            bits![count] = b
            accumulate(b)
        }
        count += 1
    }

    /// Adds `b` to the running statistics (before `count` is bumped).
    @inline(__always)
    private func accumulate(_ b: UInt64) {
        switch type {
        case .float:
            let v = Double(bitPattern: b)
            if count == 0 {
                // As `BlockMeta.stats`: min/max start at +-infinity, so a NaN never becomes either.
                statMin = (v < .infinity ? v : .infinity).bitPattern
                statMax = (v > -.infinity ? v : -.infinity).bitPattern
                statSum = (0.0 + v).bitPattern  // as a sum from 0: -0.0 becomes 0.0
            } else {
                if v < Double(bitPattern: statMin) { statMin = b }
                if v > Double(bitPattern: statMax) { statMax = b }
                statSum = (Double(bitPattern: statSum) + v).bitPattern
            }
        case .integer:
            let v = Int64(bitPattern: b)
            if count == 0 {
                statMin = b; statMax = b; statSum = b
            } else {
                if v < Int64(bitPattern: statMin) { statMin = b }
                if v > Int64(bitPattern: statMax) { statMax = b }
                let (r, o) = Int64(bitPattern: statSum).addingReportingOverflow(v)
                statSum = UInt64(bitPattern: r)
                if o { sumOverflowed = true }
            }
        case .unsigned:
            if count == 0 {
                statMin = b; statMax = b; statSum = b
            } else {
                if b < statMin { statMin = b }
                if b > statMax { statMax = b }
                let (r, o) = statSum.addingReportingOverflow(b)
                statSum = r
                if o { sumOverflowed = true }
            }
        case .boolean:
            // min: all true so far; max: any true; sum: the number of true.
            let v: UInt64 = b != 0 ? 1 : 0
            statMin = count == 0 ? v : statMin & v
            statMax = count == 0 ? v : statMax | v
            statSum = (count == 0 ? 0 : statSum) + v
        case .string:
            break
        }
    }

    /// The statistics of the values held, as a segment block's, when they are exact: strictly
    /// increasing timestamps (no overwrite among them) and a numeric type; else nil. Taken
    /// under the lock that serializes the writer, from this object's fields alone (with
    /// strictly increasing timestamps the first and last are the earliest and latest): `first`
    /// and `last` are left 0 for `completed(_:)` to fill in later, without the lock, from the
    /// slots, which no longer change. A snapshot of many series thus reads one object per
    /// column, not its value buffers too.
    func statisticsWithoutEnds() -> BlockMeta? {
        guard count > 0, isStrictlyIncreasing, type != .string else { return nil }
        var meta = BlockMeta(offset: 0, length: 0, count: UInt32(count), minTime: minTime, maxTime: maxTime,
                             min: statMin, max: statMax, sum: statSum, first: 0, last: 0, flags: 0)
        if sumOverflowed { meta.flags |= BlockMeta.sumOverflowed }
        return meta
    }

    /// `partial` (from `statisticsWithoutEnds`) with its first and last value.
    func completed(_ partial: BlockMeta) -> BlockMeta {
        var meta = partial
        meta.first = bits![0]
        meta.last = bits![Int(partial.count) - 1]
        return meta
    }

    /// The statistics of the values held (`statisticsWithoutEnds` completed).
    func statistics() -> BlockMeta? {
        statisticsWithoutEnds().map(completed)
    }

    /// A copy with room for `capacity` values (and `byteCapacity` string bytes).
    func grown(capacity newCapacity: Int, byteCapacity newBytes: Int) -> OpenChunk {
        let out = OpenChunk(type: type, capacity: newCapacity, byteCapacity: newBytes)
        out.timestamps.update(from: timestamps, count: count)
        if type == .string {
            out.ends!.update(from: ends!, count: count)
            out.bytes!.update(from: bytes!, count: byteCount)
        } else {
            out.bits!.update(from: bits!, count: count)
        }
        out.count = count
        out.byteCount = byteCount
        out.isSorted = isSorted
        out.isStrictlyIncreasing = isStrictlyIncreasing
        out.minTime = minTime
        out.maxTime = maxTime
        out.statMin = statMin
        out.statMax = statMax
        out.statSum = statSum
        out.sumOverflowed = sumOverflowed
        return out
    }

    /// The first `n` values (n taken under the lock) with timestamps in `range`, sorted by
    /// time, repeated timestamps resolved to the last written. `sorted`: the `isSorted` seen
    /// with `n`.
    func sortedSlice(count n: Int, sorted: Bool, in range: TimeRange) -> ColumnData {
        var out = ColumnData(type: type)
        guard n > 0 else { return out }
        var order: [Int]
        if sorted {
            order = []
        } else {
            // Stable, so equal timestamps keep arrival order and the last one written wins.
            order = (0..<n).sorted { a, b in
                let ta = timestamps[a], tb = timestamps[b]
                return ta != tb ? ta < tb : a < b
            }
        }
        out.timestamps.reserveCapacity(n)
        if type != .string { out.bits.reserveCapacity(n) }
        var i = 0
        while i < n {
            let k = sorted ? i : order[i]
            let t = timestamps[k]
            // Among equal timestamps keep the last in arrival order.
            var j = i
            while j + 1 < n && timestamps[sorted ? j + 1 : order[j + 1]] == t { j += 1 }
            let last = sorted ? j : order[j]
            if range.contains(t) {
                out.timestamps.append(t)
                if type == .string {
                    let start = last == 0 ? 0 : Int(ends![last - 1])
                    out.appendString(UnsafeBufferPointer(start: bytes! + start, count: Int(ends![last]) - start))
                } else {
                    out.bits.append(bits![last])
                }
            }
            i = j + 1
        }
        return out
    }

    /// Value `i` (below a `count` taken under the lock).
    func value(at i: Int) -> FieldValue {
        guard type == .string else { return FieldValue(type: type, bits: bits![i]) }
        let start = i == 0 ? 0 : Int(ends![i - 1])
        return .string(String(decoding: UnsafeBufferPointer(start: bytes! + start, count: Int(ends![i]) - start), as: UTF8.self))
    }

    /// The newest in-range value of the first `n` (the greatest timestamp; among equal ones
    /// the last written), or nil.
    func latest(count n: Int, in range: TimeRange) -> (time: Int64, index: Int)? {
        var best = -1
        for i in 0..<n where range.contains(timestamps[i]) && (best < 0 || timestamps[i] >= timestamps[best]) { best = i }
        return best >= 0 ? (timestamps[best], best) : nil
    }
}

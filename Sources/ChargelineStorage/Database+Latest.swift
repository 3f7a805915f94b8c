package import ChargelineCore

/// The newest point of one (series, field) in a time range.
package struct LatestPoint: Sendable, Equatable {
    package var time: Int64
    package var value: FieldValue

    package init(time: Int64, value: FieldValue) {
        self.time = time
        self.value = value
    }
}

extension Database {
    /// For each series of `keys` and each of `fields`, the point with the greatest timestamp
    /// in `range` (nil where the series has none), exactly as `scan` followed by taking the
    /// last value would answer: at equal timestamps the newest write wins (active head over
    /// frozen heads over segments, later segments over earlier ones).
    ///
    /// It reads no block in the usual case: per segment a binary search of the index per key
    /// and the last block's statistics (`maxTime`, `last`); per head the column's last value
    /// in range. Only a block that crosses `range.end` or holds strings (no statistics) is
    /// decoded. Nothing is cached, so late writes, flushes, compactions, retention drops and
    /// restarts need no invalidation: the answer always comes from the current sources.
    ///
    /// The result is flat: the point of key `k` and field `f` is at `k * fields.count + f`.
    package func latest(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [LatestPoint?] {
        let n = fields.count
        let names = fields.map { Array($0.utf8) }
        lock.lock()
        let segments = segmentsOverlappingLocked(range)
        let frozenHeads = frozen.map(\.head)
        var newest = [LatestPoint?](repeating: nil, count: keys.count * n)
        // The active head is the newest source; read it under the lock, merge it last.
        if !active.isEmpty {
            for k in keys.indices { Database.offerHead(active, key: keys[k], names: names, range: range, into: &newest, at: k * n) }
        }
        lock.unlock()

        var out = [LatestPoint?](repeating: nil, count: keys.count * n)
        for segment in segments {  // oldest first (by seq): a later one wins a tie
            let index = try segment.loadIndex()
            // Series of a segment nearly always list the same fields in the same order: map
            // names to slots once and reuse the map while the names repeat (equal small strings
            // compare by their bits, unequal ones cost a full compare).
            var mappedNames: [String] = []
            var slots: [Int?] = []
            for k in keys.indices {
                guard let s = Database.position(of: keys[k], in: index) else { continue }
                let seriesFields = index.series[s].fields
                if seriesFields.count != mappedNames.count || !zip(seriesFields, mappedNames).allSatisfy({ $0.name == $1 }) {
                    mappedNames = seriesFields.map(\.name)
                    slots = mappedNames.map { fields.firstIndex(of: $0) }
                }
                for j in seriesFields.indices {
                    guard let f = slots[j] else { continue }
                    if let p = try Database.latest(of: seriesFields[j], in: segment, range: range) { Database.offer(p, into: &out[k * n + f]) }
                }
            }
        }
        for head in frozenHeads where !head.isEmpty {  // oldest first
            for k in keys.indices { Database.offerHead(head, key: keys[k], names: names, range: range, into: &out, at: k * n) }
        }
        for i in newest.indices { if let p = newest[i] { Database.offer(p, into: &out[i]) } }
        return out
    }

    /// Keeps `p` when it is at least as new as `slot` (the caller offers sources oldest first).
    @inline(__always)
    private static func offer(_ p: LatestPoint, into slot: inout LatestPoint?) {
        if let s = slot, p.time < s.time { return }
        slot = p
    }

    /// The newest point of one field of one segment series in `range`: the last block's
    /// statistics when the block ends inside the range and has them, else the block decoded.
    private static func latest(of field: SegmentIndex.Field, in segment: SegmentReader, range: TimeRange) throws -> LatestPoint? {
        var b = field.blocks.count - 1
        while b >= 0 {
            let block = field.blocks[b]
            if block.maxTime < range.start { return nil }  // blocks ascend: none earlier is in range
            b -= 1
            if block.minTime >= range.end { continue }
            if block.maxTime < range.end && block.flags & BlockMeta.noStats == 0 {
                return LatestPoint(time: block.maxTime, value: FieldValue(type: field.type, bits: block.last))
            }
            let d = try segment.readBlock(block, type: field.type).clipped(to: range)
            if d.count > 0 { return LatestPoint(time: d.timestamps[d.count - 1], value: d.value(at: d.count - 1)) }
        }
        return nil
    }

    /// Offers the newest in-range value of each wanted column of `key` in `head`.
    private static func offerHead(_ head: Head, key: [UInt8], names: [[UInt8]], range: TimeRange, into slots: inout [LatestPoint?], at base: Int) {
        guard let si = head.seriesIndex(of: key) else { return }
        for column in head.columns(of: si) {
            guard let f = names.firstIndex(of: column.name), let i = column.latestIndex(in: range) else { continue }
            offer(LatestPoint(time: column.timestamps[i], value: column.value(at: i)), into: &slots[base + f])
        }
    }
}

extension HeadColumn {
    /// The index of the newest value with a timestamp in `range` (among equal timestamps the
    /// last written), or nil when none lies in it.
    package func latestIndex(in range: TimeRange) -> Int? {
        if isSorted {
            // Non-decreasing: the last index before range.end, if it is not before range.start.
            var lo = 0, hi = timestamps.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if timestamps[mid] < range.end { lo = mid + 1 } else { hi = mid }
            }
            return lo > 0 && timestamps[lo - 1] >= range.start ? lo - 1 : nil
        }
        var best = -1
        for i in timestamps.indices where range.contains(timestamps[i]) && (best < 0 || timestamps[i] >= timestamps[best]) { best = i }
        return best >= 0 ? best : nil
    }

    /// Value `i` as a `FieldValue`.
    package func value(at i: Int) -> FieldValue {
        if type == .string {
            let start = i == 0 ? 0 : Int(stringEnds[i - 1])
            return .string(String(decoding: stringBytes[start..<Int(stringEnds[i])], as: UTF8.self))
        }
        return FieldValue(type: type, bits: bits[i])
    }
}

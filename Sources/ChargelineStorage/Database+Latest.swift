package import ChargelineCore
import Foundation

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
    /// It reads no block in the usual case: per source a binary search per key and the last
    /// block's or sealed head chunk's statistics (`maxTime`, `last`); of the head's open tail
    /// its newest value. Only a block or chunk that crosses `range.end`, overlaps another
    /// source, or holds strings (no statistics) is decoded. Nothing is cached, so late writes, flushes, compactions, retention drops and
    /// restarts need no invalidation: the answer always comes from the current sources.
    ///
    /// The result is flat: the point of key `k` and field `f` is at `k * fields.count + f`.
    package func latest(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [LatestPoint?] {
        let n = fields.count
        let reader = try mergedReader(keys: keys, matching: { _ in true }, fields: .ordered(fields), range: range, listKeys: false)
        // Many series on all cores, each thread a contiguous run of keys (as `scan`).
        let threads = min(ProcessInfo.processInfo.activeProcessorCount, keys.count / Self.scanKeysPerThread, 8)
        if threads <= 1 {
            var out = [LatestPoint?](repeating: nil, count: keys.count * n)
            var scratch = MergedReader.Scratch()
            for k in keys.indices { try reader.latest(keys[k], scratch: &scratch, into: &out, at: k * n) }
            return out
        }
        let parts = try Parallel.map(threads) { t in
            let lo = keys.count * t / threads, hi = keys.count * (t + 1) / threads
            var out = [LatestPoint?](repeating: nil, count: (hi - lo) * n)
            var scratch = MergedReader.Scratch()
            for k in lo..<hi { try reader.latest(keys[k], scratch: &scratch, into: &out, at: (k - lo) * n) }
            return out
        }
        return Array(parts.joined())
    }

    /// For each series of `keys`, the greatest timestamp of any of `fields` in `range` (nil
    /// where it has none): what `latest` would answer as the newest of the series' points,
    /// read from block and chunk metadata without reading any value (what "silent" asks).
    /// Heads are asked directly (`Head.raiseNewestTimes`: column headers, no snapshot of
    /// chunk lists), segments through a `MergedReader` over them alone. With a delete to
    /// honour or a range that is not all time it asks `latest`.
    package func newestTimes(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [Int64?] {
        var out = [Int64?](repeating: nil, count: keys.count)
        let wanted = Set(fields.map { Array($0.utf8) })
        lock.lock()
        guard range == .all, segmentSet.tombstoneFilter().isEmpty else {
            lock.unlock()
            let n = fields.count
            let points = try latest(keys: keys, fields: fields, range: range)
            return keys.indices.map { k in points[(k * n)..<(k * n + n)].compactMap { $0?.time }.max() }
        }
        let segments = segmentSet.overlapping(range)
        let frozenHeads = frozen.map(\.head)
        active.raiseNewestTimes(of: keys, wanted: wanted, into: &out)
        lock.unlock()
        for head in frozenHeads { head.raiseNewestTimes(of: keys, wanted: wanted, into: &out) }
        guard !segments.isEmpty else { return out }
        let reader = try MergedReader(segments: segments, heads: [], headSeqs: [], fields: .ordered(fields), range: range,
                                      listKeys: false, matches: { _ in true })
        for k in keys.indices {
            if let t = reader.newestSegmentTime(keys[k]) { out[k] = max(out[k] ?? .min, t) }
        }
        return out
    }
}

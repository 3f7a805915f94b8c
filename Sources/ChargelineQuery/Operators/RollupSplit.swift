import ChargelineCore
import ChargelineStorage
import Foundation

/// One rollup row's aggregates of one field over one rollup bucket, as the 64-bit patterns of
/// the raw field's type (so a `Reducer` folds them in as it folds raw values).
struct RollupRow: Sendable {
    /// Bucket start.
    var time: Int64
    var count: Int
    var sum: UInt64
    var min: UInt64
    var max: UInt64
    var first: UInt64
    var firstTime: Int64
    var last: UInt64
    var lastTime: Int64
}

/// Splits a rollup-eligible plan (`RollupReadRule`) between rollup rows and raw data, from a
/// coverage snapshot taken once per statement:
///
/// - `span`: rollup buckets wholly inside the query range, before the watermark, and (so that
///   bucket edges of a `tz()` query stay on whole hours) where the zone's UTC offset is a whole
///   multiple of the rollup bucket;
/// - per series, `covered(key)`: the span minus the series' stale buckets. Those hours come
///   from rollup rows; everything else of the range (edges, the unmaterialised tail, stale
///   buckets) from raw data, whose chunks `rawRemainder` trims to what is not covered.
struct RollupSplit: Sendable {
    /// The rollup fields read per plan field slot, in this order.
    static let suffixes = ["count", "sum", "min", "max", "first", "first_time", "last", "last_time"]

    let coverage: RollupCoverage
    let span: TimeRange

    /// Nil when rollups answer no hour of the range (no rollup yet, range shorter than a
    /// bucket, a zone whose offset is not whole hours).
    init?(plan: SelectPlan, coverage: RollupCoverage) {
        guard let watermark = coverage.watermark, let w = plan.windowing else { return nil }
        let b = coverage.bucket
        // Rollup data before 1970 is not expected; starting there keeps zone checks finite
        // (and an unbounded start from overflowing).
        let lo = plan.range.start <= 0 ? 0 : RollupSplit.ceil(plan.range.start, b)
        let hi = Swift.min(RollupSplit.floor(plan.range.end, b), watermark)
        guard lo < hi else { return nil }
        guard RollupSplit.zoneKeepsEdges(w, bucket: b, from: lo &- w.interval, to: hi &+ w.interval) else { return nil }
        self.coverage = coverage
        span = TimeRange(start: lo, end: hi)
    }

    /// Which of `suffixes` the plan's calls need, per field slot (count always: it says
    /// whether a row holds the field at all). Reading only these keeps a query for max()
    /// from decoding seven columns it does not use.
    static func needed(_ plan: SelectPlan) -> [[Bool]] {
        var out = Array(repeating: [true] + Array(repeating: false, count: suffixes.count - 1), count: plan.fields.count)
        for c in plan.calls {
            let names: [String] = switch c.fn {
            case .sum, .mean: ["sum"]
            case .min: ["min"]
            case .max: ["max"]
            case .spread: ["min", "max"]
            case .first: ["first", "first_time"]
            case .last: ["last", "last_time"]
            default: []
            }
            for n in names { out[c.field][suffixes.firstIndex(of: n)!] = true }
        }
        return out
    }

    /// Rollup field names to scan, and per field slot and suffix the index of its column in
    /// that list (nil when not needed).
    func fields(_ plan: SelectPlan) -> (names: [String], index: [[Int?]]) {
        var names: [String] = []
        let index = zip(plan.fields, RollupSplit.needed(plan)).map { field, needed in
            RollupSplit.suffixes.indices.map { k -> Int? in
                guard needed[k] else { return nil }
                names.append("\(field)_\(RollupSplit.suffixes[k])")
                return names.count - 1
            }
        }
        return (names, index)
    }

    /// The stretches of `span` whose rollup rows of series `key` are current, ascending.
    func covered(_ key: [UInt8]) -> [Range<Int64>] {
        guard let stale = coverage.stale[key]?.filter({ span.start <= $0 && $0 < span.end }).sorted(), !stale.isEmpty else {
            return [span.start..<span.end]
        }
        var out: [Range<Int64>] = []
        var cursor = span.start
        for s in stale {
            if cursor < s { out.append(cursor..<s) }
            cursor = Swift.max(cursor, s &+ coverage.bucket)
        }
        if cursor < span.end { out.append(cursor..<span.end) }
        return out
    }

    /// Rollup rows of `scan` (fields as `fields(plan)`) inside `covered`, per plan field slot.
    /// Only the aggregates `index` names are filled; the others are neutral (zero, and times
    /// that never win first/last) and must not be read.
    /// - Throws: `QueryError(.storage)` when a row lacks one of its aggregates (a damaged rollup).
    func rows(_ scan: SeriesScan, covered: [Range<Int64>], index: [[Int?]]) throws -> [[RollupRow]] {
        try index.map { slot in
            guard let countScan = scan.fields[slot[0]!] else { return [] }
            let columns = try slot.map { i in try i.flatMap { scan.fields[$0] }?.decodeAll() }
            let counts = columns[0]!
            var out: [RollupRow] = []
            out.reserveCapacity(counts.count)
            for i in 0..<counts.count {
                let t = counts.timestamps[i]
                guard RollupSplit.contains(covered, t) else { continue }
                func bits(_ k: Int, _ neutral: UInt64 = 0) throws -> UInt64 {
                    guard slot[k] != nil else { return neutral }
                    guard let c = columns[k], i < c.count, c.timestamps[i] == t else {
                        throw QueryError(.storage, "rollup row of \(countScan.name.dropLast(6)) at \(t) in series \(String(decoding: scan.key, as: UTF8.self)) lacks \(RollupSplit.suffixes[k]); rebuild it with `chargeline rollup --from ... --to ...`")
                    }
                    return c.bits[i]
                }
                out.append(RollupRow(time: t, count: Int(Int64(bitPattern: counts.bits[i])), sum: try bits(1), min: try bits(2), max: try bits(3),
                                     first: try bits(4), firstTime: Int64(bitPattern: try bits(5, UInt64(bitPattern: .max))),
                                     last: try bits(6), lastTime: Int64(bitPattern: try bits(7, UInt64(bitPattern: .min)))))
            }
            return out
        }
    }

    /// `scan` without the values inside `covered`: chunks wholly outside stay as they are
    /// (statistics and all), chunks wholly inside are dropped undecoded, the rest are decoded
    /// and trimmed.
    func rawRemainder(_ scan: SeriesScan, covered: [Range<Int64>], context: QueryContext) throws -> SeriesScan {
        guard !covered.isEmpty else { return scan }
        let fields = try scan.fields.map { f -> FieldScan? in
            guard let f else { return nil }
            var chunks: [ScanChunk] = []
            for chunk in f.chunks {
                let lo = Swift.max(chunk.minTime, chunk.range.start), hi = Swift.min(chunk.maxTime, chunk.range.end &- 1)
                guard lo <= hi else { continue }
                let i = RollupSplit.firstEnding(after: lo, covered)
                if i == covered.count || covered[i].lowerBound > hi { chunks.append(chunk); continue }  // no overlap
                if covered[i].lowerBound <= lo && hi < covered[i].upperBound { continue }          // wholly covered
                let data = try chunk.decode()
                let keep = RollupSplit.outside(covered, data, from: i)
                // The kept values are counted when the operator reads them.
                try context.didScan(data.count - keep.count)
                if keep.count > 0 { chunks.append(ScanChunk(data: keep, range: chunk.range)) }
            }
            return chunks.isEmpty ? nil : FieldScan(name: f.name, type: f.type, chunks: chunks)
        }
        return SeriesScan(key: scan.key, fields: fields)
    }

    // MARK: - Helpers

    /// The values of `data` whose timestamps lie in none of `covered` (sorted, disjoint),
    /// starting the walk at range `first`: the runs between ranges are copied whole, found by
    /// binary search, not value by value.
    static func outside(_ covered: [Range<Int64>], _ data: ColumnData, from first: Int) -> ColumnData {
        var keep = ColumnData(type: data.type)
        var k = 0, i = first
        while k < data.count {
            guard i < covered.count else {
                keep.append(from: data, range: k..<data.count)
                break
            }
            let stop = data.firstIndex(notBefore: covered[i].lowerBound, from: k)
            if stop > k { keep.append(from: data, range: k..<stop) }
            k = data.firstIndex(notBefore: covered[i].upperBound, from: stop)
            i += 1
        }
        return keep
    }

    /// Index of the first range whose end is after `t`.
    static func firstEnding(after t: Int64, _ ranges: [Range<Int64>]) -> Int {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    static func contains(_ ranges: [Range<Int64>], _ t: Int64) -> Bool {
        let i = firstEnding(after: t, ranges)
        return i < ranges.count && ranges[i].lowerBound <= t
    }

    static func floor(_ t: Int64, _ b: Int64) -> Int64 {
        let q = t / b
        return (t % b < 0 ? q - 1 : q) &* b
    }

    static func ceil(_ t: Int64, _ b: Int64) -> Int64 {
        let f = floor(t, b)
        return f == t ? t : f &+ b
    }

    /// Whether the zone's UTC offset is a multiple of `bucket` throughout [from, to], so every
    /// GROUP BY time() edge there falls on a bucket edge. Always true without a zone.
    static func zoneKeepsEdges(_ w: Windowing, bucket: Int64, from: Int64, to: Int64) -> Bool {
        guard let zone = w.zone else { return true }
        var date = Date(timeIntervalSince1970: Double(from) / 1e9)
        let end = Date(timeIntervalSince1970: Double(to) / 1e9)
        // A zone changes its offset a few times a year; 10,000 transitions is centuries.
        for _ in 0..<10_000 {
            if (Int64(zone.secondsFromGMT(for: date)) * 1_000_000_000) % bucket != 0 { return false }
            guard let next = zone.nextDaylightSavingTimeTransition(after: date), next <= end else { return true }
            date = next
        }
        return false
    }
}

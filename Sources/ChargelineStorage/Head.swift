package import ChargelineCore
import Foundation

/// The in-memory part of a database: every point written since the last flush, per series
/// and field as time-ordered chunks (`HeadColumn`). Not thread-safe for writes: the owning
/// `Database` serializes writers under its lock, and a reader takes a `HeadSnapshot` under the
/// same lock (references only) and reads it after releasing it; a frozen head is immutable.
package final class Head: @unchecked Sendable {
    private(set) var table = SeriesTable()
    private(set) var series: [[HeadColumn]] = []
    /// Field values held.
    private(set) var valueCount = 0
    /// Approximate bytes held (values, timestamps, strings, keys): counted as written, less
    /// what compressing sealed chunks gave back since.
    var memoryBytes: Int { accountedBytes - sealing.releasedBytes }
    private var accountedBytes = 0
    /// Compresses sealed chunks off the writer's thread.
    package let sealing = HeadSealing()
    private(set) var minTime = Int64.max
    private(set) var maxTime = Int64.min
    /// When the first point arrived (monotonic ns), for age-based flushes.
    private(set) var firstWriteAt: Int64 = 0

    private var resolved: [Int] = []

    package init() {
        resolved.reserveCapacity(64)
    }

    package var isEmpty: Bool { valueCount == 0 }
    package var seriesCount: Int { series.count }

    /// Applies every point of `batch`. Points whose field types disagree with `schema` (or
    /// with each other) are skipped and reported by index; new fields are added to `schema`.
    /// Points with timestamps outside `storable` are refused too.
    /// With `maxFieldsPerMeasurement`, a point that would give its measurement more distinct
    /// fields than that is refused (segment versions up to 4 store a series' field count in a
    /// `u16`: a series with more could not be flushed or compacted).
    ///
    /// The result is exactly that of applying the points one by one in batch order, but the
    /// points are visited series by series (`ApplyScratch`): a batch holding several points
    /// of a series touches that series' columns and open tails while they are in the cache,
    /// instead of once per point across every series of the batch. Each series still takes its
    /// points in batch order; what depends on the order across series (a field new to the
    /// schema, whose first writer decides its type and counts against the field limit) is
    /// left to a second pass in batch order: a point that needs a column its series lacks is
    /// deferred there, with every later point of its series.
    package func apply(_ batch: WriteBatch, schema: inout Schema,
                       storable: ClosedRange<Int64> = Int64.min...Int64.max,
                       maxFieldsPerMeasurement: Int = .max) -> [(pointIndex: Int, message: String)] {
        var rejected: [(pointIndex: Int, message: String)] = []
        if firstWriteAt == 0 && batch.pointCount > 0 { firstWriteAt = FileIO.monotonicNanoseconds() }
        batch.bytes.withUnsafeBytes { raw in
            // Pass 1, batch order: series indexes (new series are numbered in batch order, as
            // one-by-one application numbers them) and per series the chain of its points.
            scratch.begin(seriesCount: series.count)
            var offset = 0
            var pointIndex = 0
            while offset < raw.count {
                let (point, next) = WriteBatch.point(at: offset, in: raw)
                if !storable.contains(point.timestamp) {
                    rejected.append((pointIndex, "timestamp \(point.timestamp) is outside the storable range "
                        + "\(CivilTime(nanoseconds: storable.lowerBound).rfc3339) to \(CivilTime(nanoseconds: storable.upperBound).rfc3339)"))
                } else {
                    let (si, inserted) = table.indexInserting(point.seriesKey)
                    if inserted {
                        series.append([])
                        accountedBytes += point.seriesKey.count + 48
                    }
                    scratch.link(point: pointIndex, offset: offset, series: si)
                }
                offset = next
                pointIndex += 1
            }
            // Pass 2, series by series: points whose every field has its column.
            for si in scratch.touched {
                var p = scratch.chainHead[Int(si)]
                var deferring = false
                while p >= 0 {
                    if deferring {
                        scratch.deferred.append(p)
                    } else {
                        let (point, _) = WriteBatch.point(at: scratch.offsets[Int(p)], in: raw)
                        switch apply(point, series: Int(si), schema: &schema, maxFields: maxFieldsPerMeasurement, deferNewColumns: true) {
                        case .applied: break
                        case .rejected(let problem): rejected.append((Int(p), problem))
                        case .deferred:
                            deferring = true
                            scratch.deferred.append(p)
                        }
                    }
                    p = scratch.next[Int(p)]
                }
            }
            // Pass 3, batch order: the deferred points, one by one.
            if !scratch.deferred.isEmpty {
                scratch.deferred.sort()
                for p in scratch.deferred {
                    let (point, _) = WriteBatch.point(at: scratch.offsets[Int(p)], in: raw)
                    if case .rejected(let problem) = apply(point, series: Int(scratch.series[Int(p)]), schema: &schema,
                                                           maxFields: maxFieldsPerMeasurement, deferNewColumns: false) {
                        rejected.append((Int(p), problem))
                    }
                }
            }
            scratch.end()
        }
        if rejected.count > 1 { rejected.sort { $0.pointIndex < $1.pointIndex } }
        return rejected
    }

    /// What applying one point did.
    private enum PointResult {
        case applied
        case rejected(String)
        /// A field has no column in the series yet and the caller asked to defer such points:
        /// nothing was changed.
        case deferred
    }

    /// The batch-sized scratch of `apply`, kept between batches so that applying allocates
    /// nothing once it has grown: per point its byte offset, series and the next point of the
    /// same series; per series (indexed by series, so it grows with the series held) the first
    /// and last point of its chain in the current batch.
    private struct ApplyScratch {
        var offsets: [Int] = []
        var series: [Int32] = []
        var next: [Int32] = []
        /// Per series index: the first and last point of its chain, -1 when it has none.
        var chainHead: [Int32] = []
        var chainTail: [Int32] = []
        /// Series with points in this batch, in order of their first point.
        var touched: [Int32] = []
        var deferred: [Int32] = []

        mutating func begin(seriesCount: Int) {
            offsets.removeAll(keepingCapacity: true)
            series.removeAll(keepingCapacity: true)
            next.removeAll(keepingCapacity: true)
            touched.removeAll(keepingCapacity: true)
            deferred.removeAll(keepingCapacity: true)
            grow(to: seriesCount)
        }

        private mutating func grow(to n: Int) {
            guard chainHead.count < n else { return }
            let more = Swift.max(n - chainHead.count, chainHead.count)
            chainHead.append(contentsOf: repeatElement(-1, count: more))
            chainTail.append(contentsOf: repeatElement(-1, count: more))
        }

        /// Point `p` (the next in batch order, so `p == offsets.count` for every point linked)
        /// belongs to series `si`.
        mutating func link(point p: Int, offset: Int, series si: Int) {
            while offsets.count < p {  // refused points hold their index with no chain
                offsets.append(0)
                series.append(-1)
                next.append(-1)
            }
            offsets.append(offset)
            series.append(Int32(si))
            next.append(-1)
            grow(to: si + 1)
            if chainHead[si] < 0 {
                chainHead[si] = Int32(p)
                touched.append(Int32(si))
            } else {
                next[Int(chainTail[si])] = Int32(p)
            }
            chainTail[si] = Int32(p)
        }

        /// Clears the chains of this batch (the per-series arrays stay for the next one).
        mutating func end() {
            for si in touched {
                chainHead[Int(si)] = -1
                chainTail[Int(si)] = -1
            }
        }
    }

    private var scratch = ApplyScratch()

    /// Applies one point of series `si`; with `deferNewColumns`, a point that needs a column
    /// its series lacks changes nothing and is reported `.deferred`.
    private func apply(_ point: PointView, series si: Int, schema: inout Schema, maxFields: Int,
                       deferNewColumns: Bool) -> PointResult {
        // Pass 1: find each field's column and check its type before changing anything.
        // `resolved` is this head's buffer, used as a local (no exclusivity check per field).
        var resolved: [Int] = []
        swap(&resolved, &self.resolved)
        defer { swap(&resolved, &self.resolved) }
        resolved.removeAll(keepingCapacity: true)
        var problem: String?
        var hint = 0
        var newFields = 0  // fields new to the schema (an upper bound: repeats count twice)
        var deferred = false
        // One reference to the series' columns per point, not one per field (each copy of the
        // array reference costs a retain/release pair on the hot path). Scoped: pass 2 must
        // hold the only reference, or its first append would copy the array.
        do {
            let columns = series[si]
            point.forEachField { field in
                guard problem == nil && !deferred else { return }
                var found = -1
                if hint < columns.count && columns[hint].hasName(field.name) {
                    found = hint
                } else {
                    found = findColumn(field.name, in: columns, series: si)
                }
                if found >= 0 {
                    if columns[found].type != field.type {
                        problem = Schema.conflictMessage(
                            field: field.nameString, measurement: SeriesKey.measurement(of: point.seriesKey),
                            input: field.type, existing: columns[found].type)
                    }
                    resolved.append(found)
                    hint = found + 1
                } else if deferNewColumns {
                    deferred = true
                } else {
                    let measurement = SeriesKey.measurement(of: point.seriesKey)
                    let name = field.nameString
                    if let existing = schema.type(of: name, in: measurement) {
                        if existing != field.type {
                            problem = Schema.conflictMessage(field: name, measurement: measurement, input: field.type, existing: existing)
                        }
                    } else if maxFields != .max {
                        newFields += 1
                        let known = schema.measurements[measurement]?.count ?? 0
                        if known + newFields > maxFields {
                            problem = "too many fields: measurement \"\(measurement)\" would have more than \(maxFields) distinct fields "
                                + "(field \"\(name)\" is new); spread the values over more measurements"
                        }
                    }
                    resolved.append(-1)
                }
            }
        }
        if let problem { return .rejected(problem) }
        if deferred { return .deferred }
        // Pass 2: create missing columns and append. The series' columns are moved out of
        // `series` for the point (and put back after), and the counters summed locally: each
        // access to a stored property of this class is a dynamic exclusivity check, and each
        // `series[si][j]` write a uniqueness check of both arrays, which per value cost as much
        // as the append itself.
        var k = 0
        let ts = point.timestamp
        var columns: [HeadColumn] = []
        swap(&columns, &series[si])
        var bytes = 0, values = 0
        point.forEachField { field in
            var j = resolved[k]
            if j < 0 {
                // It may have been created by an earlier duplicate of the same name in this point.
                j = findColumn(field.name, in: columns, series: si)
                if j < 0 {
                    let name = Array(field.name)
                    let measurement = SeriesKey.measurement(of: point.seriesKey)
                    let nameString = field.nameString
                    if let existing = schema.type(of: nameString, in: measurement), existing != field.type {
                        k += 1
                        return  // a duplicate name with another type in the same point: first wins
                    }
                    schema.record(nameString, field.type, in: measurement)
                    let column = HeadColumn(name: name, type: field.type)
                    bytes += column.memoryBytes
                    columns.append(column)
                    j = columns.count - 1
                }
            }
            if columns[j].type == field.type {
                bytes += columns[j].append(timestamp: ts, field: field, sealing: sealing)
                values += 1
            }
            k += 1
        }
        swap(&columns, &series[si])
        accountedBytes += bytes
        valueCount += values
        if ts < minTime { minTime = ts }
        if ts > maxTime { maxTime = ts }
        let day = ts >= 0 ? ts / Self.dayLength : (ts &+ 1) / Self.dayLength &- 1
        if day != lastDay {
            days.insert(day)
            lastDay = day
        }
        return .applied
    }

    /// One UTC day (ns): the granularity at which the head remembers where its data lies in
    /// time, so a rollup run can step over the empty span between points far apart.
    static let dayLength: Int64 = 86_400_000_000_000
    /// Day numbers (`floor(t / dayLength)`) holding at least one point.
    private var days = Set<Int64>()
    private var lastDay = Int64.min

    /// A lower bound of the earliest timestamp held at or after `t` (`t` itself or the start of
    /// the first day after it holding data, whichever is later), or nil when nothing is held at
    /// or after `t`.
    package func earliestTime(atOrAfter t: Int64) -> Int64? {
        guard !isEmpty, maxTime >= t else { return nil }
        if minTime >= t { return minTime }
        var best: Int64?
        for d in days {
            let start = d &* Self.dayLength
            // A day ending after `t` holds data at or after `t` (or at least, might).
            guard d >= (t >= 0 ? t / Self.dayLength : (t &+ 1) / Self.dayLength &- 1) else { continue }
            let candidate = max(t, start)
            if best.map({ candidate < $0 }) ?? true { best = candidate }
        }
        return best ?? t
    }

    /// A series with more columns than this gets a name index (below, a linear scan: the
    /// usual series has a handful of fields, found by the hint).
    static let indexedColumnsThreshold = 32

    /// Column name hashes of a wide series -> the columns with that hash, covering the first
    /// `count` columns (extended as columns are added).
    private struct NameIndex {
        var count = 0
        var slots: [Int: [Int]] = [:]

        static func hash(_ name: UnsafeRawBufferPointer) -> Int {
            var h = Hasher()
            h.combine(bytes: name)
            return h.finalize()
        }

        mutating func extend(_ columns: [HeadColumn]) {
            while count < columns.count {
                let i = count
                columns[i].name.withUnsafeBytes { slots[Self.hash($0), default: []].append(i) }
                count += 1
            }
        }
    }

    /// Per wide series (index in `series`), its name index.
    private var nameIndexes: [Int: NameIndex] = [:]

    /// The index of the column named `name` among `columns` (the columns of series `si`), or
    /// -1. Constant time per lookup for wide series, so a point of 65,535 new fields costs
    /// linear time, not quadratic.
    private func findColumn(_ name: UnsafeRawBufferPointer, in columns: [HeadColumn], series si: Int) -> Int {
        guard columns.count > Self.indexedColumnsThreshold else {
            for (j, c) in columns.enumerated() {
                columnProbes &+= 1
                if c.hasName(name) { return j }
            }
            return -1
        }
        nameIndexes[si, default: NameIndex()].extend(columns)
        for j in nameIndexes[si]!.slots[NameIndex.hash(name)] ?? [] where j < columns.count {
            columnProbes &+= 1
            if columns[j].hasName(name) { return j }
        }
        return -1
    }

    /// `findColumn` without extending the name index, for reads (a frozen head is read by
    /// concurrent queries): columns the index does not cover yet are compared one by one.
    private func lookupColumn(_ name: UnsafeRawBufferPointer, in columns: [HeadColumn], series si: Int) -> Int {
        var covered = 0
        if let index = nameIndexes[si] {
            covered = min(index.count, columns.count)
            for j in index.slots[NameIndex.hash(name)] ?? [] where j < covered {
                if columns[j].hasName(name) { return j }
            }
        }
        for j in covered..<columns.count where columns[j].hasName(name) { return j }
        return -1
    }

    /// Column names compared while looking up fields that were not at the hinted position
    /// (tests check that a wide point costs linear work).
    package private(set) var columnProbes = 0

    /// The key bytes of series `index`.
    package func key(of index: Int) -> ArraySlice<UInt8> { table.key(index) }

    /// The columns of series `index`.
    package func columns(of index: Int) -> [HeadColumn] { series[index] }

    /// The columns of the series matching `matches`, restricted to those `wanted` (by name),
    /// as snapshots: references, counts and tail statistics, no values; in key order (what the
    /// merging reader looks keys up in). With `keys`, only those series (hash lookups, not a
    /// walk). Called under the owner's lock for the active head; the walk over keys is the
    /// only work proportional to the head's size.
    package func snapshot(keys wantedKeys: [[UInt8]]? = nil, matching matches: (ArraySlice<UInt8>) -> Bool,
                          wanted: Set<[UInt8]>?) -> HeadSnapshot {
        var keys: [[UInt8]] = []
        var columns: [[HeadColumnSnapshot]] = []
        var memo = ColumnPositionMemo<Bool>()
        var found: [Int] = []
        func isWanted(_ name: [UInt8], at j: Int) -> Bool {
            guard let wanted else { return true }
            return memo.value(name, at: j) { wanted.contains($0) }
        }
        func take(_ si: Int) {
            var cs: [HeadColumnSnapshot] = []
            let all = series[si]
            if let wanted, all.count > Self.indexedColumnsThreshold, wanted.count &* 4 < all.count {
                // A wide series (a rollup tier's, ~60 columns) read for a few fields: look the
                // names up instead of testing every column's name against the set.
                found.removeAll(keepingCapacity: true)
                for name in wanted {
                    let j = name.withUnsafeBytes { lookupColumn($0, in: all, series: si) }
                    if j >= 0 { found.append(j) }
                }
                found.sort()  // column order, as the scan below gives it
                cs.reserveCapacity(found.count)
                for j in found { cs.append(all[j].snapshot()) }
            } else {
                cs.reserveCapacity(all.count)
                for j in all.indices where isWanted(all[j].name, at: j) { cs.append(all[j].snapshot()) }
            }
            if !cs.isEmpty {
                keys.append(Array(table.key(si)))
                columns.append(cs)
            }
        }
        let (order, rank) = keyOrder()
        if let wantedKeys {
            var found: [Int32] = []
            found.reserveCapacity(wantedKeys.count)
            for key in wantedKeys { if let si = seriesIndex(of: key), matches(table.key(si)) { found.append(rank[si]) } }
            found.sort()  // ranks: integers, not keys, are compared
            var previous: Int32 = -1
            for r in found where r != previous { take(Int(order[Int(r)])); previous = r }
        } else {
            for si in order where matches(table.key(Int(si))) { take(Int(si)) }
        }
        return HeadSnapshot(keys: keys, columns: columns)
    }

    /// Series indexes in key order, and per series index its position there: extended when
    /// series were added since the last call (the new keys sorted and merged in), so a head
    /// sorts each key once, not once per read. Guarded by its own lock: frozen heads are read
    /// by concurrent queries without the database's.
    private func keyOrder() -> (order: [Int32], rank: [Int32]) {
        orderLock.lock(); defer { orderLock.unlock() }
        let n = series.count
        if sortedOrder.count < n {
            let old = sortedOrder.count
            let fresh = (old..<n).sorted { table.key($0).lexicographicallyPrecedes(table.key($1)) }
            var merged: [Int32] = []
            merged.reserveCapacity(n)
            var i = 0, j = 0
            while i < old || j < fresh.count {
                if j == fresh.count || (i < old && table.key(Int(sortedOrder[i])).lexicographicallyPrecedes(table.key(fresh[j]))) {
                    merged.append(sortedOrder[i]); i += 1
                } else {
                    merged.append(Int32(fresh[j])); j += 1
                }
            }
            sortedOrder = merged
            keyRank = [Int32](repeating: 0, count: n)
            for (r, si) in merged.enumerated() { keyRank[Int(si)] = Int32(r) }
        }
        return (sortedOrder, keyRank)
    }

    private let orderLock = NSLock()
    private var sortedOrder: [Int32] = []
    private var keyRank: [Int32] = []

    /// The index of the series with `key`, if present.
    package func seriesIndex(of key: [UInt8]) -> Int? {
        key.withUnsafeBytes { table.index(of: $0) }
    }
}

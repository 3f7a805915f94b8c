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
    /// Approximate bytes held (values, timestamps, strings, keys).
    private(set) var memoryBytes = 0
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
    package func apply(_ batch: WriteBatch, schema: inout Schema,
                       storable: ClosedRange<Int64> = Int64.min...Int64.max,
                       maxFieldsPerMeasurement: Int = .max) -> [(pointIndex: Int, message: String)] {
        var rejected: [(pointIndex: Int, message: String)] = []
        var pointIndex = 0
        if firstWriteAt == 0 && batch.pointCount > 0 { firstWriteAt = FileIO.monotonicNanoseconds() }
        batch.forEachPoint { point in
            if !storable.contains(point.timestamp) {
                rejected.append((pointIndex, "timestamp \(point.timestamp) is outside the storable range "
                    + "\(CivilTime(nanoseconds: storable.lowerBound).rfc3339) to \(CivilTime(nanoseconds: storable.upperBound).rfc3339)"))
            } else if let problem = apply(point, schema: &schema, maxFields: maxFieldsPerMeasurement) {
                rejected.append((pointIndex, problem))
            }
            pointIndex += 1
        }
        return rejected
    }

    /// Applies one point; returns why it was rejected, or nil.
    private func apply(_ point: PointView, schema: inout Schema, maxFields: Int) -> String? {
        let (si, inserted) = table.indexInserting(point.seriesKey)
        if inserted {
            series.append([])
            memoryBytes += point.seriesKey.count + 48
        }
        // Pass 1: find each field's column and check its type before changing anything.
        resolved.removeAll(keepingCapacity: true)
        var problem: String?
        var hint = 0
        var newFields = 0  // fields new to the schema (an upper bound: repeats count twice)
        // One reference to the series' columns per point, not one per field (each copy of the
        // array reference costs a retain/release pair on the hot path).
        let columns = series[si]
        point.forEachField { field in
            guard problem == nil else { return }
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
        if let problem { return problem }
        // Pass 2: create missing columns and append.
        var k = 0
        let ts = point.timestamp
        point.forEachField { field in
            var j = resolved[k]
            if j < 0 {
                // It may have been created by an earlier duplicate of the same name in this point.
                j = findColumn(field.name, in: series[si], series: si)
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
                    memoryBytes += column.memoryBytes
                    series[si].append(column)
                    j = series[si].count - 1
                }
            }
            if series[si][j].type == field.type {
                memoryBytes += series[si][j].append(timestamp: ts, field: field)
                valueCount += 1
            }
            k += 1
        }
        if ts < minTime { minTime = ts }
        if ts > maxTime { maxTime = ts }
        let day = ts >= 0 ? ts / Self.dayLength : (ts &+ 1) / Self.dayLength &- 1
        if day != lastDay {
            days.insert(day)
            lastDay = day
        }
        return nil
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
                          wanted: ([UInt8]) -> Bool) -> HeadSnapshot {
        var keys: [[UInt8]] = []
        var columns: [[HeadColumnSnapshot]] = []
        // Series of a measurement mostly list the same fields in the same order: the answer
        // of `wanted` for the previous series' column at the same position is reused when
        // the name is the same, so names are compared, not hashed.
        var memoNames: [[UInt8]] = []
        var memoWanted: [Bool] = []
        func isWanted(_ name: [UInt8], at j: Int) -> Bool {
            if j < memoNames.count && memoNames[j] == name { return memoWanted[j] }
            let w = wanted(name)
            if j < memoNames.count {
                memoNames[j] = name
                memoWanted[j] = w
            } else if j == memoNames.count && j < Self.indexedColumnsThreshold {
                memoNames.append(name)
                memoWanted.append(w)
            }
            return w
        }
        func take(_ si: Int) {
            var cs: [HeadColumnSnapshot] = []
            let all = series[si]
            cs.reserveCapacity(all.count)
            for j in all.indices where isWanted(all[j].name, at: j) { cs.append(all[j].snapshot()) }
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

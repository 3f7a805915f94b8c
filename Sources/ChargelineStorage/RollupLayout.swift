package import ChargelineCore
import Foundation

/// How a series-hour's rollup row is stored in the rollup database (docs/format/rollup-state.md, "Rollup
/// rows", row layout 3), and how reads turn the stored columns back into the logical fields
/// `<field>_count`, `_sum`, `_min`, `_max`, `_first`, `_last`, `_first_time`, `_last_time`,
/// `_mean` and `_increase` that queries see.
///
/// **Shared columns.** Every field of a line-protocol row shares its timestamps, so in almost
/// every bucket each field has the same sample count, first and last sample times and covered
/// time. Layout 1 stored these per field (seven copies of two ~31-bit time columns: a quarter
/// of the rollup bytes); since layout 2 they are stored once per row (`_count`, `_first_offset`,
/// `_last_offset`, `_covered`), with `_own_times` = 0 when every field has them.
///
/// **Mixed rows** (layout 3). A field sampled only some of the time (a charging gun's state of
/// charge) has other times than the rest. Then the shared columns hold the times most fields
/// have, `_own_times` is -1 (`mixedRow`), and every field stores `<field>_count`: 0 when its
/// times are the row's, else its own count with its own `<field>_first_offset`,
/// `_last_offset` and `_covered`. (Layout 2 stored count, nanosecond times and covered time
/// for every field of such a row, the largest part of the rollup bytes on data with such a
/// field.) Rows whose offsets would not be exact take layout 2's form: `_own_times` holds how
/// many fields the row has and **every** field stores its own `<field>_count`,
/// `_first_time`, `_last_time` and `_covered`.
///
/// **Offsets.** The times are stored as float seconds after the bucket start
/// (`offset(_:start:)`): samples are millisecond-aligned, so 9.579 s is a decimal with three
/// digits that the `float-decimal` codec keeps as the integer 9579 (~12 bits from hour to
/// hour), where the nanosecond integers cost ~31 bits (the integer codecs have no decimal
/// unit). Exact for every nanosecond offset below 2^51 ns (26 days; checked per row, else the
/// row stores own integer times).
///
/// **Mean.** Since layout 2 rows store the sample-and-hold integral `<field>_integral` (value·s;
/// exact for decimal values, so the `float-decimal` codec keeps it as a small integer) instead
/// of the mean (a quotient: 64 noisy bits); a read divides by the covered time.
///
/// **Rewrites.** Rewriting a bucket (late rows, backfill) writes a whole new row, but the
/// rollup database never deletes a column value: a field's own columns from an older version
/// of the row stay on disk. A read consults only columns the newest version wrote: every
/// version writes `_own_times`; a mixed row writes `<field>_count` for every field and own
/// times for exactly the fields whose count is not 0; the own form writes own columns for all
/// fields. Rows of layout 1 have no `_own_times` and no `_integral` and are read from their
/// own columns (`<field>_mean` as stored).
package enum RollupLayout {
    /// 0: the shared columns apply to every field; -1 (`mixedRow`): `<field>_count` says per
    /// field; n > 0: every field stores its own.
    package static let ownTimes = "_own_times"
    /// The shared column of each aggregate stored once per row when the fields agree (own:
    /// `<field>_<aggregate>`).
    static let sharedColumn = ["count": "_count", "first_time": "_first_offset", "last_time": "_last_offset", "covered": "_covered"]
    /// Stored columns that are not per-field (no raw field has an empty name, so
    /// `<field>_<aggregate>` never takes these names).
    static let internalNames: Set<String> = ["_count", "_first_offset", "_last_offset", "_covered", ownTimes]
    /// Stored per field, not logical fields: read to rebuild `_mean`.
    static let hiddenSuffixes = ["_integral", "_covered", "_first_offset", "_last_offset"]
    /// Longest raw field name that is rolled up (its longest column, `_first_time`, must fit
    /// the 65,535-byte name limit of `WriteBatch`).
    static let maxRolledUpNameLength = 65_535 - 32

    /// Most columns one raw field adds to a row: five aggregates, four own times, the
    /// integral and a counter's increase (`RollupBucket.addFields`).
    static let maxColumnsPerField = 11

    /// Makes room for `n` more fields in the open point of `builder`: when they would take it
    /// past `WriteBatchBuilder.maxFieldsPerPoint`, ends it and opens another point of the same
    /// series and time (the store merges them into one row). A point with no fields is left
    /// open as it is.
    package static func ensureRoom(_ n: Int, key: UnsafeRawBufferPointer, timestamp: Int64, in builder: inout WriteBatchBuilder) {
        let open = builder.fieldsInOpenPoint
        guard open > 0, open + n > WriteBatchBuilder.maxFieldsPerPoint else { return }
        builder.endPoint(timestamp: timestamp)
        builder.beginPoint(seriesKey: key)
    }

    /// Appends the fields of one row to the open point of `builder` (opened for `key`): per
    /// raw field its aggregates, plus the row's shared columns. A row of more columns than one
    /// point holds (a series with thousands of fields) continues in further points of `key` at
    /// `timestamp`, so the last one is still open when this returns (it may have no fields
    /// when nothing was rolled up). Allocates nothing: names come prebuilt with the fields.
    package static func addRow(_ fields: [RollupRowField], key: UnsafeRawBufferPointer, timestamp: Int64,
                               to builder: inout WriteBatchBuilder) {
        // A raw field name within 32 bytes of the 65,535-byte name limit (line protocol
        // refuses those; older stores may hold one) has no room for the suffixes: not rolled up.
        guard let leadIndex = fields.firstIndex(where: { $0.names.rolledUp }) else { return }
        // The row's times are those most fields have (a majority vote: one pass, nothing
        // allocated); any choice would be exact, the most common one stores the fewest own columns.
        var chosen = leadIndex, votes = 0, rolledUp = 0, agree = true
        for i in fields.indices where fields[i].names.rolledUp {
            rolledUp += 1
            let b = fields[i].bucket
            if !sameTimes(b, fields[leadIndex].bucket) { agree = false }
            if votes == 0 {
                chosen = i; votes = 1
            } else if sameTimes(b, fields[chosen].bucket) {
                votes += 1
            } else {
                votes -= 1
            }
        }
        let row = fields[chosen].bucket
        let firstOffset = offset(row.firstTime, start: row.start), lastOffset = offset(row.lastTime, start: row.start)
        // Offsets exact for the row's and every own field's times, else layout 2's own form.
        var form: TimesForm = firstOffset == nil || lastOffset == nil ? .ownNanoseconds : agree ? .shared : .mixed
        if form == .mixed {
            for f in fields where f.names.rolledUp && !sameTimes(f.bucket, row) {
                if offset(f.bucket.firstTime, start: f.bucket.start) == nil || offset(f.bucket.lastTime, start: f.bucket.start) == nil {
                    form = .ownNanoseconds
                    break
                }
            }
        }
        @inline(__always) func integer(_ name: StaticString, _ v: Int64) {
            builder.addInteger(name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), v)
        }
        @inline(__always) func float(_ name: StaticString, _ v: Double) {
            builder.addFloat(name: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), v)
        }
        ensureRoom(5, key: key, timestamp: timestamp, in: &builder)
        if form == .ownNanoseconds {
            integer("_own_times", Int64(rolledUp))
        } else if let firstOffset, let lastOffset {
            integer("_count", Int64(row.count))
            float("_first_offset", firstOffset)
            float("_last_offset", lastOffset)
            integer("_covered", row.covered)
            integer("_own_times", form == .shared ? 0 : mixedRow)
        }
        for f in fields where f.names.rolledUp {
            ensureRoom(maxColumnsPerField, key: key, timestamp: timestamp, in: &builder)
            f.bucket.addFields(names: f.names, type: f.type, own: form == .ownNanoseconds, to: &builder)
            if form == .mixed { addOwnOffsets(f, row: row, to: &builder) }
        }
    }

    /// How a row stores its fields' counts and times.
    private enum TimesForm {
        /// Every field has the row's times: the shared columns alone (`_own_times` 0).
        case shared
        /// The shared columns hold the times most fields have; each field stores `<field>_count`,
        /// 0 when its times are the row's, else its own count, offsets and covered time
        /// (`_own_times` = `mixedRow`).
        case mixed
        /// Every field stores its own count, covered time and nanosecond times (layout 2's form,
        /// `_own_times` = the number of fields): only when an offset would not be exact.
        case ownNanoseconds
    }

    /// `_own_times` of a row of the mixed form (row layout 3).
    static let mixedRow: Int64 = -1

    /// Whether two fields' buckets have the same count, first and last time and covered time.
    @inline(__always)
    static func sameTimes(_ a: RollupBucket, _ b: RollupBucket) -> Bool {
        a.count == b.count && a.firstTime == b.firstTime && a.lastTime == b.lastTime && a.covered == b.covered
    }

    /// A field's columns of a mixed row: `<field>_count` 0 when its times are the row's, else
    /// its count, `_first_offset`, `_last_offset` and `_covered` (offsets checked exact by `addRow`).
    private static func addOwnOffsets(_ f: RollupRowField, row: RollupBucket, to builder: inout WriteBatchBuilder) {
        let b = f.bucket
        guard !sameTimes(b, row) else {
            f.names.count.withUnsafeBytes { builder.addInteger(name: $0, 0) }
            return
        }
        f.names.count.withUnsafeBytes { builder.addInteger(name: $0, Int64(b.count)) }
        if let x = offset(b.firstTime, start: b.start) { f.names.firstOffset.withUnsafeBytes { builder.addFloat(name: $0, x) } }
        if let x = offset(b.lastTime, start: b.start) { f.names.lastOffset.withUnsafeBytes { builder.addFloat(name: $0, x) } }
        f.names.covered.withUnsafeBytes { builder.addInteger(name: $0, b.covered) }
    }

    /// `t - start` in seconds, if the nanoseconds come back exactly from it (`time`): always
    /// for offsets below 2^51 ns, 26 days (`Double(ns) / 1e9` and `x · 1e9` are each off by at
    /// most 2^-53 relative, so `x · 1e9` is within 0.5 of `ns`); checked anyway, and never
    /// tried at 2^52 ns or more.
    static func offset(_ t: Int64, start: Int64) -> Double? {
        let (ns, o) = t.subtractingReportingOverflow(start)
        guard !o, ns.magnitude < 1 << 52 else { return nil }
        let x = Double(ns) / 1e9
        return time(offset: x, start: start) == t ? x : nil
    }

    /// The time `x` seconds after `start`; nil for values no writer stores (damage).
    static func time(offset x: Double, start: Int64) -> Int64? {
        guard x.isFinite, x.magnitude < 4_503_599.627370496 else { return nil }  // 2^52 ns
        return start.addingReportingOverflow(Int64((x * 1e9).rounded())).partialValue
    }

    /// The time-weighted mean from a row's integral (value·s) and covered time (ns); nil when
    /// nothing is covered. The writer's `RollupBucket.mean` uses this too, so both agree.
    package static func mean(integral: Double, covered: Int64) -> Double? {
        covered > 0 ? integral * 1e9 / Double(covered) : nil
    }

    // MARK: - Names

    /// Whether a stored column is not a logical field.
    static func isHidden(_ name: String) -> Bool {
        internalNames.contains(name) || hiddenSuffixes.contains { name.hasSuffix($0) }
    }

    /// A logical column rebuilt from stored ones: `<field>_<aggregate>` for the shared
    /// aggregates and the mean.
    static func derived(_ name: String) -> (field: String, aggregate: String)? {
        guard !internalNames.contains(name) else { return nil }
        for a in ["count", "first_time", "last_time", "mean"] where name.hasSuffix("_" + a) {
            return (String(name.dropLast(a.count + 1)), a)
        }
        return nil
    }

    /// Logical fields from the stored ones (for catalogs): per field (a `<field>_min` column)
    /// `_count`, `_first_time`, `_last_time` (integer) and `_mean` (float) where it has an
    /// integral or a stored mean; hidden columns dropped.
    package static func logicalFields(_ stored: [String: FieldType]) -> [String: FieldType] {
        var out = stored.filter { !isHidden($0.key) }
        for name in stored.keys where name.hasSuffix("_min") && !internalNames.contains(name) {
            let field = name.dropLast(4)
            out[field + "_count"] = .integer
            out[field + "_first_time"] = .integer
            out[field + "_last_time"] = .integer
            if stored[field + "_integral"] != nil || stored[field + "_mean"] != nil { out[field + "_mean"] = .float }
        }
        return out
    }

    /// The stored column present on exactly the rows that hold raw field `field`.
    static func rowMarker(_ field: String) -> String { field + "_min" }

    /// Stored columns a derived logical column reads: the row set (`<field>_min`, present for
    /// every numeric field in every layout), `_own_times`, `<field>_count` (in a mixed row: 0
    /// when the field has the row's times), and the shared and own columns.
    static func sources(_ field: String, _ aggregate: String) -> [String] {
        let parts = aggregate == "mean" ? ["covered"] : [aggregate]
        var out = [field + "_min", ownTimes, field + "_count"]
        for p in parts { out += [sharedColumn[p]!, field + "_" + p] }
        if let o = ownOffset[aggregate] { out.append(field + o) }
        if aggregate == "mean" { out += [field + "_integral", field + "_mean"] }
        return out
    }

    /// The suffix of a field's own offset column in a mixed row, per time aggregate.
    static let ownOffset = ["first_time": "_first_offset", "last_time": "_last_offset"]

    /// The stored columns to read for the logical `fields`: themselves (so position i of the
    /// result is field i), then what derived ones need.
    package static func storedNames(for fields: [String]) -> [String] {
        var out = fields
        var seen = Set(fields)
        for name in fields {
            guard let (field, aggregate) = derived(name) else { continue }
            for n in sources(field, aggregate) where seen.insert(n).inserted { out.append(n) }
        }
        return out
    }

    /// The stored columns to read for the logical `wanted` set (nil: all).
    static func storedNames(for wanted: Set<String>?) -> Set<String>? {
        wanted.map { Set(storedNames(for: Array($0))) }
    }

    // MARK: - Rebuilding

    /// Logical column `field_aggregate` of one series, one value per row of `<field>_min`
    /// where it has one. `column(name)` returns stored columns (nil when absent).
    /// - Throws: `.corruption` when a row lacks a column it needs (a damaged rollup).
    static func rebuild(field: String, aggregate: String, key: [UInt8], column: (String) throws -> ColumnData?) throws -> ColumnData? {
        guard let rows = try column(field + "_min") else { return nil }
        let own = try column(ownTimes)
        struct Cursor {
            let data: ColumnData?
            var i = 0
            mutating func at(_ t: Int64) -> UInt64? {
                guard let data else { return nil }
                while i < data.count && data.timestamps[i] < t { i += 1 }
                return i < data.count && data.timestamps[i] == t ? data.bits[i] : nil
            }
        }
        let part = aggregate == "mean" ? "covered" : aggregate
        let sharedName = sharedColumn[part]!, ownName = field + "_" + part
        let isTime = part == "first_time" || part == "last_time"
        let offsetName = ownOffset[part].map { field + $0 }
        var ownC = Cursor(data: own), sharedC = Cursor(data: try column(sharedName)), fieldC = Cursor(data: try column(ownName))
        var countC = Cursor(data: own == nil ? nil : try column(field + "_count"))
        var offsetC = Cursor(data: try offsetName.flatMap(column))
        var integralC = Cursor(data: aggregate == "mean" ? try column(field + "_integral") : nil)
        var storedMeanC = Cursor(data: aggregate == "mean" ? try column(field + "_mean") : nil)
        var out = ColumnData(type: aggregate == "mean" ? .float : .integer)
        out.timestamps.reserveCapacity(rows.count)
        out.bits.reserveCapacity(rows.count)
        for t in rows.timestamps {
            var integral: UInt64 = 0
            if aggregate == "mean" {
                guard let i = integralC.at(t) else {
                    // Layout 1: the mean as stored (absent where nothing was covered).
                    if let m = storedMeanC.at(t) { out.timestamps.append(t); out.bits.append(m) }
                    continue
                }
                integral = i
            }
            // Where this field's times are: the row's shared columns (`_own_times` 0, or a
            // mixed row whose `<field>_count` is 0), its own offsets (a mixed row), or its own
            // nanosecond columns (layout 2 rows whose fields disagree; layout 1 rows, which
            // have no `_own_times`).
            let o = ownC.at(t)
            var shared = o == 0, offsets = false
            if let o, Int64(bitPattern: o) == mixedRow {
                guard let c = countC.at(t) else { throw damaged(t, key, field + "_count") }
                shared = c == 0
                offsets = c != 0 && isTime
            }
            let name = shared ? sharedName : offsets ? offsetName! : ownName
            guard var v = shared ? sharedC.at(t) : offsets ? offsetC.at(t) : fieldC.at(t) else { throw damaged(t, key, name) }
            if (shared || offsets) && isTime {
                guard let time = time(offset: Double(bitPattern: v), start: t) else { throw damaged(t, key, name + " (not an offset)") }
                v = UInt64(bitPattern: time)
            }
            if aggregate == "mean" {
                guard let m = mean(integral: Double(bitPattern: integral), covered: Int64(bitPattern: v)) else { continue }
                v = m.bitPattern
            }
            out.timestamps.append(t)
            out.bits.append(v)
        }
        return out.count > 0 ? out : nil
    }

    static func damaged(_ t: Int64, _ key: [UInt8], _ name: String) -> ChargelineError {
        ChargelineError(.corruption, "rollup row at \(t) of series \(String(decoding: key, as: UTF8.self)) lacks \(name); rebuild it with `chargeline rollup --from ... --to ...`")
    }

    /// `scans` (of `storedNames(for: fields)`) as scans of the logical `fields`.
    static func logicalScans(_ scans: [SeriesScan], fields: [String]) throws -> [SeriesScan] {
        guard fields.contains(where: { derived($0) != nil }) else { return scans }
        let stored = storedNames(for: fields)
        let position = Dictionary(stored.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return try scans.map { scan in
            var cache: [String: ColumnData?] = [:]
            func column(_ n: String) throws -> ColumnData? {
                if let hit = cache[n] { return hit }
                let c = try position[n].flatMap { scan.fields[$0] }?.decodeAll()
                cache[n] = .some(c)
                return c
            }
            let out = try fields.enumerated().map { i, name -> FieldScan? in
                guard let (field, aggregate) = derived(name) else { return scan.fields[i] }
                guard let data = try rebuild(field: field, aggregate: aggregate, key: scan.key, column: column),
                      let range = scan.fields[position[field + "_min"]!]?.chunks.first?.range else { return nil }
                return FieldScan(name: name, type: data.type, chunks: [ScanChunk(data: data, range: range)])
            }
            return SeriesScan(key: scan.key, fields: out)
        }
    }

    /// `columns` of one series (stored, read with `storedNames(for: wanted)`) as the logical
    /// columns in name order; `wanted` nil: all. `shapes` (one per read) remembers which
    /// logical columns a list of stored names gives, so the name work is done once per read,
    /// not per series (every series of a rollup normally has the same stored columns).
    static func logicalColumns(_ columns: [FieldColumn], wanted: Set<String>?, key: [UInt8],
                               shapes: LogicalShapeCache? = nil) throws -> [FieldColumn] {
        let names = columns.map(\.name)
        let shape = shapes?.shape(names, wanted: wanted) ?? LogicalShape(names, wanted: wanted)
        var out: [FieldColumn] = []
        out.reserveCapacity(shape.items.count)
        for item in shape.items {
            switch item.source {
            case .stored(let i):
                out.append(columns[i])
            case .derived(let field, let aggregate):
                if let data = try rebuild(field: field, aggregate: aggregate, key: key,
                                          column: { shape.position[$0].map { columns[$0].data } }) {
                    out.append(FieldColumn(name: item.name, data: data))
                }
            }
        }
        return out
    }
}

/// Which logical columns the stored columns `names` of a series give (`RollupLayout
/// .logicalColumns`), in name order: stored ones passed through, derived ones rebuilt.
struct LogicalShape: Sendable {
    enum Source: Sendable { case stored(Int), derived(field: String, aggregate: String) }
    let names: [String]
    let items: [(name: String, source: Source)]
    /// Stored name -> position in `names`.
    let position: [String: Int]

    init(_ names: [String], wanted: Set<String>?) {
        self.names = names
        position = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [String: Source] = [:]
        for (i, name) in names.enumerated() where !RollupLayout.isHidden(name) && RollupLayout.derived(name) == nil {
            out[name] = .stored(i)
        }
        for name in names where name.hasSuffix("_min") && !RollupLayout.internalNames.contains(name) {
            let field = String(name.dropLast(4))
            for aggregate in ["count", "first_time", "last_time", "mean"] where wanted?.contains(field + "_" + aggregate) ?? true {
                out[field + "_" + aggregate] = .derived(field: field, aggregate: aggregate)
            }
        }
        items = out.filter { wanted?.contains($0.key) ?? true }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// The `LogicalShape`s of one read, shared by its threads (series almost always share one).
final class LogicalShapeCache: @unchecked Sendable {
    private let lock = NSLock()
    private var shapes: [LogicalShape] = []

    func shape(_ names: [String], wanted: Set<String>?) -> LogicalShape {
        lock.lock()
        if let hit = shapes.first(where: { $0.names == names }) { lock.unlock(); return hit }
        lock.unlock()
        let shape = LogicalShape(names, wanted: wanted)
        lock.lock()
        // A read with many different shapes (damage, mixed layouts) keeps the newest few.
        if shapes.count >= 8 { shapes.removeFirst() }
        shapes.append(shape)
        lock.unlock()
        return shape
    }
}

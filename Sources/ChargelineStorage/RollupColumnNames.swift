package import ChargelineCore

/// The stored column names of one raw field's rollup aggregates (`<field>_sum`, `_min`, ...;
/// see `RollupBucket.addFields`) as bytes, built once per field per run: a row then appends
/// names without building a string per column (a rollup row has ~64 columns, and at 60 s
/// sampling a row summarises only ~60 samples per field, so building names per row was a
/// fixed cost as large as the aggregation itself).
package final class RollupColumnNames: Sendable {
    package let field: String
    /// Whether the field gets `_increase` (a counter).
    package let counter: Bool
    /// False for a raw field name within 32 bytes of the 65,535-byte name limit: no room for
    /// the suffixes, so the field is not rolled up (`RollupLayout.addRow`).
    package let rolledUp: Bool
    let sum, min, max, first, last, count, firstTime, lastTime, covered, integral, increase: [UInt8]
    /// A field's own first/last sample times as seconds after the bucket start (row layout 3,
    /// `RollupLayout`): stored only, read back as `_first_time` / `_last_time`.
    let firstOffset, lastOffset: [UInt8]

    package init(field: String, counter: Bool) {
        self.field = field
        self.counter = counter
        rolledUp = field.utf8.count <= RollupLayout.maxRolledUpNameLength
        func name(_ a: RollupAggregate) -> [UInt8] { Array(a.column(of: field).utf8) }
        // Stored only, never read as such (`_mean` is rebuilt from them).
        func stored(_ suffix: String) -> [UInt8] { Array((field + "_" + suffix).utf8) }
        sum = name(.sum); min = name(.min); max = name(.max); first = name(.first); last = name(.last)
        count = name(.count); firstTime = name(.firstTime); lastTime = name(.lastTime); covered = stored("covered")
        integral = stored("integral"); increase = name(.increase)
        firstOffset = stored("first_offset"); lastOffset = stored("last_offset")
    }
}

/// `RollupColumnNames` by field name, for one rollup run (fields are few: a measurement's
/// schema).
struct RollupColumnNameCache {
    private var byName: [String: RollupColumnNames] = [:]
    let counters: Set<String>

    init(counters: Set<String>) { self.counters = counters }

    mutating func names(_ field: String) -> RollupColumnNames {
        if let hit = byName[field] { return hit }
        let made = RollupColumnNames(field: field, counter: counters.contains(field))
        byName[field] = made
        return made
    }
}

/// One field of a rollup row: its names, type and aggregates.
package struct RollupRowField: Sendable {
    package var names: RollupColumnNames
    package var type: FieldType
    package var bucket: RollupBucket

    package init(names: RollupColumnNames, type: FieldType, bucket: RollupBucket) {
        self.names = names
        self.type = type
        self.bucket = bucket
    }
}

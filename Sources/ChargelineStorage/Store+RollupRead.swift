package import ChargelineCore
import Foundation

/// Which hourly buckets of a database's rollup answer exactly, at one instant: every bucket
/// starting before `watermark` is materialised, except the `stale` ones late rows touched
/// (their rollup rows, if any, are outdated until the next run recomputes them).
///
/// A snapshot: a run or a late row after it is taken is not reflected. Reading rollup rows
/// for the buckets it calls covered, and raw data for the rest, answers as of the snapshot
/// (a bucket recomputed meanwhile is read from raw, which is what the recomputation read).
package struct RollupCoverage: Sendable {
    /// The rollup's name, its retention-policy name in queries (`"1h"`).
    package let name: String
    /// Bucket length (ns).
    package let bucket: Int64
    /// Buckets with start < watermark are materialised (bucket-aligned); nil before any run.
    package let watermark: Int64?
    /// Series key -> starts of buckets to recompute.
    package let stale: [[UInt8]: Set<Int64>]

    /// Whether the bucket starting at `start` of series `key` is materialised and current.
    package func covers(_ key: [UInt8], bucketStart start: Int64) -> Bool {
        guard let watermark, start < watermark else { return false }
        return !(stale[key]?.contains(start) ?? false)
    }
}

extension Store {
    /// The name rollups are queried under (`FROM "1h"."<measurement>"`), or nil when rollups are
    /// disabled.
    package var rollupName: String? { options.rollup.enabled ? options.rollup.name : nil }

    /// A snapshot of `database`'s rollup coverage; nil when it has no rollup.
    package func rollupCoverage(database name: String) -> RollupCoverage? {
        (try? table.with(name) { db -> RollupCoverage? in
            guard db.rollupChild != nil else { return nil }
            let coverage = db.rollups.coverage()
            return RollupCoverage(name: options.rollup.name, bucket: options.rollup.bucket, watermark: coverage.watermark,
                                  stale: coverage.stale)
        }) ?? nil
    }

    /// Measurements that have rollup rows in `database`.
    package func rollupMeasurements(database name: String) -> [String] {
        ((try? table.with(name) { $0.rollupChild?.measurements() }) ?? nil) ?? []
    }

    /// The catalog of `measurement` in `database`'s rollup: the raw series keys, with fields
    /// `<field>_count`, `_sum`, ... (see `readRollup`). Nil when there is no rollup.
    package func rollupCatalog(database name: String, measurement: String) throws -> SeriesCatalog? {
        try table.with(name) { db -> SeriesCatalog? in
            guard let child = db.rollupChild else { return nil }
            let generation = child.catalogGeneration()
            // "\u{1}" cannot occur in a database name that passed `validate`, so no clash with raw keys.
            let cacheKey = name + "\u{1}" + measurement
            if let hit = catalogCache.get(cacheKey, generation: generation) { return hit }
            let stored = try child.buildCatalog(measurement: measurement)
            let built = SeriesCatalog(measurement: measurement, keys: stored.series.map(\.key), fields: RollupLayout.logicalFields(stored.fields))
            catalogCache.put(cacheKey, generation: generation, catalog: built)
            return built
        } ?? nil
    }

    /// The series of `measurement` with a rollup row in `range` holding any of the raw
    /// `fields` (a row holds `f` when it has `<f>_min`), from the rollup's indexes and heads:
    /// no rows are read. Empty when there is no rollup.
    package func rollupSeriesKeys(database name: String, measurement: String, holdingAnyOf fields: [String],
                                  range: TimeRange) throws -> Set<[UInt8]> {
        try table.with(name) { db -> Set<[UInt8]> in
            guard let child = db.rollupChild else { return [] }
            return try child.seriesKeys(measurement: measurement, holdingAnyOf: Set(fields.map(RollupLayout.rowMarker)), range: range)
        } ?? []
    }

    /// Scans rollup rows (fields `<field>_<aggregate>`) of the series `keys` over `range` (see
    /// `Database.scan`; rollup timestamps are bucket starts). `_count`, `_first_time`,
    /// `_last_time` and `_mean` are rebuilt from the row's shared columns and the stored
    /// integral (`RollupLayout`) and come back as decoded chunks; the others as stored.
    package func scanRollup(database name: String, keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        let scans = try table.with(name) { db -> [SeriesScan] in
            guard let child = db.rollupChild else {
                throw ChargelineError(.notFound, "database \(name) has no rollup (rollups are disabled)")
            }
            return try RollupLayout.logicalScans(child.scan(keys: keys, fields: RollupLayout.storedNames(for: fields), range: range), fields: fields)
        }
        guard let scans else { throw ChargelineError(.notFound, "database \(name) has no rollup (rollups are disabled)") }
        return scans
    }
}

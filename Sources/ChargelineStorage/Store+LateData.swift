/// What a consumer of late data (the scheduled report export) needs to know at one instant.
package struct LateDataSnapshot: Sendable, Equatable {
    /// Buckets with start < watermark are materialised; nil before the first rollup run.
    package var watermark: Int64?
    /// Bucket length (ns).
    package var bucket: Int64
    /// Bucket starts whose late mark is newer than the sequence asked for.
    package var buckets: [Int64]
    /// The latest sequence: pass it next time to see only newer marks.
    package var sequence: UInt64
}

extension Store {
    /// The rollup watermark of `database` and the buckets late rows marked after sequence
    /// `after` (see `RollupTracker.noteWrite`); nil when the database does not exist or has no
    /// rollup. The log is persisted with the rollup state before the WAL holding the rows is
    /// dropped, and rows replayed from the WAL after a crash mark again (with new sequences):
    /// a consumer may see a bucket twice, never miss one.
    package func lateData(database name: String, after: UInt64) -> LateDataSnapshot? {
        (try? table.with(name) { db -> LateDataSnapshot? in
            guard db.rollupChild != nil else { return nil }
            let late = db.rollups.lateData(after: after)
            return LateDataSnapshot(watermark: late.watermark, bucket: options.rollup.bucket, buckets: late.buckets, sequence: late.sequence)
        }) ?? nil
    }
}

/// Rows that arrived behind the horizon a consumer set (`Store.advanceLateHorizon`).
package struct LateArrivals: Sendable, Equatable {
    /// The time ranges (ns) of the late rows written after the sequence asked for.
    package var ranges: [ClosedRange<Int64>]
    /// The latest sequence: pass it next time to see only newer ranges.
    package var sequence: UInt64
}

extension Store {
    /// Moves `database`'s late horizon to `time` (ns; it never moves back): rows older than it
    /// written from now on are noted as late arrivals. The alert rules set it to how far their
    /// evaluations have looked. Does nothing when the database does not exist.
    package func advanceLateHorizon(database name: String, to time: Int64) {
        _ = try? table.with(name, touch: false) { db in
            db.rollups.advanceLateHorizon(to: time)
        }
    }

    /// The time ranges of rows that arrived behind `database`'s late horizon after sequence
    /// `after` (see `LateArrivalLog`); nil when the database does not exist. Kept in memory:
    /// after a restart the sequence starts again from 0.
    package func lateArrivals(database name: String, after: UInt64) -> LateArrivals? {
        (try? table.with(name, touch: false) { db -> LateArrivals in
            let late = db.rollups.lateArrivals(after: after)
            return LateArrivals(ranges: late.ranges, sequence: late.sequence)
        }) ?? nil
    }
}

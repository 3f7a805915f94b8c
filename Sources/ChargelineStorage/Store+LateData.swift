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
    /// `after` (see `Database.markLateLocked`); nil when the database does not exist or has no
    /// rollup. The log is persisted with the rollup state before the WAL holding the rows is
    /// dropped, and rows replayed from the WAL after a crash mark again (with new sequences):
    /// a consumer may see a bucket twice, never miss one.
    package func lateData(database name: String, after: UInt64) -> LateDataSnapshot? {
        (try? table.with(name) { db -> LateDataSnapshot? in
            guard db.rollupChild != nil else { return nil }
            db.lock.lock(); defer { db.lock.unlock() }
            return LateDataSnapshot(watermark: db.rollupWatermark, bucket: options.rollup.bucket,
                                    buckets: db.lateBuckets.filter { $0.value > after }.keys.sorted(), sequence: db.lateSequence)
        }) ?? nil
    }
}

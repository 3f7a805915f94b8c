public import CoreMetrics

/// Settings of a `Store`. Defaults suit one server with a few GiB of memory for the head.
public struct StorageOptions: Sendable {
    /// Where storage records its timings (`chargeline_wal_fsync_seconds`,
    /// `chargeline_flush_seconds`, `chargeline_compaction_seconds`), through the swift-metrics
    /// API; the server backs it with Prometheus. `nil` records nothing.
    public var metricsFactory: (any MetricsFactory)? = nil
    /// WAL sync policy; `.always` (fsync before acknowledging, group commit) by default.
    public var fsync: FsyncPolicy = .always
    /// Partition length for new databases: one UTC day, so retention drops a folder a day.
    public var partitionDuration: Int64 = 86_400_000_000_000
    /// Flush the head to segments once it holds this many bytes (256 MiB ≈ 16 M values):
    /// large enough that a day partition gets few level-0 segments, small enough to bound
    /// memory and WAL replay time (the WAL holds about the same amount).
    public var headFlushBytes: Int = 256 << 20
    /// Also flush a head older than this (ns), so a quiet database does not keep a long WAL.
    public var headMaxAge: Int64 = 600_000_000_000
    /// Writers wait (back-pressure) while the active head holds more than this because the
    /// previous flush has not finished: twice the flush size.
    public var headHardLimitBytes: Int = 512 << 20
    /// Parsed segment indexes kept in memory after a read, across the process
    /// (`SegmentIndexCache`): least recently used ones are dropped past this and parsed again
    /// when next read. A rollup day of 20,000 series takes ~90 MB; a daily report holds 9 of them.
    public var indexCacheBytes: Int = 2 << 30
    /// Most databases open at once. An open database holds a file per WAL written since it
    /// opened (its own and its rollup's; their threads are the shared `WALExecutor`'s) and the
    /// descriptors of the segments it read; a
    /// database over the limit or idle for `databaseIdleClose` is closed (its head flushed,
    /// its WALs closed) and opened again on its next read or write, so ten thousand tiny
    /// databases cost no more handles than 256 busy ones (docs/operations.md).
    public var maxOpenDatabases: Int = 256
    /// Close a database nobody read or wrote for this long (ns; 0 = never close idle ones).
    /// Longer than `compactionQuietPeriod`, so a database that went quiet is compacted before
    /// it closes (background compaction runs on open databases only).
    public var databaseIdleClose: Int64 = 900_000_000_000
    /// Writers wait while more than this many WAL bytes are not yet written (the disk is
    /// behind): 256 MiB, about one second of a fast disk.
    public var walPendingLimitBytes: Int = 256 << 20
    /// Background compaction merges a partition's segments once the partition has gone quiet
    /// (no flush added a segment for `compactionQuietPeriod`), so a partition still being
    /// written is not rewritten again and again (write amplification, and CPU taken from
    /// ingest); a partition that passes `compactionTrigger` segments is compacted anyway, to
    /// bound how many files a read merges.
    public var compactionTrigger: Int = 32
    /// See `compactionTrigger` (ns; 10 minutes).
    public var compactionQuietPeriod: Int64 = 600_000_000_000
    /// Run background flushes and compactions (off for tools that manage them explicitly).
    public var backgroundMaintenance: Bool = true
    /// Store min, max, sum, first and last of every numeric block in the segment index, so
    /// aggregates and WHERE bounds over whole blocks need not decode them. The rollup
    /// database turns it off: its blocks hold ~24 rows (one per hour of a day partition), so
    /// the 40 bytes of statistics per block were a third of the rollup bytes, and reads of
    /// rollup rows decode them anyway.
    public var blockStatistics = true
    /// Continuous hourly rollups (on by default).
    public var rollup = RollupOptions()
    /// Run the rollup and retention scheduler in the background (serve). Bulk tools turn it
    /// off: while history is being loaded, a scheduled run would move the watermark past the
    /// rows still to come and turn all of them into late rows.
    public var scheduleRollups: Bool = true
    /// Most series a database may hold (`max-series-per-database`, InfluxDB's name, default
    /// and meaning; 0: no limit). A point that would create a series past it is refused, the
    /// rest of its batch is stored and existing series keep taking writes: memory stays bounded
    /// however many distinct series a client invents. The rollup database is not counted.
    public var maxSeriesPerDatabase: Int = 1_000_000
    /// Retention (keep everything by default).
    public var retention = RetentionOptions()

    public init() {}
}

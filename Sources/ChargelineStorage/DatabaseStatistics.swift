/// What one database holds now, cheap enough to read on every metrics scrape: counts kept in
/// memory and the sizes the manifest records; one directory listing for the WAL. No segment
/// is opened.
public struct DatabaseStatistics: Sendable, Equatable {
    /// The database's name.
    public var name: String
    /// Series in the active head (frozen heads waiting for their flush not counted twice).
    public var headSeries: Int
    /// Values in memory: the active head plus frozen heads waiting for their flush.
    public var headValues: Int
    /// Bytes those heads hold.
    public var headBytes: Int
    /// WAL segment files' bytes on disk (raw tier and rollup tier).
    public var walBytes: Int
    /// Raw segment files listed in the manifest.
    public var segments: Int
    /// Their bytes.
    public var segmentBytes: Int
    /// Rollup segment files and their bytes (0 when rollups are off).
    public var rollupSegments: Int
    public var rollupBytes: Int
    /// Hourly buckets marked stale by late rows and not yet recomputed.
    public var rollupStaleBuckets: Int
    /// The rollup watermark (ns): hours before it are rolled up; nil before the first run or
    /// with rollups off.
    public var rollupWatermark: Int64?
    /// Bytes retention has dropped from this database since it was created (persisted).
    public var retentionDroppedBytes: Int
    /// Segment files in `quarantine/` (raw and rollup tiers): damaged segments moved aside at
    /// start-up or by `chargeline repair`, whose rows are not served.
    public var quarantinedSegments: Int = 0
}

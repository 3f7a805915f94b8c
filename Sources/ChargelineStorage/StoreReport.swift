/// What `chargeline inspect` prints: sizes and counts per database and partition.
public struct StoreReport: Codable, Sendable {
    public struct Partition: Codable, Sendable {
        /// Folder name (`20261120T000000Z`).
        public var name: String
        public var start: String
        public var segments: Int
        /// Distinct series across the partition's segments.
        public var series: Int
        /// Rows ((series, timestamp) pairs); exact after `compact`, before it a row written
        /// to two segments counts twice.
        public var rows: Int
        /// Field values (same caveat as rows).
        public var values: Int
        public var bytes: Int
        public var bytesPerValue: Double
    }
    public struct Database: Codable, Sendable {
        public var name: String
        public var partitions: [Partition]
        public var series: Int
        public var rows: Int
        public var values: Int
        /// Segment bytes.
        public var segmentBytes: Int
        /// Every byte in the database folder: segments, manifest, WAL.
        public var bytes: Int
        /// Segments and manifest (what holds `values`); the WAL holds the head.
        public var storedBytes: Int
        /// `storedBytes / values`: every byte on disk that holds the values (timestamps,
        /// blocks, indexes, footers, manifest) divided by the number of field values.
        public var bytesPerValue: Double
        /// Values in memory not yet flushed (they are in the WAL).
        public var headValues: Int
        public var walBytes: Int
        public var measurements: [String]
        /// The rollup of this database, when rollups are enabled.
        public var rollup: Rollup?
    }
    public struct Rollup: Codable, Sendable {
        public var name: String
        /// Buckets before this time are materialised (RFC 3339), or nil before the first run.
        public var watermark: String?
        /// Buckets waiting to be recomputed after late rows.
        public var staleBuckets: Int
        public var lastRun: String?
        public var lastRunBuckets: Int
        public var lastRunMilliseconds: Double
        public var bucketsWritten: Int
        public var bucketsRecomputed: Int
        /// Rollup rows' field values and bytes on disk (segments + manifest).
        public var values: Int
        public var bytes: Int
        /// Retention totals.
        public var droppedPartitions: Int
        public var droppedRows: Int
        public var droppedBytes: Int
    }
    public var dataDirectory: String
    public var databases: [Database]
    public var totalValues: Int
    public var totalBytes: Int
    public var bytesPerValue: Double
    /// How long opening the store took, in milliseconds.
    public var openMilliseconds: Double
}

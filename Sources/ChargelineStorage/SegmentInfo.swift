/// What the manifest records about one segment file: enough to plan reads and report sizes
/// without opening it.
package struct SegmentInfo: Codable, Sendable, Equatable {
    /// File id (the file is `FileNames.segment(id)` in its partition folder).
    package var id: UInt64
    /// Data generation: a segment with a higher `seq` holds newer writes and wins on equal
    /// (series, field, timestamp). A compacted segment takes the highest `seq` of its inputs.
    package var seq: UInt64
    /// 0 for a head flush; inputs' level + 1 for a compaction.
    package var level: Int
    /// Start of the partition (ns, UTC).
    package var partitionStart: Int64
    package var minTime: Int64
    package var maxTime: Int64
    package var series: Int
    /// Distinct (series, timestamp) pairs.
    package var rows: Int
    /// Field values.
    package var values: Int
    /// File size in bytes.
    package var bytes: Int
}

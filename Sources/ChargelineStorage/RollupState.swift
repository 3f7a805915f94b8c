/// The persisted progress of a database's rollup (`<db>/ROLLUPS`, a `ChecksummedJSONFile`):
/// every bucket before `watermark` is materialised except the `stale` ones, which late rows
/// touched and which the next run recomputes. Written after the rollup rows it describes are
/// durable, so a restart in the middle of a run repeats at most the unfinished part, and
/// recomputing a bucket writes the same row again (last write wins): no gaps, no double count.
package struct RollupState: Codable, Sendable, Equatable {
    /// Buckets with start < watermark are materialised; nil before the first run.
    package var watermark: Int64?
    /// Series key -> bucket starts to recompute.
    package var stale: [String: [Int64]] = [:]
    /// When the last run finished (ns since the epoch), and what it did.
    package var lastRun: Int64?
    package var lastRunBuckets = 0
    package var lastRunMilliseconds = 0.0
    /// Totals since the database was created.
    package var bucketsWritten = 0
    package var bucketsRecomputed = 0
    /// Retention totals (raw and rollup drops), for `inspect`.
    package var droppedPartitions = 0
    package var droppedRows = 0
    package var droppedBytes = 0
    /// The late log (optional: absent in files written before it existed): the sequence number
    /// of the latest batch with late rows, and per bucket start the sequence of the latest one
    /// that marked it, as `[start, sequence]` pairs sorted by start.
    package var lateSequence: UInt64?
    package var lateBuckets: [[Int64]]?

    package init() {}

    package static let fileName = "ROLLUPS"
    package static let magic: [UInt8] = Array("CLRS".utf8)
    package static let version: UInt16 = 1
    private static let file = ChecksummedJSONFile(magic: magic, version: version, what: "rollup state",
                                                    remedy: "run `chargeline repair --data DIR` (server stopped): the next rollup run then recomputes every bucket; or restore it from a backup")

    package static func load(directory: String) throws -> RollupState? {
        try file.load(RollupState.self, directory: directory, name: fileName)
    }

    package func store(directory: String) throws {
        try RollupState.file.store(self, directory: directory, name: RollupState.fileName)
    }
}

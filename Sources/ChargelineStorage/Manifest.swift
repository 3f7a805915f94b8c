import ChargelineCore
import Foundation

/// The durable description of a database: which segment files exist, from which WAL segment
/// replay starts, the field schema. Stored as a `ChecksummedJSONFile` (atomic replace).
///
/// ```
/// ┌───────────────┬───────────────┬─────────────┬──────────────┬──────────────┬──────────────┐
/// │ magic "CLMF"  │ version <u16> │ 0 <u16>     │ length <u32> │ crc <u32>    │ JSON <length>│
/// └───────────────┴───────────────┴─────────────┴──────────────┴──────────────┴──────────────┘
/// ```
/// `crc` is CRC-32C over the JSON bytes.
package struct Manifest: Codable, Sendable, Equatable {
    /// Partition length in ns (default one UTC day). Fixed when the database is created.
    package var partitionDuration: Int64
    /// Replay WAL segments with id >= this; older ones are covered by segment files.
    package var walReplayFrom: UInt64
    /// Next segment file id.
    package var nextSegmentID: UInt64
    /// Next data generation (see `SegmentInfo.seq`).
    package var nextSeq: UInt64
    /// Every live segment, ordered by partition then seq.
    package var segments: [SegmentInfo]
    /// Field types per measurement.
    package var schema: [String: [String: String]]
    /// Deletes not yet applied everywhere by compaction (absent: none).
    package var tombstones: [Tombstone]?

    package static let magic: [UInt8] = Array("CLMF".utf8)
    package static let version: UInt16 = 1

    package init(partitionDuration: Int64) {
        self.partitionDuration = partitionDuration
        walReplayFrom = 1
        nextSegmentID = 1
        nextSeq = 1
        segments = []
        schema = [:]
    }

    /// The schema as typed values.
    package var typedSchema: Schema {
        var s = Schema()
        for (m, fields) in schema {
            for (f, t) in fields {
                if let type = FieldType.allCases.first(where: { $0.description == t }) { s.record(f, type, in: m) }
            }
        }
        return s
    }

    package mutating func setSchema(_ s: Schema) {
        schema = s.measurements.mapValues { $0.mapValues { $0.description } }
    }

    private static let file = ChecksummedJSONFile(magic: magic, version: version, what: "manifest",
                                                    remedy: "run `chargeline repair --data DIR` (server stopped) to rebuild it from the segment files, or restore it from a backup")

    /// Reads `directory/MANIFEST`, or nil when there is none.
    package static func load(directory: String) throws -> Manifest? {
        try file.load(Manifest.self, directory: directory, name: FileNames.manifest)
    }

    /// Writes the manifest atomically into `directory`.
    package func store(directory: String) throws {
        try Manifest.file.store(self, directory: directory, name: FileNames.manifest)
    }
}

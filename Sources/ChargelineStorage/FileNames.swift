import ChargelineCore
import ChargelineLog

/// Every on-disk name the storage engine uses, in one place (see docs/format.md).
///
/// ```
/// DATA/
///   <database>/
///     MANIFEST                      current manifest (replaced atomically)
///     MANIFEST.tmp                  a manifest being written (ignored and removed at open)
///     wal/00000000000000000001.wal  WAL segments, replayed from the manifest's walReplayFrom
///     quarantine/                   damaged WAL files and tails, kept for inspection (never read)
///     partitions/20261120T000000Z/  one folder per time partition (UTC start)
///       00000000000000000007.seg    immutable columnar segment files
///       00000000000000000008.seg.tmp a segment being written (removed at open)
///     quarantine/                   damaged files moved aside (segments at start-up or by
///                                   `chargeline repair`, WAL segments by replay); never read
/// ```
package enum FileNames {
    package static let manifest = "MANIFEST"
    package static let manifestTemp = "MANIFEST.tmp"
    package static let walDirectory = "wal"
    package static let partitionsDirectory = "partitions"
    package static let quarantineDirectory = "quarantine"
    package static let walSuffix = ".wal"
    package static let segmentSuffix = ".seg"
    package static let tempSuffix = ".tmp"

    /// `00000000000000000042.wal`: zero padded so lexical order is numeric order.
    package static func walSegment(_ id: UInt64) -> String { LogSegmentNames.name(id, suffix: walSuffix) }

    /// `00000000000000000042.seg`.
    package static func segment(_ id: UInt64) -> String { padded(id) + segmentSuffix }

    /// The folder name of the partition starting at `start` (ns since the epoch, UTC):
    /// `20261120T000000Z`.
    package static func partition(start: Int64) -> String {
        let c = CivilTime(nanoseconds: start)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var year = String(c.year)
        while year.count < 4 { year = "0" + year }
        return "\(year)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    /// Parses the numeric id of a `.wal` or `.seg` file name.
    package static func id(of name: String, suffix: String) -> UInt64? {
        LogSegmentNames.id(of: name, suffix: suffix)
    }

    private static func padded(_ id: UInt64) -> String {
        let s = String(id)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s
    }
}

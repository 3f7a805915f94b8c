package import ChargelineCore
import Foundation

/// A delete: the points of some series in a time range that existed when it was made.
///
/// It covers the series of `measurement` (all of them when `keys` is nil, else those keys)
/// with timestamps in `[start, end)`, in every source whose data generation (`SegmentInfo.seq`,
/// a frozen head's seq) is below `seq`. A delete flushes the head first and takes the next
/// generation as its `seq`, so everything written before it is older and everything written
/// after it (later heads, later segments) is newer: a point written after the delete with a
/// timestamp in its range stays visible, as in InfluxDB 1.x.
///
/// Durable as a WAL record (kind 2, this value as JSON) and in the manifest, which keeps it
/// until every partition in `pending` has been compacted (compaction applies it physically)
/// or dropped by retention.
package struct Tombstone: Codable, Sendable, Equatable {
    /// Data generation: sources older than this are affected. Unique per database (one
    /// generation is taken per delete), so it also names the tombstone.
    package var seq: UInt64
    package var measurement: String
    /// Series keys (escaped, as stored), sorted; nil: every series of `measurement`.
    package var keys: [String]?
    package var start: Int64
    package var end: Int64
    /// `DROP MEASUREMENT`: the measurement also leaves the schema.
    package var dropsMeasurement: Bool?
    /// Partition starts still holding data it covers (older segments than `seq`).
    package var pending: [Int64]
    /// The rollup rows of the range are not yet removed and their edge hours not yet marked for
    /// recomputation (done right after the delete, and again at open if a crash interrupted it).
    package var rollupPending: Bool?

    package var range: TimeRange { TimeRange(start: start, end: end) }

    /// Whether it covers all time (a dropped series or measurement: it also leaves the catalog).
    package var coversAllTime: Bool { start == Int64.min && end == Int64.max }

    /// The WAL payload.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(try encoder.encode(self))
    }

    /// Reads a WAL payload; nil when it is not a tombstone.
    static func decode(_ bytes: ArraySlice<UInt8>) -> Tombstone? {
        try? JSONDecoder().decode(Tombstone.self, from: Data(bytes))
    }
}

/// The tombstones a read honours, prepared for matching series keys.
struct TombstoneFilter: Sendable {
    struct Entry: Sendable {
        let seq: UInt64
        let prefix: [UInt8]
        let keys: Set<[UInt8]>?
        let range: TimeRange
        let allTime: Bool
    }
    let entries: [Entry]

    static let none = TombstoneFilter([])

    init(_ tombstones: [Tombstone]) {
        entries = tombstones.map { t in
            Entry(seq: t.seq, prefix: Database.measurementPrefix(t.measurement),
                  keys: t.keys.map { Set($0.map { Array($0.utf8) }) }, range: t.range, allTime: t.coversAllTime)
        }
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Appends to `out` the (seq, range) of every tombstone covering series `key`.
    func matching(_ key: [UInt8], into out: inout [(seq: UInt64, range: TimeRange)]) {
        out.removeAll(keepingCapacity: true)
        for e in entries where e.keys?.contains(key) ?? Database.isSeries(key[...], ofMeasurement: e.prefix) {
            out.append((e.seq, e.range))
        }
    }

    /// Whether series `key` of a source of generation `seq` is erased for all time (dropped).
    func erases(_ key: ArraySlice<UInt8>, sourceSeq seq: UInt64) -> Bool {
        for e in entries where e.allTime && seq < e.seq {
            if let keys = e.keys { if keys.contains(Array(key)) { return true } } else if Database.isSeries(key, ofMeasurement: e.prefix) { return true }
        }
        return false
    }
}

extension ColumnData {
    /// These values without those whose timestamp lies in one of `ranges` (sorted values in,
    /// sorted values out).
    func removing(_ ranges: [TimeRange]) -> ColumnData {
        var out = ColumnData(type: type)
        var runStart = 0
        for i in 0..<count {
            let t = timestamps[i]
            if ranges.contains(where: { $0.contains(t) }) {
                out.append(contentsOf: self, runStart..<i)
                runStart = i + 1
            }
        }
        out.append(contentsOf: self, runStart..<count)
        return out
    }
}

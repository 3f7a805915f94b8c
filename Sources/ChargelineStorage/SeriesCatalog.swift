package import ChargelineCore
import Foundation

/// The series of one measurement with their tags, its field types, and postings from each
/// tag value to the series that carry it: what the query planner filters and groups by
/// without touching data blocks. Immutable; `Store.catalog` rebuilds it when segments or
/// heads gain series.
package final class SeriesCatalog: @unchecked Sendable {
    /// One series.
    package struct Entry: Sendable {
        /// Canonical key bytes.
        package let key: [UInt8]
        /// Tags in key order (unescaped).
        package let tags: [(key: String, value: String)]

        /// The value of tag `name`, or "" (InfluxQL treats a missing tag as the empty string).
        package func tag(_ name: String) -> String {
            for t in tags where t.key == name { return t.value }
            return ""
        }
    }

    package let measurement: String
    /// Series sorted by key.
    package let series: [Entry]
    /// Field name -> type.
    package let fields: [String: FieldType]
    /// Tag keys, sorted.
    package let tagKeys: [String]
    /// Tag key -> value -> indices into `series`, ascending.
    package let postings: [String: [String: [Int]]]
    /// Tag key -> `valueRanks(of:)`, filled on first use (the catalog is otherwise immutable).
    private var ranks: [String: [Int32]] = [:]
    private let ranksLock = NSLock()

    package init(measurement: String, keys: [[UInt8]], fields: [String: FieldType]) {
        self.measurement = measurement
        let sorted = keys.sorted { $0.lexicographicallyPrecedes($1) }
        var entries: [Entry] = []
        entries.reserveCapacity(sorted.count)
        var postings: [String: [String: [Int]]] = [:]
        for key in sorted {
            let parsed = SeriesKey.parse(key)
            for t in parsed.tags { postings[t.key, default: [:]][t.value, default: []].append(entries.count) }
            entries.append(Entry(key: key, tags: parsed.tags))
        }
        series = entries
        self.fields = fields
        self.postings = postings
        tagKeys = postings.keys.sorted()
    }

    /// Per series (index into `series`), the rank of its value of tag `key` among that tag's
    /// distinct values in `String` order, a series without the tag having the value "" (as
    /// InfluxQL treats it). Sorting series by ranks sorts them by tag values with integer
    /// compares, so grouping thousands of series costs no string work per query. Computed
    /// once per catalog and tag key; thread-safe.
    package func valueRanks(of key: String) -> [Int32] {
        ranksLock.lock(); defer { ranksLock.unlock() }
        if let r = ranks[key] { return r }
        let byValue = postings[key] ?? [:]
        // "" sorts before every value: series without the tag keep rank 0, the values follow.
        var r = [Int32](repeating: 0, count: series.count)
        for (rank, value) in byValue.keys.sorted().enumerated() {
            for i in byValue[value]! { r[i] = Int32(rank + 1) }
        }
        ranks[key] = r
        return r
    }
}

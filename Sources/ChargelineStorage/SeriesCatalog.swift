package import ChargelineCore

/// The series of one measurement with their tags, its field types, and postings from each
/// tag value to the series that carry it: what the query planner filters and groups by
/// without touching data blocks. Immutable; `Store.catalog` rebuilds it when segments or
/// heads gain series.
package final class SeriesCatalog: Sendable {
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
}

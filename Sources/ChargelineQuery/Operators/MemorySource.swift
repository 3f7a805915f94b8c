import ChargelineCore
import ChargelineStorage

/// A subquery's result as a data source: one series per result series (its tags), one field
/// per non-time column, typed by its first non-null value.
struct MemorySource: DataSource {
    let catalogs: [SeriesCatalog]
    private let data: [[UInt8]: [String: ColumnData]]

    init(_ results: [ResultSeries]) {
        var data: [[UInt8]: [String: ColumnData]] = [:]
        var keysByName: [String: [[UInt8]]] = [:]
        var fieldsByName: [String: [String: FieldType]] = [:]
        for s in results {
            let key = SeriesKey.make(measurement: s.name, tags: Dictionary(s.tags.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
            keysByName[s.name, default: []].append(key)
            for (c, column) in s.columns.enumerated() where c > 0 {
                var col = data[key]?[column] ?? ColumnData(type: .float)
                var typed = data[key]?[column] != nil
                for row in s.values {
                    guard case .time(let t) = row[0] else { continue }
                    let v = row[c]
                    if !typed {
                        switch v {
                        case .integer, .time: col.type = .integer
                        case .unsigned: col.type = .unsigned
                        case .boolean: col.type = .boolean
                        case .string: col.type = .string
                        case .float: col.type = .float
                        case .null: continue
                        }
                        typed = true
                    }
                    switch (col.type, v) {
                    case (.float, _): guard let d = v.number else { continue }; col.bits.append(d.bitPattern)
                    case (.integer, .integer(let i)): col.bits.append(UInt64(bitPattern: i))
                    case (.integer, .time(let i)): col.bits.append(UInt64(bitPattern: i))
                    case (.unsigned, .unsigned(let u)): col.bits.append(u)
                    case (.boolean, .boolean(let b)): col.bits.append(b ? 1 : 0)
                    case (.string, .string(let s)): col.appendString(Array(s.utf8))
                    default: continue
                    }
                    col.timestamps.append(t)
                }
                if typed {
                    data[key, default: [:]][column] = col
                    fieldsByName[s.name, default: [:]][column] = col.type
                }
            }
        }
        self.data = data
        catalogs = keysByName.keys.sorted().map { SeriesCatalog(measurement: $0, keys: keysByName[$0]!, fields: fieldsByName[$0] ?? [:]) }
    }

    func scan(keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        keys.map { key in
            SeriesScan(key: key, fields: fields.map { name in
                guard let col = data[key]?[name] else { return nil }
                var sorted = col
                if !zip(col.timestamps, col.timestamps.dropFirst()).allSatisfy({ $0 <= $1 }) {
                    let order = col.timestamps.indices.sorted { col.timestamps[$0] < col.timestamps[$1] }
                    sorted = ColumnData(type: col.type)
                    for i in order { sorted.append(from: col, at: i) }
                }
                let chunk = ScanChunk(data: sorted, range: range)
                let clipped = try? chunk.decode()
                guard let clipped, clipped.count > 0 else { return nil }
                return FieldScan(name: name, type: col.type, chunks: [ScanChunk(data: clipped, range: range)])
            })
        }
    }
}

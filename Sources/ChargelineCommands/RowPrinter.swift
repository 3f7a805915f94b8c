import ChargelineCore
import ChargelineStorage

/// Prints raw rows (one per series and timestamp) as a table, CSV or JSON lines.
struct RowPrinter {
    let format: QueryCommand.OutputFormat
    let limit: Int
    var epochNanoseconds = false

    func print(_ series: [SeriesReadResult]) throws {
        let tagKeys = Array(Set(series.flatMap { $0.tags.map(\.key) })).sorted()
        let fieldNames = Array(Set(series.flatMap { $0.columns.map(\.name) })).sorted()
        let headers = ["time"] + tagKeys + fieldNames
        var table = TextTable(headers: headers)
        var emitted = 0
        var out = Terminal.BufferedOut()
        defer { out.flush() }
        if format == .csv { out.write(headers.map(csv).joined(separator: ",") + "\n") }
        outer: for s in series {
            let tags = Dictionary(s.tags.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            let positions = fieldNames.map { name in s.columns.firstIndex { $0.name == name } }
            for row in s.rows() {
                if limit > 0 && emitted >= limit { break outer }
                emitted += 1
                let values: [String] = positions.map { p in
                    guard let p, let v = row.values[p] else { return "" }
                    return render(v)
                }
                let time = epochNanoseconds ? String(row.timestamp) : CivilTime(nanoseconds: row.timestamp).rfc3339
                let cells = [time] + tagKeys.map { tags[$0] ?? "" } + values
                switch format {
                case .table: table.add(cells)
                case .csv: out.write(cells.map(csv).joined(separator: ",") + "\n")
                case .json:
                    var parts = ["\"time\":\(row.timestamp)", "\"series\":\(json(s.key))"]
                    for k in tagKeys { if let v = tags[k] { parts.append("\(json(k)):\(json(v))") } }
                    for (i, name) in fieldNames.enumerated() {
                        if let p = positions[i], let v = row.values[p] { parts.append("\(json(name)):\(jsonValue(v))") }
                    }
                    out.write("{" + parts.joined(separator: ",") + "}\n")
                }
            }
        }
        if format == .table {
            out.write(table.render())
            out.write("\(emitted) rows from \(series.count) series\n")
        }
    }

    private func render(_ v: FieldValue) -> String {
        switch v {
        case .float(let d): "\(d)"
        case .integer(let i): "\(i)"
        case .unsigned(let u): "\(u)"
        case .boolean(let b): b ? "true" : "false"
        case .string(let s): s
        }
    }

    private func csv(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func json(_ s: String) -> String {
        JSONText.quote(s)
    }

    private func jsonValue(_ v: FieldValue) -> String {
        switch v {
        case .float(let d): d.isFinite ? "\(d)" : "null"
        case .integer(let i): "\(i)"
        case .unsigned(let u): "\(u)"
        case .boolean(let b): b ? "true" : "false"
        case .string(let s): json(s)
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}

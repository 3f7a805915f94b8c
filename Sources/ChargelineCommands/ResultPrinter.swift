import ChargelineCore
import Foundation

/// Prints a `/query` JSON body as a table per series, CSV (`name,tags,time,...` as the influx
/// CLI does), or the JSON itself. Returns whether any statement failed (errors, and warnings
/// such as an unknown measurement answered with nothing, go to stderr).
struct ResultPrinter {
    let format: QueryCommand.OutputFormat
    /// Say "no data" (on stderr) for a statement that answered no series: for queries that
    /// read (SELECT, SHOW), not for CREATE and the like, which answer none by design.
    var reportsEmpty = false

    func print(_ body: String) throws -> Bool {
        if format == .json {
            Terminal.out(body + "\n")
            return body.contains("\"error\"")
        }
        guard let root = try? JSONDecoder().decode(Body.self, from: Data(body.utf8)) else {
            throw ChargelineError(.badInput, "the answer is not InfluxDB JSON: \(body.prefix(200))")
        }
        if let e = root.error {
            Terminal.error(errorLine(e))
            return true
        }
        var failed = false
        var out = ""
        var csvHeader: [String]? = nil
        for (index, result) in (root.results ?? []).enumerated() {
            if let e = result.error {
                Terminal.error(errorLine(e))
                failed = true
                continue
            }
            for m in result.messages ?? [] { Terminal.error("\(m.level): \(m.text)") }
            if reportsEmpty && (result.series ?? []).isEmpty && (result.messages ?? []).isEmpty {
                // Said on stderr, so a script reading the table or CSV gets nothing extra.
                let which = (root.results?.count ?? 0) > 1 ? "statement \(index + 1): " : ""
                Terminal.error("\(which)no data: nothing matched (check the database, the measurement and the time range)")
            }
            for series in result.series ?? [] {
                let name = series.name ?? ""
                let tags = (series.tags ?? [:]).sorted { $0.key < $1.key }
                let columns = series.columns
                let values = (series.values ?? []).map { $0.map(\.text) }
                switch format {
                case .table:
                    if !name.isEmpty { out += "name: \(name)\n" }
                    if !tags.isEmpty { out += "tags: " + tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "\n" }
                    var table = TextTable(headers: columns)
                    for row in values { table.add(row) }
                    out += table.render() + "\n"
                case .csv:
                    let header = ["name", "tags"] + columns
                    if csvHeader != header { out += header.map(Self.csv).joined(separator: ",") + "\n"; csvHeader = header }
                    let tagText = tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    for row in values { out += ([name, tagText] + row).map(Self.csv).joined(separator: ",") + "\n" }
                case .json:
                    break
                }
            }
        }
        Terminal.out(out)
        return failed
    }

    static func csv(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

/// The `/query` JSON shape.
private struct Body: Decodable {
    var results: [Result]?
    var error: String?
    struct Result: Decodable {
        var error: String?
        var series: [Series]?
        var messages: [Message]?
    }
    struct Message: Decodable {
        var level: String
        var text: String
    }
    struct Series: Decodable {
        var name: String?
        var tags: [String: String]?
        var columns: [String]
        var values: [[Cell]]?
    }
    struct Cell: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { text = "" } else if let b = try? c.decode(Bool.self) { text = b ? "true" : "false" } else if let i = try? c.decode(Int64.self) {
                text = String(i)
            } else if let d = try? c.decode(Double.self) { text = "\(d)" } else { text = try c.decode(String.self) }
        }
    }
}

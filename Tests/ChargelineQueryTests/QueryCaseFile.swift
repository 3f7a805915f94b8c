import Foundation

/// A `.test` file: data blocks and queries with expected answers, DuckDB sqllogictest style.
///
/// ```
/// # comment
/// data
/// telemetry,pile=P1 voltage=400 1795132800000000000
/// ----
///
/// query now=2026-11-20T01:00:00Z epoch=s db=fleet params={"pile":"P1"} rp=autogen
/// SELECT mean(voltage) FROM telemetry
/// ----
/// {"results":[{"statement_id":0,"series":[...]}]}
/// ```
/// `db=` (empty: no database, as a request without `db=`), `params=` (bound parameters as
/// JSON, without spaces) and `rp=` are the `/query` parameters of that name.
/// The expected answer is the exact `/query` JSON body on one line, or `error: <text>` for a
/// query that must fail with a message containing `<text>`, or `contains: <text>` for an
/// answer that must contain `<text>` (parts of it vary, such as a duration).
struct QueryCaseFile {
    struct Query {
        var line: Int
        var text: String
        var options: [String: String]
        var expected: String
    }

    var data: [String] = []
    var queries: [Query] = []

    init(parsing text: String, name: String) throws {
        let lines = text.components(separatedBy: "\n")
        var i = 0
        func block() -> [String] {
            var out: [String] = []
            while i < lines.count, lines[i] != "----" { out.append(lines[i]); i += 1 }
            i += 1
            return out
        }
        while i < lines.count {
            let line = lines[i].trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { i += 1; continue }
            if line == "data" {
                i += 1
                data += block()
            } else if line.hasPrefix("query") {
                let start = i + 1
                var options: [String: String] = [:]
                for word in line.split(separator: " ").dropFirst() {
                    let kv = word.split(separator: "=", maxSplits: 1)
                    options[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
                }
                i += 1
                let q = block().joined(separator: "\n")
                var expected: [String] = []
                while i < lines.count, !lines[i].trimmingCharacters(in: .whitespaces).isEmpty { expected.append(lines[i]); i += 1 }
                queries.append(Query(line: start, text: q, options: options, expected: expected.joined(separator: "\n")))
            } else {
                throw NSError(domain: "QueryCaseFile", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(name):\(i + 1): expected data, query or a comment, found \(line)"])
            }
        }
    }
}

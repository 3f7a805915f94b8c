package import ChargelineFrontEnd
package import ChargelineHTTPAPI

/// A `QueryHandler` for server tests that need no query engine: `CREATE DATABASE <name>` and
/// `SHOW DATABASES` against the sink; every other statement is refused with a 400 that says so.
package struct FakeQueryHandler: QueryHandler {
    private let sink: any IngestSink

    /// A handler that lists and creates databases through `sink`.
    package init(sink: any IngestSink) {
        self.sink = sink
    }

    /// Answers synchronously (both statements are cheap), calling `completion` before returning.
    package func handle(_ request: QueryRequest, completion: @escaping @Sendable (QueryResponse) -> Void) {
        completion(answer(request))
    }

    private func answer(_ request: QueryRequest) -> QueryResponse {
        let statements = Self.splitStatements(request.statement)
        guard !statements.isEmpty else {
            return .error("missing required parameter \"q\"")
        }
        var results: [String] = []
        for (id, statement) in statements.enumerated() {
            let words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            let upper = words.prefix(2).map { $0.uppercased() }
            if upper == ["SHOW", "DATABASES"], words.count == 2 {
                let values = sink.databases().sorted().map { "[\(JSON.string($0))]" }.joined(separator: ",")
                let series = values.isEmpty
                    ? "{\"name\":\"databases\",\"columns\":[\"name\"]}"
                    : "{\"name\":\"databases\",\"columns\":[\"name\"],\"values\":[\(values)]}"
                results.append("{\"statement_id\":\(id),\"series\":[\(series)]}")
            } else if upper == ["CREATE", "DATABASE"], words.count == 3 {
                let name = Self.unquoteIdentifier(words[2])
                if let problem = DatabaseName.problem(with: name) {
                    return .error("CREATE DATABASE: \(problem)")
                }
                do {
                    try sink.createDatabase(name)
                    results.append("{\"statement_id\":\(id)}")
                } catch {
                    results.append("{\"statement_id\":\(id),\"error\":\(JSON.string(String(describing: error)))}")
                }
            } else {
                let shown = statement.count > 80 ? String(statement.prefix(80)) + "..." : statement
                return .error(
                    "statement not supported yet: \(shown); this server answers only "
                        + "CREATE DATABASE <name> and SHOW DATABASES until the query engine is enabled")
            }
        }
        return QueryResponse(status: 200, json: "{\"results\":[\(results.joined(separator: ","))]}")
    }

    /// Splits on `;` outside double or single quotes, dropping empty statements.
    package static func splitStatements(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quote: Character? = nil
        var escaped = false
        for ch in text {
            if escaped {
                escaped = false
            } else if ch == "\\" && quote != nil {
                escaped = true
            } else if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == ";" {
                out.append(current)
                current = ""
                continue
            }
            current.append(ch)
        }
        out.append(current)
        return out.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// `"my db"` -> `my db`, `mydb` -> `mydb`, with `\"` unescaped.
    package static func unquoteIdentifier(_ word: Substring) -> String {
        guard word.count >= 2, word.first == "\"", word.last == "\"" else { return String(word) }
        var out = ""
        var escaped = false
        for ch in word.dropFirst().dropLast() {
            if escaped { out.append(ch); escaped = false } else if ch == "\\" { escaped = true } else { out.append(ch) }
        }
        return out
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    package func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}

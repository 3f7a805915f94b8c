public import ChargelineCore

/// A query that cannot be parsed, planned or run: what went wrong and, where it is known, the
/// byte offset in the query text. `describe(in:)` renders line, column and a caret.
public struct QueryError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Kind: String, Sendable {
        /// The text does not follow the grammar.
        case syntax = "syntax error"
        /// The query is well formed but asks for something that cannot be answered
        /// (unknown function, field or measurement; wrong argument).
        case semantic = "error"
        /// A configured limit was hit (time, points scanned, buckets).
        case limit = "limit exceeded"
        /// Reading storage failed.
        case storage = "storage error"
    }

    public let kind: Kind
    /// What went wrong and what to do.
    public let message: String
    /// Byte offset in the query text, when known.
    public let offset: Int?

    public init(_ kind: Kind, _ message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The message with `at line L, column C`, the offending line and a caret under the
    /// column, e.g.
    /// ```
    /// syntax error at line 1, column 8: expected a field, function or * after SELECT, found FROM
    ///   SELECT FROM telemetry
    ///          ^
    /// ```
    public func describe(in query: String) -> String {
        guard let offset else { return description }
        let bytes = Array(query.utf8)
        let at = min(max(0, offset), bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<at where bytes[i] == 10 {
            line += 1
            lineStart = i + 1
        }
        var lineEnd = lineStart
        while lineEnd < bytes.count, bytes[lineEnd] != 10 { lineEnd += 1 }
        let before = String(decoding: bytes[lineStart..<at], as: UTF8.self)
        let column = before.count + 1
        let text = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
        return "\(kind.rawValue) at line \(line), column \(column): \(message)\n  \(text)\n  \(String(repeating: " ", count: column - 1))^"
    }

    /// As a `ChargelineError` (bad input, or limit), keeping the caret rendering.
    public func chargelineError(query: String) -> ChargelineError {
        ChargelineError(kind == .limit ? .limit : kind == .storage ? .io : .badInput, describe(in: query))
    }
}

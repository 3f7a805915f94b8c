/// One lexical token of a query, with the byte offset where it starts (for error carets).
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A bare or double-quoted identifier; `quoted` identifiers are never keywords.
        case identifier(String, quoted: Bool)
        /// A single-quoted string literal.
        case string(String)
        case integer(Int64)
        case number(Double)
        /// A duration literal such as `10s`, `1h30m` (nanoseconds).
        case duration(Int64, text: String)
        /// A `/regex/` literal (only produced when the parser asks for one).
        case regex(String)
        /// An operator or punctuation: `= != <> < <= > >= =~ !~ + - * / % ( ) , ; . ::`.
        case symbol(String)
        case end
    }

    var kind: Kind
    /// Byte offset into the query text.
    var offset: Int

    /// The keyword this token spells (upper-cased), when it is a bare identifier.
    var keyword: String? {
        if case .identifier(let s, quoted: false) = kind { return s.uppercased() }
        return nil
    }

    /// How the token reads in an error message.
    var shown: String {
        switch kind {
        case .identifier(let s, let quoted): quoted ? "\"\(s)\"" : s
        case .string(let s): "'\(s)'"
        case .integer(let v): "\(v)"
        case .number(let v): "\(v)"
        case .duration(_, let text): text
        case .regex(let r): "/\(r)/"
        case .symbol(let s): s
        case .end: "end of query"
        }
    }
}

/// Recursive-descent parser for Chargeline's InfluxQL dialect. Produces `Statement`s with names
/// unresolved; every error carries the offset of the token that was unexpected.
///
/// Grammar (keywords case-insensitive):
/// ```
/// query      = statement { ";" statement } [ ";" ]
/// statement  = select | "EXPLAIN" [ "ANALYZE" ] select | show | create | alter | drop | delete | kill
///            | grant | revoke | set_password   (Parser+Users)
///              (DDL: Parser+DDL.swift)
/// select     = "SELECT" field { "," field } "FROM" source { "," source } [ "WHERE" expr ]
///              [ "GROUP" "BY" dimension { "," dimension } ] [ "fill" "(" fillopt ")" ]
///              [ "HAVING" expr ] [ "ORDER" "BY" "time" [ "ASC" | "DESC" ] ]
///              [ "LIMIT" int ] [ "OFFSET" int ] [ "SLIMIT" int ] [ "SOFFSET" int ] [ "tz" "(" string ")" ]
/// dimension  = "time" "(" duration [ "," duration ] ")" | "state" "(" ident ")"
///            | "episode" "(" expr "," duration ")" | ident | "*" | regex
/// expr       = or ; or = and { "OR" and } ; and = cmp { "AND" cmp }
/// cmp        = sum [ ( "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" | "=~" | "!~" ) sum ]
/// sum        = product { ( "+" | "-" ) product } ; product = unary { ( "*" | "/" | "%" ) unary }
/// unary      = [ "-" ] primary
/// primary    = ident [ "(" [ expr { "," expr } ] ")" ] [ "::" ident ] | number | duration
///            | string | "true" | "false" | regex | "*" | "(" expr ")"
/// ```
struct Parser {
    private var lexer: Lexer
    private(set) var token: Token
    /// Offset just past the previous token (for "expected X after Y" carets at end of input).
    private var previousEnd = 0
    /// Parentheses, function calls, signs and subqueries open around the current token.
    private var nesting = 0
    /// Subqueries open around the current token.
    private var subqueries = 0

    /// How deeply parentheses, function calls, signs and subqueries may nest. The parser,
    /// planner and evaluator recurse once (the parser several frames) per level; far beyond
    /// any query a person or Grafana writes, far below what a thread's stack holds.
    static let maxNesting = 100
    /// How deep an expression tree may be: each operator of a chain adds a level
    /// (`a + b + c` is 3 deep), so a long OR list of tag values fits.
    static let maxExpressionDepth = 1_000
    /// How deeply subqueries may nest: each level plans and runs a whole SELECT.
    static let maxSubqueryNesting = 16

    init(_ query: String, parameters: [String: QueryParameter] = [:]) throws {
        lexer = Lexer(query, parameters: parameters)
        token = Token(kind: .end, offset: 0)
        token = try lexer.next()
    }

    /// Parses every statement of `query`.
    static func parse(_ query: String, parameters: [String: QueryParameter] = [:]) throws -> [Statement] {
        var p = try Parser(query, parameters: parameters)
        var out: [Statement] = []
        while true {
            while p.isSymbol(";") { try p.advance() }
            if case .end = p.token.kind { break }
            out.append(try p.statement())
            if case .end = p.token.kind { break }
            guard p.isSymbol(";") else {
                throw p.unexpected("; or end of query after the statement")
            }
        }
        if out.isEmpty { throw QueryError(.syntax, "empty query: expected SELECT, SHOW or CREATE DATABASE", offset: 0) }
        return out
    }

    // MARK: - Token helpers

    mutating func advance() throws {
        previousEnd = lexer.position
        token = try lexer.next()
    }

    func isSymbol(_ s: String) -> Bool {
        if case .symbol(let t) = token.kind { return t == s }
        return false
    }

    func isKeyword(_ k: String) -> Bool { token.keyword == k }

    mutating func accept(_ keyword: String) throws -> Bool {
        guard isKeyword(keyword) else { return false }
        try advance()
        return true
    }

    mutating func acceptSymbol(_ s: String) throws -> Bool {
        guard isSymbol(s) else { return false }
        try advance()
        return true
    }

    mutating func expect(_ keyword: String, _ context: String) throws {
        guard try accept(keyword) else { throw unexpected("\(keyword) \(context)") }
    }

    mutating func expectSymbol(_ s: String, _ context: String) throws {
        guard try acceptSymbol(s) else { throw unexpected("\(s) \(context)") }
    }

    /// Opens one level of nesting (a parenthesis, call, sign or subquery at the current
    /// token). - Throws: `QueryError(.syntax)` past `maxNesting`.
    mutating func enterNesting() throws {
        guard nesting < Parser.maxNesting else {
            throw QueryError(.syntax, "the query nests parentheses, function calls, signs and subqueries more than \(Parser.maxNesting) levels deep; write it flatter", offset: token.offset)
        }
        nesting += 1
    }

    mutating func leaveNesting() { nesting -= 1 }

    /// An expression node, refused when it makes the tree deeper than `maxExpressionDepth`.
    func node(_ kind: Expr.Kind, at offset: Int) throws -> Expr {
        let e = Expr(kind, at: offset)
        guard e.depth <= Parser.maxExpressionDepth else {
            throw QueryError(.syntax, "the expression is more than \(Parser.maxExpressionDepth) operators deep; split it (for a long list of tag values use one regex such as pile =~ /^(P1|P2|P3)$/)", offset: offset)
        }
        return e
    }

    /// "expected X, found Y" at the current token.
    func unexpected(_ expected: String) -> QueryError {
        QueryError(.syntax, "expected \(expected), found \(token.shown)", offset: token.offset)
    }

    /// An identifier (bare or quoted).
    mutating func identifier(_ what: String) throws -> String {
        guard case .identifier(let s, _) = token.kind else { throw unexpected(what) }
        try advance()
        return s
    }

    /// A non-negative integer literal.
    mutating func integer(_ what: String) throws -> Int {
        guard case .integer(let v) = token.kind, v >= 0, v <= Int64(Int32.max) else { throw unexpected(what) }
        try advance()
        return Int(v)
    }

    /// A duration literal, optionally negative.
    mutating func duration(_ what: String) throws -> Int64 {
        let negative = try acceptSymbol("-")
        guard case .duration(let ns, _) = token.kind else { throw unexpected(what) }
        try advance()
        return negative ? -ns : ns
    }

    /// A regex literal at the current `/` token. A pattern that is not valid RE2 syntax fails
    /// the whole query here, as in InfluxDB (its parser compiles every regex).
    mutating func regex(_ what: String) throws -> String {
        guard isSymbol("/") else { throw unexpected(what) }
        let t = try lexer.regex(at: token.offset)
        guard case .regex(let r) = t.kind else { throw unexpected(what) }
        _ = try Pattern(r, offset: t.offset)
        token = try lexer.next()
        return r
    }

    // MARK: - Statements

    mutating func statement() throws -> Statement {
        if isKeyword("SELECT") { return .select(try select()) }
        if try accept("SHOW") { return try show() }
        if try accept("EXPLAIN") {
            let analyze = try accept("ANALYZE")
            guard isKeyword("SELECT") else { throw unexpected("SELECT after EXPLAIN\(analyze ? " ANALYZE" : "")") }
            return .explain(try select(), analyze: analyze)
        }
        if try accept("KILL") {
            try expect("QUERY", "after KILL")
            let at = token.offset
            guard case .integer(let id) = token.kind, id > 0 else { throw unexpected("a query id (the qid column of SHOW QUERIES) after KILL QUERY") }
            try advance()
            if try accept("ON") { _ = try identifier("a host after ON") }  // one node: any host is this one
            return .killQuery(UInt64(id), offset: at)
        }
        if try accept("CREATE") { return try create() }
        if try accept("ALTER") { return try alter() }
        let at = token.offset
        if try accept("DROP") { return try drop(at: at) }
        if try accept("DELETE") { return try deleteSeries(dropSeries: false, at: at) }
        if try accept("SET") { return try setPassword() }
        if try accept("GRANT") { return try grantOrRevoke(revoke: false) }
        if try accept("REVOKE") { return try grantOrRevoke(revoke: true) }
        throw unexpected("SELECT, SHOW, CREATE, ALTER, DROP, DELETE, GRANT, REVOKE or SET")
    }

    mutating func select() throws -> SelectStatement {
        var s = SelectStatement()
        s.startOffset = token.offset
        try expect("SELECT", "")
        repeat {
            if isKeyword("FROM") { throw unexpected("a field, function or * after SELECT") }
            let e = try expression()
            var alias: String?
            if try accept("AS") { alias = try identifier("a column name after AS") }
            s.fields.append(SelectField(expr: e, alias: alias))
        } while try acceptSymbol(",")
        if isKeyword("INTO") {
            throw QueryError(.semantic, "SELECT ... INTO is not supported: Chargeline queries do not write", offset: token.offset)
        }
        try expect("FROM", "after the SELECT list")
        s.sources = try sources()
        if try accept("WHERE") { s.condition = try expression() }
        if try accept("GROUP") {
            try expect("BY", "after GROUP")
            try dimensions(&s)
        }
        if try accept("FILL") { s.fill = try fillOption() }
        if try accept("HAVING") { s.having = try expression() }
        if try accept("ORDER") {
            try expect("BY", "after ORDER")
            guard try accept("TIME") else { throw unexpected("time after ORDER BY (results can only be ordered by time)") }
            if try accept("DESC") { s.descending = true } else { _ = try accept("ASC") }
        }
        if try accept("LIMIT") { s.limit = try integer("a row count after LIMIT") }
        if try accept("OFFSET") { s.offset = try integer("a row count after OFFSET") }
        if try accept("SLIMIT") { s.slimit = try integer("a series count after SLIMIT") }
        if try accept("SOFFSET") { s.soffset = try integer("a series count after SOFFSET") }
        if try accept("TZ") {
            try expectSymbol("(", "after tz")
            guard case .string(let zone) = token.kind else { throw unexpected("a time zone name such as 'Asia/Shanghai' in tz()") }
            try advance()
            try expectSymbol(")", "after the time zone")
            s.timezone = zone
        }
        return s
    }

    mutating func sources() throws -> [Source] {
        var out: [Source] = []
        repeat {
            let at = token.offset
            if isSymbol("/") {
                out.append(.regex(try regex("a measurement regex"), retentionPolicy: nil, offset: at, database: nil))
            } else if isSymbol("(") {
                guard subqueries < Parser.maxSubqueryNesting else {
                    throw QueryError(.syntax, "subqueries nest more than \(Parser.maxSubqueryNesting) levels deep; write the query with fewer levels", offset: token.offset)
                }
                try enterNesting()
                subqueries += 1
                defer { subqueries -= 1; leaveNesting() }
                try advance()
                guard isKeyword("SELECT") else { throw unexpected("SELECT in a subquery") }
                out.append(.subquery(try select()))
                try expectSymbol(")", "to close the subquery")
            } else {
                // db.rp.measurement, rp.measurement or measurement (db..measurement: default rp).
                var parts = [try identifier("a measurement name, /regex/ or (subquery) after FROM")]
                var regexName: String?
                while try acceptSymbol(".") {
                    if isSymbol(".") { parts.append(""); continue }
                    if isSymbol("/") { regexName = try regex("a measurement regex"); break }
                    parts.append(try identifier("a measurement name after ."))
                }
                // The qualifiers before the measurement: [rp] or [db, rp].
                let qualifiers = regexName == nil ? Array(parts.dropLast()) : parts
                let rp = qualifiers.count >= 1 ? qualifiers[qualifiers.count - 1] : nil
                let db = qualifiers.count >= 2 && !qualifiers[qualifiers.count - 2].isEmpty ? qualifiers[qualifiers.count - 2] : nil
                if let regexName {
                    out.append(.regex(regexName, retentionPolicy: rp?.isEmpty == false ? rp : nil, offset: at, database: db))
                } else {
                    out.append(.measurement(parts.last!, retentionPolicy: rp?.isEmpty == false ? rp : nil, offset: at, database: db))
                }
            }
        } while try acceptSymbol(",")
        return out
    }

    mutating func dimensions(_ s: inout SelectStatement) throws {
        repeat {
            let at = token.offset
            if try acceptSymbol("*") {
                s.groupByAll = true
            } else if isSymbol("/") {
                s.groupByRegex.append(try regex("a tag regex"))
            } else if case .identifier(let name, let quoted) = token.kind {
                try advance()
                let lower = quoted ? "" : name.lowercased()
                if lower == "time", isSymbol("(") {
                    try advance()
                    guard case .duration(let d, _) = token.kind, d > 0 else { throw unexpected("a positive duration in time(), e.g. time(1h)") }
                    try advance()
                    if try acceptSymbol(",") {
                        if isKeyword("NOW") {
                            throw QueryError(.semantic, "time(d, now()) offsets are not supported; give the offset as a duration", offset: token.offset)
                        }
                        s.intervalOffset = try duration("an offset duration in time(d, offset)")
                    }
                    try expectSymbol(")", "to close time()")
                    guard s.interval == nil else { throw QueryError(.semantic, "GROUP BY time() given twice", offset: at) }
                    s.interval = d
                } else if lower == "state", isSymbol("(") {
                    try advance()
                    let field = try identifier("a field name in state()")
                    try expectSymbol(")", "to close state()")
                    guard s.window == nil else { throw QueryError(.semantic, "only one state() or episode() window per query", offset: at) }
                    s.window = .state(field: field, offset: at)
                } else if lower == "episode", isSymbol("(") {
                    try advance()
                    let condition = try expression()
                    var minimum: Int64 = 0
                    if try acceptSymbol(",") { minimum = try duration("a minimum duration in episode(condition, duration), e.g. 2m") }
                    try expectSymbol(")", "to close episode()")
                    guard s.window == nil else { throw QueryError(.semantic, "only one state() or episode() window per query", offset: at) }
                    s.window = .episode(condition: condition, minDuration: minimum)
                } else {
                    if try acceptSymbol("::") { _ = try identifier("tag after ::") }
                    s.groupByTags.append(name)
                }
            } else {
                throw unexpected("time(...), a tag key, * or /regex/ after GROUP BY")
            }
        } while try acceptSymbol(",")
        if try accept("FILL") { s.fill = try fillOption() }
    }

    mutating func fillOption() throws -> Fill {
        try expectSymbol("(", "after fill")
        let fill: Fill
        let negative = try acceptSymbol("-")
        switch token.kind {
        case .identifier(let w, quoted: false) where ["null", "none", "previous", "linear"].contains(w.lowercased()):
            fill = [.null, .none, .previous, .linear][["null", "none", "previous", "linear"].firstIndex(of: w.lowercased())!]
        case .integer(let v): fill = .number(Double(negative ? -v : v))
        case .number(let v): fill = .number(negative ? -v : v)
        default: throw unexpected("null, none, previous, linear or a number in fill()")
        }
        try advance()
        try expectSymbol(")", "to close fill()")
        return fill
    }
}

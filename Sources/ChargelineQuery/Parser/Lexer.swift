/// Splits query text into tokens on demand. The parser pulls one token at a time and, where a
/// regular expression may stand (after `=~`, `!~`, `FROM`, `WITH KEY =~`), asks `regex(at:)` to
/// rescan a `/` as the start of a regex, since `/` is also division.
struct Lexer {
    let text: [UInt8]
    private(set) var position = 0
    /// Values of `$name` bound parameters.
    let parameters: [String: QueryParameter]

    init(_ query: String, parameters: [String: QueryParameter] = [:]) {
        text = Array(query.utf8)
        self.parameters = parameters
    }

    /// The next token, skipping spaces and `--` / `/* */` comments.
    mutating func next() throws -> Token {
        skipTrivia()
        let start = position
        guard position < text.count else { return Token(kind: .end, offset: start) }
        let c = text[position]
        if isIdentStart(c) {
            while position < text.count, isIdentPart(text[position]) { position += 1 }
            return Token(kind: .identifier(string(start, position), quoted: false), offset: start)
        }
        if isDigit(c) || (c == UInt8(ascii: ".") && position + 1 < text.count && isDigit(text[position + 1])) {
            return try number(start)
        }
        switch c {
        case UInt8(ascii: "$"):
            return try boundParameter(start)
        case UInt8(ascii: "\""):
            return Token(kind: .identifier(try quoted(start, quote: c), quoted: true), offset: start)
        case UInt8(ascii: "'"):
            return Token(kind: .string(try quoted(start, quote: c)), offset: start)
        default:
            break
        }
        let two = position + 1 < text.count ? string(position, position + 2) : ""
        if ["!=", "<>", "<=", ">=", "=~", "!~", "::"].contains(two) {
            position += 2
            return Token(kind: .symbol(two == "<>" ? "!=" : two), offset: start)
        }
        let one = string(position, position + 1)
        if "=<>+-*/%(),;.".contains(one) {
            position += 1
            return Token(kind: .symbol(one), offset: start)
        }
        throw QueryError(.syntax, "unexpected character '\(one)'", offset: start)
    }

    /// Rescans from `offset` (a `/`) as a regex literal `/.../`; `\/` escapes a slash.
    mutating func regex(at offset: Int) throws -> Token {
        position = offset + 1
        var out: [UInt8] = []
        while position < text.count {
            let c = text[position]
            if c == UInt8(ascii: "\\"), position + 1 < text.count, text[position + 1] == UInt8(ascii: "/") {
                out.append(UInt8(ascii: "/"))
                position += 2
                continue
            }
            if c == UInt8(ascii: "/") {
                position += 1
                return Token(kind: .regex(String(decoding: out, as: UTF8.self)), offset: offset)
            }
            out.append(c)
            position += 1
        }
        throw QueryError(.syntax, "regular expression not terminated: expected a closing /", offset: offset)
    }

    /// Moves back to `offset` (to re-read a token).
    mutating func reset(to offset: Int) { position = offset }

    // MARK: - Pieces

    /// `$name` (or `$"name"`): the token its bound value spells.
    private mutating func boundParameter(_ start: Int) throws -> Token {
        position += 1
        let name: String
        if position < text.count, text[position] == UInt8(ascii: "\"") {
            name = try quoted(position, quote: UInt8(ascii: "\""))
        } else {
            let from = position
            while position < text.count, isIdentPart(text[position]) { position += 1 }
            name = string(from, position)
        }
        guard !name.isEmpty else { throw QueryError(.syntax, "expected a parameter name after $", offset: start) }
        guard let value = parameters[name] else {
            let known = parameters.keys.sorted().map { "$" + $0 }.joined(separator: ", ")
            throw QueryError(.syntax, "missing parameter: \(name) (pass params={\"\(name)\": ...}\(known.isEmpty ? "" : "; given: " + known))", offset: start)
        }
        switch value {
        case .string(let s): return Token(kind: .string(s), offset: start)
        case .integer(let v): return Token(kind: .integer(v), offset: start)
        case .number(let v): return Token(kind: .number(v), offset: start)
        case .boolean(let b): return Token(kind: .identifier(b ? "TRUE" : "FALSE", quoted: false), offset: start)
        case .identifier(let n): return Token(kind: .identifier(n, quoted: true), offset: start)
        }
    }

    private mutating func skipTrivia() {
        while position < text.count {
            let c = text[position]
            if c == 32 || c == 9 || c == 10 || c == 13 {
                position += 1
            } else if c == UInt8(ascii: "-"), position + 1 < text.count, text[position + 1] == UInt8(ascii: "-") {
                while position < text.count, text[position] != 10 { position += 1 }
            } else if c == UInt8(ascii: "/"), position + 1 < text.count, text[position + 1] == UInt8(ascii: "*") {
                position += 2
                while position + 1 < text.count, !(text[position] == UInt8(ascii: "*") && text[position + 1] == UInt8(ascii: "/")) {
                    position += 1
                }
                position = min(text.count, position + 2)
            } else {
                return
            }
        }
    }

    private mutating func number(_ start: Int) throws -> Token {
        while position < text.count, isDigit(text[position]) { position += 1 }
        var isFloat = false
        if position < text.count, text[position] == UInt8(ascii: "."), position + 1 < text.count, isDigit(text[position + 1]) {
            isFloat = true
            position += 1
            while position < text.count, isDigit(text[position]) { position += 1 }
        }
        if position < text.count, text[position] == UInt8(ascii: "e") || text[position] == UInt8(ascii: "E"),
           position + 1 < text.count, isDigit(text[position + 1]) || ((text[position + 1] == UInt8(ascii: "-") || text[position + 1] == UInt8(ascii: "+")) && position + 2 < text.count && isDigit(text[position + 2])) {
            isFloat = true
            position += 2
            while position < text.count, isDigit(text[position]) { position += 1 }
        }
        // A duration: digits directly followed by a unit (10s, 1h30m, 500ms, 1d).
        if !isFloat, position < text.count, isIdentStart(text[position]) {
            while position < text.count, isIdentPart(text[position]) || isDigit(text[position]) { position += 1 }
            let spelled = string(start, position)
            var overflow = false
            guard let ns = Lexer.duration(spelled, overflow: &overflow) else {
                if overflow {
                    throw QueryError(.syntax, "duration \(spelled) is too long: nanoseconds in 64 bits hold at most about 292 years (15250w)", offset: start)
                }
                throw QueryError(.syntax, "invalid duration \(spelled): use a number with a unit ns, u, µ, ms, s, m, h, d or w (e.g. 10s, 1h30m)", offset: start)
            }
            return Token(kind: .duration(ns, text: spelled), offset: start)
        }
        let spelled = string(start, position)
        if isFloat {
            guard let v = Double(spelled) else { throw QueryError(.syntax, "invalid number \(spelled)", offset: start) }
            return Token(kind: .number(v), offset: start)
        }
        guard let v = Int64(spelled) else {
            guard let d = Double(spelled) else { throw QueryError(.syntax, "invalid number \(spelled)", offset: start) }
            return Token(kind: .number(d), offset: start)
        }
        return Token(kind: .integer(v), offset: start)
    }

    private mutating func quoted(_ start: Int, quote: UInt8) throws -> String {
        position += 1
        var out: [UInt8] = []
        while position < text.count {
            let c = text[position]
            if c == UInt8(ascii: "\\"), position + 1 < text.count {
                let n = text[position + 1]
                switch n {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(n)
                default: out.append(c); out.append(n)
                }
                position += 2
                continue
            }
            if c == quote {
                position += 1
                return String(decoding: out, as: UTF8.self)
            }
            out.append(c)
            position += 1
        }
        let what = quote == UInt8(ascii: "'") ? "string" : "quoted identifier"
        throw QueryError(.syntax, "\(what) not terminated: expected a closing \(Character(UnicodeScalar(quote)))", offset: start)
    }

    /// `10s`, `1h30m`, `500ms`, `3u`, `3µ`, `2w` in nanoseconds (InfluxQL duration units); nil
    /// when malformed or, setting `overflow`, when well formed but past Int64.
    static func duration(_ text: String, overflow: inout Bool) -> Int64? {
        let units: [(String, Int64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("u", 1_000), ("µ", 1_000),
                                        ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
                                        ("h", 3_600_000_000_000), ("d", 86_400_000_000_000), ("w", 604_800_000_000_000)]
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, mult) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            guard let n = Int64(digits) else { overflow = true; continue }
            let (p, o1) = n.multipliedReportingOverflow(by: mult)
            let (s, o2) = total.addingReportingOverflow(p)
            if o1 || o2 { overflow = true }
            total = s
        }
        return overflow ? nil : total
    }

    private func string(_ a: Int, _ b: Int) -> String {
        String(decoding: text[a..<min(b, text.count)], as: UTF8.self)
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: "_") || c >= 0x80
    }
    private func isIdentPart(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }
}

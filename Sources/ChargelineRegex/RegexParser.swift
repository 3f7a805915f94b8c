/// Parses RE2 syntax (Go's `regexp/syntax` with its Perl flags, as InfluxDB uses it) into a
/// `RegexNode`. Refuses what RE2 refuses: backreferences, lookaround, possessive and nested
/// repetition operators, repeat counts above 1000, and nesting deeper than 250 groups.
struct RegexParser {
    /// Largest `{n,m}` count, as RE2.
    static let maxRepeat = 1000
    /// Deepest group nesting; it bounds the recursion of parser and compiler (Go allows 1000).
    /// 250: deep enough for any real pattern; the parser and compiler recurse once per level,
    /// and an address-sanitized build overflowed a stack at 1000 (found by InfluxQLFuzz).
    static let maxDepth = 250

    /// Flags set by `(?imsU)`, scoped to the enclosing group.
    struct Flags {
        var caseInsensitive = false
        var multiLine = false
        var dotMatchesNewline = false
        var ungreedy = false
    }

    let s: [Unicode.Scalar]
    var i = 0
    var flags = Flags()
    private var depth = 0

    private init(_ pattern: String) {
        s = Array(pattern.unicodeScalars)
    }

    /// The tree of `pattern`.
    /// - Throws: `RegexError` naming what is not RE2 syntax and where.
    static func parse(_ pattern: String) throws -> RegexNode {
        var p = RegexParser(pattern)
        let node = try p.parseAlternation()
        if p.i < p.s.count {
            throw RegexError("unexpected ): no group is open here (write \\) for a literal parenthesis)", at: p.i)
        }
        return node
    }

    func text(_ from: Int, _ to: Int) -> String {
        var out = ""
        out.unicodeScalars.append(contentsOf: s[max(0, from)..<min(to, s.count)])
        return out
    }

    func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

    // MARK: Structure

    private mutating func parseAlternation() throws -> RegexNode {
        var branches = [try parseConcat()]
        while peek() == "|" {
            i += 1
            branches.append(try parseConcat())
        }
        return branches.count == 1 ? branches[0] : .alternate(branches)
    }

    private mutating func parseConcat() throws -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek(), c != "|", c != ")" {
            guard let atom = try parseAtom() else { continue }
            items.append(try parseRepeats(of: atom))
        }
        return items.count == 1 ? items[0] : items.isEmpty ? .empty : .concat(items)
    }

    /// One atom, or nil for a flag group `(?i)` that only changes flags.
    private mutating func parseAtom() throws -> RegexNode? {
        let c = s[i]
        switch c {
        case "(":
            return try parseGroup()
        case "[":
            return try parseClass()
        case ".":
            i += 1
            return .scalars(flags.dotMatchesNewline ? ScalarSet([0...ScalarSet.maxScalar])
                                                    : ScalarSet([0...9, 11...ScalarSet.maxScalar]))
        case "^":
            i += 1
            return .assertion(flags.multiLine ? .beginLine : .beginText)
        case "$":
            i += 1
            return .assertion(flags.multiLine ? .endLine : .endText)
        case "\\":
            return try parseEscape()
        case "*", "+", "?":
            throw RegexError("missing argument to repetition operator \(c): put an expression before it, or escape it as \\\(c)", at: i)
        case "{":
            let start = i
            if try parseBraces() != nil {
                throw RegexError("missing argument to repetition operator \(text(start, i))", at: start)
            }
            i += 1
            return literal(c.value)
        default:
            i += 1
            return literal(c.value)
        }
    }

    func literal(_ c: UInt32) -> RegexNode {
        let one = ScalarSet([c...c])
        return .scalars(flags.caseInsensitive ? one.caseFolded() : one)
    }

    /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy (`?`), after an atom.
    private mutating func parseRepeats(of atom: RegexNode) throws -> RegexNode {
        var node = atom
        var repeated = false
        while let c = peek() {
            let start = i
            let bounds: (min: Int, max: Int?)
            switch c {
            case "*": bounds = (0, nil); i += 1
            case "+": bounds = (1, nil); i += 1
            case "?": bounds = (0, 1); i += 1
            case "{":
                guard let b = try parseBraces() else { return node }
                bounds = b
            default:
                return node
            }
            if peek() == "?" { i += 1 }  // lazy: the same language; only match positions differ
            if repeated {
                throw RegexError("invalid nested repetition operator \(text(start - 1, i)): put the inner repetition in a group, (?:x*)+", at: start)
            }
            repeated = true
            node = .repeat(node, min: bounds.min, max: bounds.max)
        }
        return node
    }

    /// At `{`: the bounds of `{n}`, `{n,}` or `{n,m}` (and `i` after the `}`), or nil with `i`
    /// unchanged when the text is not a repetition (then `{` is a literal, as in Go).
    private mutating func parseBraces() throws -> (min: Int, max: Int?)? {
        let start = i
        var k = i + 1
        func number() -> Int? {
            var value = 0
            var digits = 0
            while k < s.count, (48...57).contains(s[k].value) {
                value = min(value * 10 + Int(s[k].value - 48), 1_000_000)  // capped: only "above 1000" matters
                digits += 1
                k += 1
            }
            return digits > 0 ? value : nil
        }
        guard let lo = number() else { return nil }
        var hi: Int? = lo
        if k < s.count, s[k] == "," {
            k += 1
            hi = number()
        }
        guard k < s.count, s[k] == "}" else { return nil }
        k += 1
        i = k
        if lo > Self.maxRepeat || (hi ?? 0) > Self.maxRepeat {
            throw RegexError("invalid repeat count \(text(start, k)): counts above \(Self.maxRepeat) are refused (as RE2 does)", at: start)
        }
        if let hi, hi < lo {
            throw RegexError("invalid repeat count \(text(start, k)): the maximum is below the minimum", at: start)
        }
        return (lo, hi)
    }

    // MARK: Groups

    /// At `(`: a capturing, named or non-capturing group, or a flag group (nil).
    private mutating func parseGroup() throws -> RegexNode? {
        let open = i
        i += 1
        let saved = flags
        if peek() == "?" {
            let unsupported = { (what: String) in
                RegexError("\(what) are not supported: RE2 syntax has none, so that every match runs in linear time", at: open)
            }
            switch (peek(1), peek(2)) {
            case ("=", _), ("!", _): throw unsupported("lookahead assertions (?=...) and (?!...)")
            case ("<", "="), ("<", "!"): throw unsupported("lookbehind assertions (?<=...) and (?<!...)")
            case ("P", "="): throw unsupported("backreferences (?P=name)")
            case ("P", "<"), ("<", _):
                i += peek(1) == "P" ? 3 : 2
                let nameStart = i
                while let c = peek(), c != ">" {
                    guard c.isASCII, c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) else {
                        throw RegexError("invalid group name: use letters, digits and _ in (?P<name>...)", at: open)
                    }
                    i += 1
                }
                guard peek() == ">", i > nameStart else {
                    throw RegexError("invalid named group \(text(open, i + 1)): write (?P<name>...)", at: open)
                }
                i += 1
            default:
                i += 1
                if try parseFlags(open: open) { return nil }
            }
        }
        depth += 1
        if depth > Self.maxDepth {
            throw RegexError("the pattern nests groups more than \(Self.maxDepth) deep", at: open)
        }
        let body = try parseAlternation()
        guard peek() == ")" else {
            throw RegexError("missing closing ) for the group opened at character \(open + 1)", at: open)
        }
        i += 1
        depth -= 1
        flags = saved
        return body
    }

    /// After `(?`: reads flags up to `)` (returns true: they hold to the end of the enclosing
    /// group) or `:` (returns false: they hold for the group that follows).
    private mutating func parseFlags(open: Int) throws -> Bool {
        var negate = false
        var sawFlag = false
        let bad = { (p: RegexParser) in
            RegexError("invalid or unsupported group syntax \(p.text(open, p.i + 1)): flags are i, m, s and U, as in (?i) or (?i:...)", at: open)
        }
        while let c = peek() {
            i += 1
            switch c {
            case "i": flags.caseInsensitive = !negate
            case "m": flags.multiLine = !negate
            case "s": flags.dotMatchesNewline = !negate
            case "U": flags.ungreedy = !negate
            case "-":
                if negate { throw bad(self) }
                negate = true
                sawFlag = false
                continue
            case ")", ":":
                // `(?:` needs no flags; `(?)`, `(?-)` and `(?i-:` are refused, as in Go.
                if !sawFlag && (c == ")" || negate) { throw bad(self) }
                return c == ")"
            default:
                throw bad(self)
            }
            sawFlag = true
        }
        throw RegexError("missing closing ) for the group opened at character \(open + 1)", at: open)
    }
}

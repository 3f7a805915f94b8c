/// Escapes, bracketed classes and the ASCII classes of RE2 (`\d \w \s`, `[[:alpha:]]`).
extension RegexParser {
    // MARK: Named classes (ASCII, as in Go)

    static let digit: [ClosedRange<UInt32>] = [0x30...0x39]
    static let space: [ClosedRange<UInt32>] = [0x09...0x0A, 0x0C...0x0D, 0x20...0x20]
    static let word: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]

    /// `\d \D \s \S \w \W`, or nil for another letter.
    static func perlClass(_ c: Unicode.Scalar) -> ScalarSet? {
        switch c {
        case "d": ScalarSet(digit)
        case "D": ScalarSet(digit).inverted()
        case "s": ScalarSet(space)
        case "S": ScalarSet(space).inverted()
        case "w": ScalarSet(word)
        case "W": ScalarSet(word).inverted()
        default: nil
        }
    }

    static let posixClasses: [String: [ClosedRange<UInt32>]] = [
        "alnum": [0x30...0x39, 0x41...0x5A, 0x61...0x7A],
        "alpha": [0x41...0x5A, 0x61...0x7A],
        "ascii": [0x00...0x7F],
        "blank": [0x09...0x09, 0x20...0x20],
        "cntrl": [0x00...0x1F, 0x7F...0x7F],
        "digit": digit,
        "graph": [0x21...0x7E],
        "lower": [0x61...0x7A],
        "print": [0x20...0x7E],
        "punct": [0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E],
        "space": [0x09...0x0D, 0x20...0x20],
        "upper": [0x41...0x5A],
        "word": word,
        "xdigit": [0x30...0x39, 0x41...0x46, 0x61...0x66],
    ]

    // MARK: Escapes

    /// At `\` outside a class: an assertion, a class, `\Q...\E` literal text or one scalar.
    mutating func parseEscape() throws -> RegexNode {
        let start = i
        guard let c = peek(1) else {
            throw RegexError("trailing \\ at the end of the pattern (write \\\\ for a backslash)", at: start)
        }
        switch c {
        case "A": i += 2; return .assertion(.beginText)
        case "z": i += 2; return .assertion(.endText)
        case "b": i += 2; return .assertion(.wordBoundary)
        case "B": i += 2; return .assertion(.notWordBoundary)
        case "Q":
            i += 2
            var items: [RegexNode] = []
            while let x = peek() {
                if x == "\\", peek(1) == "E" { i += 2; break }
                items.append(literal(x.value))
                i += 1
            }
            return items.count == 1 ? items[0] : .concat(items)
        default:
            if let set = Self.perlClass(c) {
                i += 2
                return .scalars(set)
            }
            i += 1
            return literal(try escapedScalar(escapeAt: start))
        }
    }

    /// After `\` (at `i`): one scalar (`\n`, `\x41`, `\x{263a}`, `\101`, `\.`), with `i` after it.
    mutating func escapedScalar(escapeAt start: Int) throws -> UInt32 {
        guard let c = peek() else {
            throw RegexError("trailing \\ at the end of the pattern (write \\\\ for a backslash)", at: start)
        }
        i += 1
        switch c {
        case "a": return 7
        case "f": return 12
        case "t": return 9
        case "n": return 10
        case "r": return 13
        case "v": return 11
        case "1"..."7" where !(peek().map { ("0"..."7").contains($0) } ?? false):
            throw RegexError("backreferences (\\\(c)) are not supported: RE2 syntax has none, so that every match runs in linear time", at: start)
        case "0"..."7":
            // Octal, up to three digits in all.
            var value = c.value - 48
            for _ in 0..<2 {
                guard let d = peek(), ("0"..."7").contains(d) else { break }
                value = value * 8 + d.value - 48
                i += 1
            }
            return value
        case "x":
            return try hexEscape(start: start)
        case "p", "P":
            throw RegexError("Unicode classes (\\\(c){...}) are not supported here; use a bracketed range such as [\\x{4e00}-\\x{9fff}]", at: start)
        default:
            if c.isASCII, !(c.properties.isAlphabetic || ("0"..."9").contains(c)) { return c.value }
            throw RegexError("invalid escape sequence \(text(start, i)) (RE2 syntax: \\d \\w \\s \\b \\A \\z \\x{..}, or \\ before punctuation)", at: start)
        }
    }

    /// After `\x`: two hex digits, or `{...}` with one or more.
    private mutating func hexEscape(start: Int) throws -> UInt32 {
        func hex(_ c: Unicode.Scalar?) -> UInt32? {
            guard let c else { return nil }
            switch c {
            case "0"..."9": return c.value - 48
            case "a"..."f": return c.value - 87
            case "A"..."F": return c.value - 55
            default: return nil
            }
        }
        let bad = { (p: RegexParser) in
            RegexError("invalid escape sequence \(p.text(start, p.i + 1)): write \\x41 or \\x{263a}", at: start)
        }
        if peek() == "{" {
            i += 1
            var value: UInt32 = 0
            var digits = 0
            while let d = hex(peek()) {
                value = value * 16 + d
                digits += 1
                i += 1
                if value > ScalarSet.maxScalar { throw bad(self) }
            }
            guard digits > 0, peek() == "}" else { throw bad(self) }
            i += 1
            return value
        }
        guard let h = hex(peek()), let l = hex(peek(1)) else { throw bad(self) }
        i += 2
        return h * 16 + l
    }

    // MARK: Classes

    /// At `[`: a bracketed class, `(?i)` folding applied before `^` negation (as in Go).
    mutating func parseClass() throws -> RegexNode {
        let open = i
        i += 1
        var negated = false
        if peek() == "^" {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while true {
            guard let c = peek() else {
                throw RegexError("missing closing ] for the class opened at character \(open + 1)", at: open)
            }
            if c == "]" && !first {
                i += 1
                break
            }
            first = false
            if c == "[", peek(1) == ":", let posix = try posixClass() {
                ranges += posix
                continue
            }
            if c == "\\", let x = peek(1), let set = Self.perlClass(x) {
                ranges += set.ranges
                i += 2
                continue
            }
            let itemStart = i
            let lo = try classScalar()
            if peek() == "-", let next = peek(1), next != "]" {
                i += 1
                let hi = try classScalar()
                guard lo <= hi else {
                    throw RegexError("invalid character class range \(text(itemStart, i)): the first end is above the second", at: itemStart)
                }
                ranges.append(lo...hi)
            } else {
                ranges.append(lo...lo)
            }
        }
        var set = ScalarSet(ranges)
        if flags.caseInsensitive { set = set.caseFolded() }
        if negated { set = set.inverted() }
        return .scalars(set)
    }

    /// One scalar inside a class: itself or an escape.
    private mutating func classScalar() throws -> UInt32 {
        let c = s[i]
        guard c == "\\" else {
            i += 1
            return c.value
        }
        let start = i
        i += 1
        return try escapedScalar(escapeAt: start)
    }

    /// At `[:`: the ranges of `[:name:]` or `[:^name:]`, or nil when no `:]` follows (then `[`
    /// is a literal, as in Go).
    private mutating func posixClass() throws -> [ClosedRange<UInt32>]? {
        var k = i + 2
        while k + 1 < s.count, !(s[k] == ":" && s[k + 1] == "]") { k += 1 }
        guard k + 1 < s.count else { return nil }
        var name = text(i + 2, k)
        let negated = name.hasPrefix("^")
        if negated { name.removeFirst() }
        guard let ranges = Self.posixClasses[name] else {
            throw RegexError("invalid character class \(text(i, k + 2)) (POSIX classes: \(Self.posixClasses.keys.sorted().joined(separator: ", ")))", at: i)
        }
        i = k + 2
        return negated ? ScalarSet(ranges).inverted().ranges : ranges
    }
}

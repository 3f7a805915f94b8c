import ChargelineRegex
import Foundation
import Testing

/// The engine against Go's `regexp.MatchString` (RE2 syntax): each row's expectation is what Go
/// answers, reasoned from its documented semantics (`$` is the end of the text without `(?m)`,
/// negated classes match `\n`, `\d \w \s \b` are ASCII, `(?i)` uses simple case folding).
@Suite struct LinearRegexTests {
    struct Case: CustomStringConvertible {
        let pattern: String
        let input: String
        let expected: Bool
        init(_ pattern: String, _ input: String, _ expected: Bool) {
            self.pattern = pattern
            self.input = input
            self.expected = expected
        }
        var description: String { "/\(pattern)/ on \(input.debugDescription)" }
    }

    static let cases: [Case] = [
        // Literals, unanchored search.
        Case("abc", "xabcx", true), Case("abc", "ab", false), Case("", "anything", true), Case("", "", true),
        Case("pile", "station-3/pile-12", true),
        // Anchors: $ is the end of the text unless (?m).
        Case("^abc", "abcd", true), Case("^abc", "xabc", false), Case("abc$", "xabc", true),
        Case("abc$", "abc\n", false), Case("(?m)abc$", "abc\nx", true), Case("(?m)^x", "abc\nx", true),
        Case("^x", "abc\nx", false), Case("^$", "", true), Case("^$", "a", false),
        Case("\\Aab", "ab", true), Case("ab\\z", "ab\n", false), Case("(?m)\\Ab", "a\nb", false),
        // Dot and newline.
        Case("a.c", "abc", true), Case("a.c", "a\nc", false), Case("(?s)a.c", "a\nc", true), Case("a[^b]c", "a\nc", true),
        // Alternation and groups.
        Case("a|b|c", "xxc", true), Case("ab|cd", "acd", true), Case("^(ab|cd)$", "abcd", false),
        Case("^(ab|cd)+$", "abcdab", true), Case("a|", "b", true), Case("()", "", true),
        Case("(?:ab)+$", "xabab", true), Case("(?P<gun>a)b", "ab", true), Case("(?<gun>a)b", "ab", true),
        // Repetition.
        Case("colou?r", "color", true), Case("colou?r", "colouur", false), Case("a{3}", "aa", false),
        Case("a{3}", "xaaay", true), Case("^a{2,3}$", "aaaa", false), Case("^a{2,3}$", "aaa", true),
        Case("^a{2,}$", "aaaaaa", true), Case("^a{2,}$", "a", false), Case("^a{0}$", "", true),
        Case("^(ab){2}$", "abab", true), Case("a+?b", "aab", true), Case("^a*?$", "", true), Case("(?U)a+", "a", true),
        Case("a{,2}", "a{,2}", true), Case("a{,2}", "aa", false), Case("x{", "x{", true), Case("x{1", "x{1", true),
        // Perl and POSIX classes (ASCII).
        Case("\\d+", "gun 12", true), Case("^\\d+$", "12a", false), Case("\\D", "123", false), Case("\\w+", "!!", false),
        Case("\\s", "a b", true), Case("\\S", " \t\n", false), Case("^[\\d.]+$", "3.14", true), Case("\\d", "٣", false),
        Case("[[:alpha:]]+[[:digit:]]", "pile7", true), Case("^[[:alpha:]]+$", "pile7", false),
        Case("[[:^digit:]]", "123", false), Case("[[:upper:]]", "abc", false), Case("^[[:xdigit:]]+$", "DEADbeef09", true),
        Case("[]a]", "]", true), Case("[^]a]", "]", false), Case("[a-]", "-", true), Case("[-a]", "-", true),
        Case("^[a-c-e]+$", "a-e", true), Case("[[]", "[", true),
        // Word boundaries (ASCII).
        Case("\\bgun\\b", "a gun here", true), Case("\\bgun\\b", "shotgun", false), Case("\\Bgun", "shotgun", true),
        Case("\\b", "", false), Case("\\B", "", true), Case("é\\b", "é", false),
        // Case-insensitive.
        Case("(?i)gun", "GUN-01", true), Case("gun", "GUN", false), Case("(?i:g)un", "Gun", true),
        Case("(?i:g)un", "GUN", false), Case("(?i)straße", "STRASSE", false), Case("(?i)k", "\u{212A}", true),
        Case("(?i)σ", "Σ", true), Case("(?i)σ", "ς", true), Case("(?i)é", "É", true), Case("(?i)[a-c]", "B", true),
        Case("(?i)[^a]", "A", false), Case("(?i)[[:upper:]]", "abc", true), Case("a(?i)b|c", "C", true),
        Case("(?i)a(?-i)b", "Ab", true), Case("(?i)a(?-i)b", "AB", false), Case("((?i)a)b", "AB", false),
        // Escapes.
        Case("a\\.b", "a.b", true), Case("a\\.b", "axb", false), Case("\\x41", "A", true), Case("\\x{263a}", "☺", true),
        Case("\\101", "A", true), Case("\\0", "\u{0}", true), Case("\\Qa.b\\E", "a.b", true), Case("\\Qa.b\\E", "axb", false),
        Case("\\Qa.b", "a.b", true), Case("\\t", "a\tb", true), Case("a\\/b", "a/b", true), Case("\\ ", " ", true),
        // UTF-8: scalars, not bytes.
        Case("^.$", "é", true), Case("^..$", "é", false), Case("^.$", "中", true), Case("^.$", "🚗", true),
        Case("^\\x{4e2d}$", "中", true), Case("[中文]", "文字", true), Case("^[α-ω]+$", "αβγ", true),
        Case("^[^a]$", "中", true), Case("充电桩", "站点充电桩01", true), Case("^.{3}$", "a中b", true),
        Case("^[\\x{1F680}-\\x{1F6FF}]$", "🚗", true), Case("桩$", "站点充电桩", true), Case("^站.*桩\\d+$", "站点充电桩12", true),
        Case("\\b桩", "桩", false),
    ]

    @Test(arguments: cases)
    func matchesAsGo(_ c: Case) throws {
        let re = try LinearRegex(c.pattern)
        #expect(re.matches(c.input) == c.expected, "\(c)")
    }

    /// The pattern of the runaway query: exponential for a backtracking engine, linear here.
    @Test func nestedQuantifierOnLongInputCompletes() throws {
        let input = String(repeating: "a", count: 2_000) + "!"
        #expect(try LinearRegex("(a+)+$").matches(input) == false)
        #expect(try LinearRegex("(a+)+!$").matches(input) == true)
        #expect(try LinearRegex("(a|aa)*b").matches(input) == false)
        #expect(try LinearRegex("^(a*)*$").matches(input) == false)
        #expect(try LinearRegex("(x+x+)+y").matches(String(repeating: "x", count: 2_000)) == false)
        #expect(try LinearRegex("(a+)+$").matches(String(repeating: "a", count: 2_000)) == true)
    }

    struct Refusal: CustomStringConvertible {
        let pattern: String
        let message: String
        var description: String { "/\(pattern)/" }
    }

    static let refusals: [Refusal] = [
        Refusal(pattern: "(a)\\1", message: "backreferences"),
        Refusal(pattern: "(?P<n>a)(?P=n)", message: "backreferences"),
        Refusal(pattern: "(?=a)", message: "lookahead"),
        Refusal(pattern: "a(?!b)", message: "lookahead"),
        Refusal(pattern: "(?<=a)b", message: "lookbehind"),
        Refusal(pattern: "(?<!a)b", message: "lookbehind"),
        Refusal(pattern: "a{1001}", message: "invalid repeat count"),
        Refusal(pattern: "a{0,1001}", message: "invalid repeat count"),
        Refusal(pattern: "a{2,1}", message: "invalid repeat count"),
        Refusal(pattern: "a**", message: "nested repetition"),
        Refusal(pattern: "a++", message: "nested repetition"),
        Refusal(pattern: "a*??", message: "nested repetition"),
        Refusal(pattern: "*a", message: "missing argument"),
        Refusal(pattern: "{2}", message: "missing argument"),
        Refusal(pattern: "(abc", message: "missing closing )"),
        Refusal(pattern: "(?i", message: "missing closing )"),
        Refusal(pattern: "abc)", message: "unexpected )"),
        Refusal(pattern: "[abc", message: "missing closing ]"),
        Refusal(pattern: "[]", message: "missing closing ]"),
        Refusal(pattern: "[z-a]", message: "invalid character class range"),
        Refusal(pattern: "[[:foo:]]", message: "invalid character class"),
        Refusal(pattern: "\\p{Greek}", message: "Unicode classes"),
        Refusal(pattern: "\\pL", message: "Unicode classes"),
        Refusal(pattern: "ab\\", message: "trailing \\"),
        Refusal(pattern: "\\k", message: "invalid escape"),
        Refusal(pattern: "\\Z", message: "invalid escape"),
        Refusal(pattern: "\\8", message: "invalid escape"),
        Refusal(pattern: "\\x{110000}", message: "invalid escape"),
        Refusal(pattern: "\\xZ", message: "invalid escape"),
        Refusal(pattern: "(?x)a", message: "unsupported group"),
        Refusal(pattern: "(?)a", message: "unsupported group"),
        Refusal(pattern: "(?i-)a", message: "unsupported group"),
        Refusal(pattern: "(a{1000}){1000}", message: "too large"),
        Refusal(pattern: String(repeating: "(", count: 251) + "a" + String(repeating: ")", count: 251), message: "nests groups"),
    ]

    @Test(arguments: refusals)
    func refusesWhatRE2Refuses(_ r: Refusal) {
        do {
            _ = try LinearRegex(r.pattern)
            Issue.record("\(r) compiled; expected an error containing \"\(r.message)\"")
        } catch let e as RegexError {
            #expect(e.message.contains(r.message), "\(r): \(e)")
        } catch {
            Issue.record("\(r): unexpected error \(error)")
        }
    }

    @Test func errorsSayWhere() {
        #expect(throws: RegexError("missing closing ) for the group opened at character 3", at: 2)) {
            try LinearRegex("ab(cd")
        }
    }

    /// The limits themselves are accepted: 1000 repeats, 250 nested groups.
    @Test func limitsAreInclusive() throws {
        #expect(try LinearRegex("^a{1000}$").matches(String(repeating: "a", count: 1_000)))
        #expect(try LinearRegex("^a{1000}$").matches(String(repeating: "a", count: 999)) == false)
        let deep = String(repeating: "(", count: 250) + "a" + String(repeating: ")", count: 250)
        #expect(try LinearRegex(deep).matches("xa"))
    }

    /// A caller that abandons the work stops a long match: `stop` is asked before the first
    /// scalar and every 1,024 after, and a true answer ends the search with false.
    @Test func longMatchGivesUpWhenStopped() throws {
        let re = try LinearRegex("a{1,1000}!")
        let text = String(repeating: "a", count: 10_000) + "!"
        var calls = 0
        #expect(re.matches(text, stop: { calls += 1; return false }))
        #expect(calls == 10)
        calls = 0
        #expect(re.matches(text, stop: { calls += 1; return calls == 3 }) == false)
        #expect(calls == 3)
        #expect(re.matches(text, stop: { true }) == false)
        #expect(re.matches("", stop: { true }) == false)
    }

    /// Queries run on dispatch worker threads: the deepest pattern allowed must parse and
    /// compile within their stack.
    @Test func deepestPatternCompilesOnADispatchWorker() async throws {
        let deep = String(repeating: "(?:", count: 250) + "a*" + String(repeating: ")+", count: 250)
        let matched = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            DispatchQueue.global(qos: .userInitiated).async {
                done.resume(returning: (try? LinearRegex(deep).matches("xa")) ?? false)
            }
        }
        #expect(matched)
    }

    /// Random text from the syntax's alphabet: every pattern either compiles or is refused with
    /// a `RegexError` (never a trap), and every compiled one answers on a random input.
    @Test func randomPatternsCompileOrAreRefused() {
        let alphabet = Array("ab.()[]{}^$*+?|\\-:,=!<>Pidswb0123789xQEz")
        var state: UInt64 = 0x0DD_BA11
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var compiled = 0
        for _ in 0..<20_000 {
            let pattern = String((0..<(1 + next(12))).map { _ in alphabet[next(alphabet.count)] })
            do {
                let re = try LinearRegex(pattern)
                compiled += 1
                let letters = Array("ab(){}*x\n")
                _ = re.matches(String((0..<next(10)).map { _ in letters[next(letters.count)] }))
            } catch is RegexError {
            } catch {
                Issue.record("/\(pattern)/: \(error)")
            }
        }
        #expect(compiled > 1_000)
    }

    /// Bytes that are not UTF-8 read as U+FFFD, one byte each (as in Go).
    @Test func invalidUTF8ReadsAsReplacementCharacter() throws {
        let bytes: [UInt8] = [0x61, 0xFF, 0x62]
        let re = try LinearRegex("^a.b$")
        #expect(bytes.withUnsafeBufferPointer { re.matches(utf8: $0) })
        let two = try LinearRegex("^a..b$")
        #expect(bytes.withUnsafeBufferPointer { two.matches(utf8: $0) } == false)
        let truncated: [UInt8] = [0x61, 0xE4, 0xB8]  // first two bytes of 中
        #expect(truncated.withUnsafeBufferPointer { try! LinearRegex("^a\\x{FFFD}\\x{FFFD}$").matches(utf8: $0) })
    }
}

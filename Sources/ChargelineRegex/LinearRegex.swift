/// A regular expression in RE2 syntax (Go's `regexp`, which InfluxDB uses for InfluxQL's
/// `/regex/`), matched in time linear in the input: O(pattern size x input length), whatever
/// the pattern, so `(a+)+$` against a long string cannot run away.
///
/// Syntax: literals and escapes (`\n \t \x41 \x{263a} \101 \.`, `\Q...\E`), `.`, classes
/// (`[a-z]`, `[^...]`, `[[:alpha:]]`, `\d \w \s \D \W \S`, ASCII as in Go), assertions
/// (`^ $ \A \z \b \B`), groups (`(...)`, `(?:...)`, `(?P<name>...)`), flags `(?i) (?m) (?s)
/// (?U)` and `(?i:...)`, alternation, `* + ? {n} {n,} {n,m}` and their lazy forms. Refused
/// with a `RegexError`: backreferences, lookaround, Unicode classes (`\p`), repeat counts
/// above 1000, nesting deeper than 250, and programs above `RegexProgram.maxInstructions`.
///
/// Immutable and thread-safe; `matches` may run on many threads at once.
package final class LinearRegex: Sendable {
    /// The pattern as written.
    package let pattern: String
    private let program: RegexProgram

    /// Parses and compiles `pattern`.
    /// - Throws: `RegexError` saying what is not supported and where.
    package init(_ pattern: String) throws {
        self.pattern = pattern
        program = try RegexProgram(try RegexParser.parse(pattern))
    }

    /// Whether the pattern matches anywhere in `text` (Go's `MatchString`: unanchored unless
    /// the pattern anchors itself).
    package func matches(_ text: String) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable({ program.matches($0) }) { return answer }
        return Array(text.utf8).withUnsafeBufferPointer { program.matches($0) }
    }

    /// Whether the pattern matches anywhere in `text`, giving up (answering false) as soon as
    /// `stop` returns true; `stop` is called before the first scalar and then every 1,024
    /// scalars, so a long match can be abandoned when the work it serves is cancelled.
    package func matches(_ text: String, stop: () -> Bool) -> Bool {
        withoutActuallyEscaping(stop) { stop in
            if let answer = text.utf8.withContiguousStorageIfAvailable({ program.matches($0, stop: stop) }) { return answer }
            return Array(text.utf8).withUnsafeBufferPointer { program.matches($0, stop: stop) }
        }
    }

    /// Whether the pattern matches anywhere in the UTF-8 bytes `text`.
    package func matches(utf8 text: UnsafeBufferPointer<UInt8>) -> Bool {
        program.matches(text)
    }

    /// Instructions in the compiled program (the factor on the input length in the cost).
    package var programSize: Int { program.insts.count }
}

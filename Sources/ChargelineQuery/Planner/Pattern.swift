import ChargelineRegex

/// A compiled `/regex/` in RE2 syntax (Go's `regexp`, as InfluxDB), matched in linear time by
/// `LinearRegex`. `^literal$` and plain literals skip the regex engine.
final class Pattern: Sendable {
    let source: String
    private let exact: String?
    private let substring: String?
    private let regex: LinearRegex?
    /// The query the pattern serves: a long match gives up when it stops (see `matches`).
    private let context: QueryContext?

    /// Matcher steps (program size x bytes) above which a match watches `context`: a few
    /// milliseconds of work, so short matches never pay for the check.
    static let watchedCost = 1 << 20

    init(_ source: String, offset: Int, context: QueryContext? = nil) throws {
        self.source = source
        self.context = context
        let meta = Set("\\^$.|?*+()[]{}")
        if source.hasPrefix("^"), source.hasSuffix("$"), source.count >= 2,
           !source.dropFirst().dropLast().contains(where: { meta.contains($0) }) {
            exact = String(source.dropFirst().dropLast())
            substring = nil
            regex = nil
        } else if !source.contains(where: { meta.contains($0) }) {
            exact = nil
            substring = source
            regex = nil
        } else {
            exact = nil
            substring = nil
            do {
                regex = try LinearRegex(source)
            } catch let e as RegexError {
                throw QueryError(.syntax, "invalid regular expression /\(source)/: \(e)", offset: offset)
            }
        }
    }

    /// Instructions of the compiled program (1 for the literal fast paths).
    var programSize: Int { regex?.programSize ?? 1 }

    /// The work of matching `s`, in matcher steps (program size x bytes), for `WorkMeter`.
    func cost(of s: String) -> Int { (s.utf8.count + 1) * programSize }

    /// Whether the pattern matches anywhere in `s` (Go's `MatchString`). A costly match (a long
    /// value, a large program) gives up and answers false once the query's deadline passed or
    /// it was cancelled; the caller's next check then fails the query, so the answer is never
    /// used.
    func matches(_ s: String) -> Bool {
        if let exact { return s == exact }
        if let substring { return substring.isEmpty || s.contains(substring) }
        if let context, cost(of: s) > Self.watchedCost { return regex!.matches(s, stop: context.shouldStop) }
        return regex!.matches(s)
    }
}

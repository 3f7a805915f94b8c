import Foundation

/// A compiled `/regex/` (ICU syntax via NSRegularExpression, close to Go's RE2 for the
/// patterns dashboards send). `^literal$` and plain literals skip the regex engine.
final class Pattern: @unchecked Sendable {
    let source: String
    private let exact: String?
    private let substring: String?
    private let regex: NSRegularExpression?

    init(_ source: String, offset: Int) throws {
        self.source = source
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
                regex = try NSRegularExpression(pattern: source)
            } catch {
                throw QueryError(.syntax, "invalid regular expression /\(source)/: \(error.localizedDescription)", offset: offset)
            }
        }
    }

    /// Whether the pattern matches anywhere in `s` (Go's `MatchString`).
    func matches(_ s: String) -> Bool {
        if let exact { return s == exact }
        if let substring { return substring.isEmpty || s.contains(substring) }
        let range = NSRange(s.startIndex..<s.endIndex, in: s)
        return regex!.firstMatch(in: s, range: range) != nil
    }
}

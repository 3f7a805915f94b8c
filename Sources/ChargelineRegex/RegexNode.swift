/// The parsed form of a pattern (RE2 syntax). Capturing groups are kept only as nesting: the
/// engine answers whether a pattern matches, not where.
indirect enum RegexNode: Sendable {
    /// Matches the empty string.
    case empty
    /// One scalar from the set (a literal, `.`, a class, `\d`...).
    case scalars(ScalarSet)
    /// A zero-width assertion.
    case assertion(Assertion)
    /// Each in turn.
    case concat([RegexNode])
    /// Any one of them.
    case alternate([RegexNode])
    /// `node` between `min` and `max` times (`max` nil: unbounded).
    case `repeat`(RegexNode, min: Int, max: Int?)

    /// Zero-width assertions, as bits so a position's flags test with one mask.
    struct Assertion: OptionSet, Sendable {
        let rawValue: UInt8
        /// `^` under `(?m)`: the start of the text or after `\n`.
        static let beginLine = Assertion(rawValue: 1)
        /// `$` under `(?m)`: the end of the text or before `\n`.
        static let endLine = Assertion(rawValue: 2)
        /// `\A`, or `^` without `(?m)`.
        static let beginText = Assertion(rawValue: 4)
        /// `\z`, or `$` without `(?m)`.
        static let endText = Assertion(rawValue: 8)
        /// `\b`: between an ASCII word character and a non-word one (or an end).
        static let wordBoundary = Assertion(rawValue: 16)
        /// `\B`.
        static let notWordBoundary = Assertion(rawValue: 32)
    }

    /// Whether the node can only match at the start of the text (begins with `\A` or `^`
    /// outside `(?m)` on every path we can see cheaply).
    var anchoredAtStart: Bool {
        switch self {
        case .assertion(let a): return a.contains(.beginText)
        case .concat(let items): return items.first?.anchoredAtStart ?? false
        case .alternate(let items): return !items.isEmpty && items.allSatisfy(\.anchoredAtStart)
        case .repeat(let n, let min, _): return min > 0 && n.anchoredAtStart
        case .empty, .scalars: return false
        }
    }
}

/// A pattern the engine refuses: what is wrong, where (a character offset in the pattern) and,
/// where it helps, what to write instead.
package struct RegexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "missing closing ]".
    package let message: String
    /// Offset in the pattern, counted in Unicode scalars from 0.
    package let offset: Int

    package init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    package var description: String { "\(message) (at character \(offset + 1) of the pattern)" }
}

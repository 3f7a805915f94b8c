/// A user, grant or token operation that cannot be done, with what to do instead. Its
/// description is the message a statement answers.
public struct AuthError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The error every Chargeline module throws: a code a program can switch on, a message that
/// says what happened, where, and what to do, and an optional underlying cause.
public struct ChargelineError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: new codes are added as static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The caller's input is malformed (a line, frame, query or argument).
        public static let badInput = Code("bad input")
        /// A file's bytes do not match their checksum or layout.
        public static let corruption = Code("corruption")
        /// A system call failed.
        public static let io = Code("i/o")
        /// A field was written with a type other than the one it already has.
        public static let typeConflict = Code("field type conflict")
        /// A configured limit was reached (body size, memory, points scanned).
        public static let limit = Code("limit")
        /// The named thing does not exist.
        public static let notFound = Code("not found")
        /// The store is closed or shutting down.
        public static let closed = Code("closed")
        /// Storage cannot take writes for now (disk full, an I/O error); nothing of the failed
        /// write was kept, and writes resume by themselves once the cause is gone: retry later.
        public static let unavailable = Code("unavailable")
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, where, and what to do.
    public let message: String
    /// The underlying error, if any.
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message, then the cause in parentheses unless the message already quotes it
    /// (messages often say `...: \(error); do this`, and the errno text twice helps no one).
    public var description: String {
        if let cause {
            let text = "\(cause)"
            if !text.isEmpty && !message.contains(text) { return "\(message) (\(text))" }
        }
        return message
    }
}

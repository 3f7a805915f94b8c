/// A rules file that cannot be used: where (file and line) and what is wrong, with what to do.
/// The rules loaded before stay active.
public struct RuleFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, as given to `--rules`.
    public var file: String
    /// 1-based line of the offending rule or key; 0 when the whole file is at fault.
    public var line: Int
    public var message: String

    /// An error at `file:line`.
    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}

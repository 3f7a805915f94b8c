/// A block could not be decoded: its bytes do not match the layout its tag announces.
///
/// The codec knows nothing about files, so the message says *what* is wrong and *where inside
/// the block* (encoding name, payload byte offset, value index). Storage wraps it with the file,
/// segment and block offset and tells the operator what to do (usually: the block is corrupt,
/// restore the segment from a backup, or quarantine it with `chargeline repair --data DIR`,
/// after `chargeline verify --data DIR` has named every damaged file).
public struct CodecError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, where inside the block, and what it means.
    public let message: String

    /// Creates an error with a complete message (what, where, what it means).
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension CodecError {
    /// The payload ended before a field could be read.
    @inline(never)
    static func truncated(
        _ encoding: BlockEncoding, field: StaticString, offset: Int, needed: Int, payloadCount: Int
    ) -> CodecError {
        CodecError(
            "\(encoding.name) block: \(field) needs \(needed) byte(s) at payload offset \(offset) "
                + "but the payload has only \(payloadCount) byte(s); the block is truncated or corrupt")
    }

    /// A field holds a value its layout forbids.
    @inline(never)
    static func malformed(_ encoding: BlockEncoding, _ detail: String) -> CodecError {
        CodecError("\(encoding.name) block: \(detail); the block is corrupt")
    }
}

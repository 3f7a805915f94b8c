/// One rejected line of a line-protocol body: where the problem is and what is wrong.
///
/// The parser reports one error per bad line and keeps going, so a client can fix every bad
/// line of a batch from one response.
public struct LineProtocolError: Error, Sendable, CustomStringConvertible {
    /// 1-based line number (counting from the `firstLineNumber` passed to `parse`).
    public let line: Int
    /// 1-based byte column within the line where the problem is.
    public let column: Int
    /// Offset of that byte within the body passed to `parse`.
    public let byteOffset: Int
    /// What is wrong and, where it helps, what to write instead.
    public let message: String
    /// The offending line, cut to `excerptLimit` bytes with "…".
    public let excerpt: String

    /// Longest excerpt kept, in bytes: enough to recognise the line, short enough for a log line.
    public static let excerptLimit = 120

    /// Creates an error; the server uses this to report framing problems in the same shape.
    public init(line: Int, column: Int, byteOffset: Int, message: String, excerpt: String) {
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
        self.message = message
        self.excerpt = excerpt
    }

    /// `line 3, column 17: <message>: <excerpt>`.
    public var description: String {
        "line \(line), column \(column): \(message): \(excerpt)"
    }
}

extension LineProtocolError {
    /// Builds the error for the byte at `offset` of `body`, working out the physical line and
    /// column from the nearest known line start (`knownLineStart` is the first byte of line
    /// `knownLine`; `offset` may lie before it when a quoted string spanned lines).
    static func locate(
        _ body: UnsafeRawBufferPointer, offset rawOffset: Int, knownLine: Int, knownLineStart: Int,
        message: String
    ) -> LineProtocolError {
        let offset = min(max(rawOffset, 0), body.count)
        var line = knownLine
        var lineStart = knownLineStart
        if offset < knownLineStart {
            // Walk back over the newlines between the error and the known line start.
            var i = knownLineStart - 1
            while i >= offset {
                if body[i] == UInt8(ascii: "\n") { line -= 1 }
                i -= 1
            }
            lineStart = offset
            while lineStart > 0 && body[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        } else {
            // Walk forward (only needed when the error lies past a quoted newline).
            var i = knownLineStart
            while i < offset {
                if body[i] == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = i + 1
                }
                i += 1
            }
        }
        var lineEnd = lineStart
        while lineEnd < body.count && body[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        if lineEnd > lineStart && body[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        return LineProtocolError(
            line: line, column: offset - lineStart + 1, byteOffset: offset, message: message,
            excerpt: excerpt(body, from: lineStart, to: lineEnd))
    }

    /// The bytes `from..<to` as text, cut to `excerptLimit` bytes at a UTF-8 boundary.
    static func excerpt(_ body: UnsafeRawBufferPointer, from: Int, to: Int) -> String {
        guard to - from > excerptLimit else {
            return String(decoding: body[from..<to], as: UTF8.self)
        }
        var cut = from + excerptLimit
        // Do not split a multi-byte character: back up over continuation bytes (10xxxxxx).
        while cut > from && body[cut] & 0xC0 == 0x80 { cut -= 1 }
        return String(decoding: body[from..<cut], as: UTF8.self) + "…"
    }
}

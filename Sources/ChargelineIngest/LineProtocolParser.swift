public import ChargelineCore

/// Parses InfluxDB 1.x line protocol from raw bytes into a `WriteBatchBuilder`.
///
/// ```
/// measurement[,tag=value...] field=value[,field=value...] [timestamp]
/// ```
///
/// Behaviour follows InfluxDB 1.8 (`models/points.go` and the shard's write validation):
///
/// - Lines end at `\n` outside quoted string values (`\r\n` is accepted); blank lines and
///   lines whose first non-blank byte is `#` are skipped. Leading blanks (space, tab, NUL) are
///   skipped, runs of blanks separate the sections, trailing blanks are tolerated.
/// - In the measurement, tag keys, tag values and field keys, `\,` `\ ` and `\=` stand for the
///   escaped byte; a backslash before any other byte is literal.
/// - The measurement is non-empty; tag keys and values are non-empty; a tag key appears once;
///   the tag key `time` is rejected; the series key must be printable UTF-8 (InfluxDB drops
///   such points with "key contains invalid unicode").
/// - Field values: floats (`1`, `-1.5`, `.5`, `1.`, `1e-3`; no `+` sign, no NaN/Inf, no
///   overflow to infinity), integers `1i` (int64), unsigned `1u` (uint64), booleans
///   (`t T true True TRUE f F false False FALSE`) and double-quoted strings (`\"` and `\\`
///   escapes, newlines allowed, at most 64 KiB).
/// - A field key repeated in a line: the last value wins (TSM keeps the last write for the
///   same series, field and time); repeats with different types reject the line. Fields named
///   `time` are dropped, and a line whose only fields are `time` is rejected, as InfluxDB does.
/// - The timestamp is an optional signed integer in the configured precision; the result in
///   nanoseconds must lie in InfluxDB's range `[Int64.min + 2, Int64.max - 1]`.
///
/// Differences from InfluxDB, both deliberate: a string value that spans lines is accepted
/// only when it closes and the rest of its line parses. Otherwise (the quote never closes, or
/// closes on a later line which then fails, the usual sign of a missing quote) the error names
/// the line and column of the opening quote and how many lines the string spanned, and
/// parsing resumes on the physical line after the opening one, so one stray quote rejects only
/// its own line instead of silently taking the good lines up to the next quote with it. Tags
/// are ordered by their unescaped keys (the canonical `SeriesKey` order) rather than their
/// escaped bytes.
///
/// The parser keeps scratch buffers between calls, so parsing allocates nothing per line
/// once they have grown (only the builder's buffer and the caller's arrays grow). A parser is
/// a value: give each connection or request its own copy.
public struct LineProtocolParser: Sendable {
    /// Nanoseconds given to lines that carry no timestamp (the server's receive time).
    public var defaultTimestamp: Int64
    /// Nanoseconds per timestamp unit.
    let precisionMultiplier: Int64
    /// Most fields one line may carry (`max-values-per-point`); a line with more is refused
    /// with its line number. At most `maxFields`.
    public let maxValuesPerPoint: Int
    /// The default of `maxValuesPerPoint`: telemetry points carry tens of fields, and a bound
    /// keeps the per-line work (duplicate-name checks grow with the square of the fields) and
    /// the rollup's row width small.
    public static let defaultMaxValuesPerPoint = 1_000

    // MARK: Scratch, reused across lines and calls (never shrinks).

    /// The canonical series key of the current line.
    var key: [UInt8] = []
    /// Unescaped tokens of the current line (slow-path tags, escaped field keys and strings).
    var text: [UInt8] = []
    /// Tag tokens of the current line, in input order.
    var tags: [TagToken] = []
    /// Field tokens of the current line, in input order.
    var fields: [FieldToken] = []
    /// Unescaped tag ranges in `text` (slow path).
    var slowTags: [TagToken] = []
    /// Tag indices in canonical order (slow path).
    var slowOrder: [Int] = []
    /// NUL-terminated copy of a float for the `strtod` fallback.
    var floatText: [CChar] = []
    /// Offset of the opening quote of the current line's first string value that spanned
    /// physical lines, or -1.
    var spanningString = -1

    /// A parser for one precision.
    /// - Parameters:
    ///   - precisionMultiplier: nanoseconds per timestamp unit (1 for ns, 1_000 us,
    ///     1_000_000 ms, 1_000_000_000 s; 60e9 for m, 3600e9 for h — see `TimePrecision.parse`).
    ///   - defaultTimestamp: nanosecond timestamp for lines without one (the receive time).
    ///   - maxValuesPerPoint: most fields per line; 0 or anything past `maxFields` (65,535,
    ///     what a `WriteBatch` point can hold) means `maxFields`.
    public init(precisionMultiplier: Int64 = 1, defaultTimestamp: Int64, maxValuesPerPoint: Int = Self.defaultMaxValuesPerPoint) {
        precondition(precisionMultiplier > 0, "BUG: precision multiplier \(precisionMultiplier) must be positive")
        self.precisionMultiplier = precisionMultiplier
        self.defaultTimestamp = defaultTimestamp
        self.maxValuesPerPoint = maxValuesPerPoint <= 0 || maxValuesPerPoint > Self.maxFields ? Self.maxFields : maxValuesPerPoint
    }

    /// Parses every line of `body` (which may or may not end with `\n`).
    ///
    /// Each valid line becomes one point in `builder` (`beginPoint`, `add…`, `endPoint`) and its
    /// line number is appended to `pointLines`. Each invalid line appends a `LineProtocolError`
    /// to `errors` and leaves nothing in the builder; valid lines around bad ones are kept.
    /// Line numbers start at `firstLineNumber` (callers streaming TCP input pass a running
    /// count) and count physical lines, blank lines and comments included. A quoted string
    /// value may span lines only within one `body`: streaming callers pass whole lines.
    /// `pointLines` holds `Int32`s: line numbers past `Int32.max` wrap.
    ///
    /// - Precondition: `builder` has no open point.
    public mutating func parse(
        _ body: UnsafeRawBufferPointer, firstLineNumber: Int = 1,
        into builder: inout WriteBatchBuilder,
        pointLines: inout [Int32], errors: inout [LineProtocolError]
    ) {
        _ = parse(body, from: Position(offset: 0, line: firstLineNumber), stoppingAfter: .max,
                  into: &builder, pointLines: &pointLines, errors: &errors)
    }

    /// Where a piecewise parse of one body stands: the byte offset of the next logical line's
    /// first byte and that line's number.
    public struct Position: Sendable, Equatable {
        /// Byte offset in the body (the body's length once everything is parsed).
        public var offset: Int
        /// Number of the physical line starting at `offset`.
        public var line: Int

        public init(offset: Int, line: Int) {
            self.offset = offset
            self.line = line
        }
    }

    /// Parses `body` from `start` as `parse(_:firstLineNumber:into:pointLines:errors:)` does,
    /// but stops after the first logical line that ends `byteLimit` or more bytes past
    /// `start.offset`, and returns where the next line starts. Calling it again from the
    /// returned position until its offset reaches `body.count` yields exactly the points,
    /// line numbers and errors of one whole-body parse, split into pieces that each end at a
    /// line boundary (a quoted string spanning physical lines never straddles two pieces), so
    /// a caller can hand each piece on while it parses the next. Error columns and excerpts
    /// are taken from the whole `body`.
    ///
    /// - Precondition: `builder` has no open point; `start.offset` is a line start returned
    ///   by an earlier call (or 0).
    public mutating func parse(
        _ body: UnsafeRawBufferPointer, from start: Position, stoppingAfter byteLimit: Int,
        into builder: inout WriteBatchBuilder,
        pointLines: inout [Int32], errors: inout [LineProtocolError]
    ) -> Position {
        precondition(!builder.isInPoint, "BUG: parse called with an open point in the builder")
        guard let raw = body.baseAddress, start.offset < body.count else {
            return Position(offset: body.count, line: start.line)
        }
        var cursor = LineCursor(base: raw.assumingMemoryBound(to: UInt8.self), count: body.count, line: start.line)
        var pos = start.offset
        let stopAt = byteLimit >= body.count - pos ? body.count : pos + byteLimit
        while pos < stopAt {
            cursor.enter(at: pos)
            let opening = cursor
            spanningString = -1
            do throws(LineFailure) {
                if try parseLine(&cursor, into: &builder) {
                    pointLines.append(Int32(truncatingIfNeeded: opening.line))
                }
            } catch {
                if spanningString >= 0 && cursor.line != opening.line {
                    // A string closed on a later line and the line failed after it: most
                    // likely a quote is missing on the opening line and the "string" ran over
                    // good lines to the next quote. Report the opening quote and parse the
                    // lines after the opening one on their own.
                    let spanned = cursor.line - opening.line + 1
                    errors.append(LineProtocolError.locate(
                        body, offset: spanningString, knownLine: opening.line, knownLineStart: opening.lineStart,
                        message: "string opened at line \(opening.line) spans \(spanned) lines to a closing '\"' on line "
                            + "\(cursor.line), and the line fails after it (\(error.message)); a quote is probably "
                            + "missing: lines \(opening.line + 1)-\(cursor.line) were parsed on their own"))
                    cursor = opening
                } else {
                    errors.append(LineProtocolError.locate(
                        body, offset: error.offset, knownLine: cursor.line, knownLineStart: cursor.lineStart,
                        message: error.message))
                }
            }
            // After a failure the cursor holds the line of the failing byte, or the opening
            // line of a string that spanned lines (string scans commit line moves only on
            // success), so the next line starts after its newline: a bad line never takes good
            // ones with it.
            pos = cursor.rawEnd + 1
            cursor.line += 1
        }
        return Position(offset: min(pos, body.count), line: cursor.line)
    }

    /// Parses the logical line starting at `cursor.lineStart`; returns false for a blank or
    /// comment line. On success the point is in `builder` and `cursor` is on the point's last
    /// physical line.
    @inline(__always)
    private mutating func parseLine(_ cursor: inout LineCursor, into builder: inout WriteBatchBuilder) throws(LineFailure) -> Bool {
        let p = cursor.base
        var i = cursor.lineStart
        while i < cursor.end && Bytes.isBlank(p[i]) { i += 1 }
        if i == cursor.end || p[i] == UInt8(ascii: "#") { return false }
        i = try scanSeriesKey(cursor, from: i)
        i = try scanFields(&cursor, from: i)
        let timestamp = try scanTimestamp(cursor, from: i)
        try emit(cursor, timestamp: timestamp, into: &builder)
        return true
    }
}

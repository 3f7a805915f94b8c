import ChargelineCore

/// One parsed `key=value` of a line's field set. Names and strings point into the body when
/// they had no escapes, else into the parser's `text` scratch (offsets, not pointers, as
/// `text` may move while it grows).
struct FieldToken {
    var nameStart: Int
    var nameLength: Int
    var nameInText: Bool
    /// Body offset of the key, for errors.
    var keyOffset: Int
    var type: FieldType = .float
    /// Float bit pattern, integer, unsigned or 0/1; unused for strings.
    var bits: UInt64 = 0
    var stringStart = 0
    var stringLength = 0
    var stringInText = false
    /// Not written: a `time` field or one superseded by a later field of the same name.
    var skip = false
}

extension LineProtocolParser {
    /// Longest string field value, in unescaped bytes (InfluxDB 1.x documents 64 KiB).
    static let maxStringLength = 65_536
    /// Most fields in one line: the `UInt16` field count of a `WriteBatch` point.
    static let maxFields = Int(UInt16.max)

    /// Scans the field set starting at `start` (the space after the series key) into `fields`;
    /// returns the index just past the last value (the line end or a space).
    mutating func scanFields(_ cursor: inout LineCursor, from start: Int) throws(LineFailure) -> Int {
        let p = cursor.base
        var i = start
        fields.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        while i < cursor.end && Bytes.isBlank(p[i]) { i += 1 }
        guard i < cursor.end else { throw Self.missingFields(i) }
        while true {
            let keyStart = i
            guard i < cursor.end, p[i] != Bytes.equals, p[i] != Bytes.comma, p[i] != Bytes.space else {
                throw LineFailure(i, "missing field key: expected field=value")
            }
            var escaped = false
            while true {
                guard i < cursor.end else { throw Self.missingFieldEquals(p, keyStart, i) }
                let b = p[i]
                if b == Bytes.equals { break }
                if b == Bytes.comma || b == Bytes.space { throw Self.missingFieldEquals(p, keyStart, i) }
                if b == Bytes.backslash { escaped = true; i += Bytes.escapeWidth(p, i, cursor.end); continue }
                i += 1
            }
            var token: FieldToken
            if escaped {
                let nameStart = text.count
                Bytes.appendUnescaped(p, from: keyStart, to: i, into: &text)
                token = FieldToken(nameStart: nameStart, nameLength: text.count - nameStart, nameInText: true, keyOffset: keyStart)
                token.skip = text.count - nameStart == 4 && text[nameStart] == UInt8(ascii: "t")
                    && text[nameStart + 1] == UInt8(ascii: "i") && text[nameStart + 2] == UInt8(ascii: "m")
                    && text[nameStart + 3] == UInt8(ascii: "e")
            } else {
                token = FieldToken(nameStart: keyStart, nameLength: i - keyStart, nameInText: false, keyOffset: keyStart)
                token.skip = Bytes.isLiteral(p + keyStart, i - keyStart, "time")
            }
            if key.count + 4 + token.nameLength > Self.maxKeyLength {
                throw LineFailure(keyStart, "field key too long: the series key plus field key exceed \(Self.maxKeyLength) bytes")
            }
            if token.nameLength > Self.maxFieldKeyLength {
                throw LineFailure(keyStart, "field key too long: \(token.nameLength) bytes, at most \(Self.maxFieldKeyLength)")
            }
            if fields.count == maxValuesPerPoint {
                throw LineFailure(keyStart, maxValuesPerPoint == Self.maxFields
                    ? "too many fields: at most \(Self.maxFields) per line; split the point"
                    : "max-values-per-point limit exceeded: (\(maxValuesPerPoint)): the point has more than \(maxValuesPerPoint) fields; "
                        + "split it into several points of the same series and time, or raise the limit (--max-values-per-point)")
            }
            i += 1  // '='
            guard i < cursor.end, p[i] != Bytes.comma, p[i] != Bytes.space else {
                throw LineFailure(i, "missing field value: expected a value after '='")
            }
            let b = p[i]
            if b &- UInt8(ascii: "0") < 10 || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") {
                i = try scanNumber(cursor, from: i, into: &token)
            } else if b == Bytes.quote {
                i = try scanString(&cursor, from: i, into: &token)
            } else if b == UInt8(ascii: "t") || b == UInt8(ascii: "T") || b == UInt8(ascii: "f") || b == UInt8(ascii: "F") {
                i = try scanBoolean(cursor, from: i, into: &token)
            } else {
                throw Self.invalidValue(p, i, cursor.end)
            }
            fields.append(token)
            if i >= cursor.end { return i }
            if p[i] == Bytes.space { return i }
            if p[i] == Bytes.comma { i += 1; continue }
            throw LineFailure(i, "invalid field value: unexpected character after the value; separate fields with ',' and escape '\"' inside strings as \\\"")
        }
    }

    /// Scans a quoted string value (`p[start]` is the opening quote) and returns the index after
    /// the closing quote. The value may contain newlines; the cursor then moves to the physical
    /// line holding the closing quote, and `spanningString` records the opening quote (for the
    /// error if the line fails later). An unterminated string fails at the opening quote and
    /// leaves the cursor where it was, so parsing resumes on the next physical line.
    mutating func scanString(_ cursor: inout LineCursor, from start: Int, into token: inout FieldToken) throws(LineFailure) -> Int {
        let p = cursor.base
        var segment = cursor
        var j = start + 1
        var escapes = 0
        while true {
            while j < segment.rawEnd && p[j] != Bytes.quote && p[j] != Bytes.backslash { j += 1 }
            if j < segment.rawEnd {
                if p[j] == Bytes.quote { break }
                // Only \" and \\ are escapes in strings; a backslash before anything else is literal.
                if j + 1 < segment.rawEnd && (p[j + 1] == Bytes.quote || p[j + 1] == Bytes.backslash) {
                    escapes += 1
                    j += 2
                } else {
                    j += 1
                }
                continue
            }
            guard segment.rawEnd < segment.count else {
                // Physical lines from the opening one to the end, not counting the empty one
                // after a final newline.
                let spanned = segment.line - cursor.line + (segment.lineStart < segment.count ? 1 : 0)
                throw LineFailure(start, "unterminated string opened at line \(cursor.line): no closing '\"' in the "
                    + "\(spanned) line(s) to the end of the input; escape quotes inside strings as \\\"")
            }
            segment.line += 1
            segment.enter(at: segment.rawEnd + 1)
        }
        let length = j - start - 1 - escapes
        if length > Self.maxStringLength {
            throw LineFailure(start, "string field value too long: \(length) bytes, at most \(Self.maxStringLength) (64 KiB)")
        }
        token.type = .string
        token.stringLength = length
        if escapes == 0 {
            token.stringStart = start + 1
        } else {
            token.stringStart = text.count
            token.stringInText = true
            var k = start + 1
            while k < j {
                if p[k] == Bytes.backslash && k + 1 < j && (p[k + 1] == Bytes.quote || p[k + 1] == Bytes.backslash) { k += 1 }
                text.append(p[k])
                k += 1
            }
        }
        if segment.line != cursor.line && spanningString < 0 { spanningString = start }
        cursor = segment
        return j + 1
    }

    /// Scans a boolean (`t T true True TRUE f F false False FALSE`).
    func scanBoolean(_ cursor: LineCursor, from start: Int, into token: inout FieldToken) throws(LineFailure) -> Int {
        let p = cursor.base
        var j = start
        while j < cursor.end && !Bytes.endsValue(p[j]) { j += 1 }
        let q = p + start
        let n = j - start
        let value: Bool
        if n == 1 {
            value = q[0] == UInt8(ascii: "t") || q[0] == UInt8(ascii: "T")
        } else if Bytes.isLiteral(q, n, "true") || Bytes.isLiteral(q, n, "True") || Bytes.isLiteral(q, n, "TRUE") {
            value = true
        } else if Bytes.isLiteral(q, n, "false") || Bytes.isLiteral(q, n, "False") || Bytes.isLiteral(q, n, "FALSE") {
            value = false
        } else {
            throw Self.invalidValue(p, start, cursor.end)
        }
        token.type = .boolean
        token.bits = value ? 1 : 0
        return j
    }

    /// The error for a value that is no number, string or boolean, naming NaN and infinity
    /// when that is what the client sent.
    static func invalidValue(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> LineFailure {
        var from = start
        var to = start
        while to < end && !Bytes.endsValue(p[to]) { to += 1 }
        if from < to && (p[from] == UInt8(ascii: "-") || p[from] == UInt8(ascii: "+")) { from += 1 }
        let word = Bytes.text(p, from, to).lowercased()
        if word == "nan" || word == "inf" || word == "infinity" {
            return LineFailure(start, "invalid field value \"\(Bytes.text(p, start, to))\": NaN and infinity are not supported")
        }
        return LineFailure(start, "invalid field value: expected a number, a quoted string or a boolean")
    }

    static func missingFieldEquals(_ p: UnsafePointer<UInt8>, _ keyStart: Int, _ at: Int) -> LineFailure {
        LineFailure(at, "invalid field: expected '=' and a value after field key \"\(Bytes.text(p, keyStart, at))\"")
    }
}

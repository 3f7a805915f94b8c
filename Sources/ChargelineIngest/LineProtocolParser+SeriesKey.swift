import ChargelineCore

/// One `key=value` of a line's tag set: raw byte ranges in the body, then (slow path only)
/// unescaped ranges in the parser's `text` scratch.
struct TagToken {
    var keyStart: Int
    var keyEnd: Int
    var valueStart: Int
    var valueEnd: Int
}

extension LineProtocolParser {
    /// Longest series key plus `#!~#` plus field key InfluxDB accepts (`models.MaxKeyLength`);
    /// it also keeps every key and field name within the `UInt16` lengths of `WriteBatch`.
    static let maxKeyLength = 65_535
    /// Longest field key: 32 bytes under the `UInt16` name limit of `WriteBatch`, room for the
    /// suffixes of the hourly rollup's columns (`_first_time`, `_integral`, ...); a longer one
    /// would be stored raw and then fail every rollup of its series.
    static let maxFieldKeyLength = 65_535 - 32

    /// Scans `measurement[,tag=value...]` from `start` (a non-blank byte) up to the space that
    /// ends it, leaves the canonical series key in `key` and returns the index of that space.
    ///
    /// Fast path: when the section has no backslash and its tag keys are strictly ascending,
    /// its bytes already are the canonical key and are copied as they are.
    mutating func scanSeriesKey(_ cursor: LineCursor, from start: Int) throws(LineFailure) -> Int {
        let p = cursor.base
        let end = cursor.end
        var i = start
        var hasBackslash = false
        var sorted = true
        tags.removeAll(keepingCapacity: true)
        if p[i] == Bytes.comma {
            throw LineFailure(i, "missing measurement: a line starts with the measurement name, then optional ,tag=value pairs")
        }
        // Measurement: up to an unescaped ',' (tags follow) or ' ' (fields follow).
        while true {
            guard i < end else { throw Self.missingFields(end) }
            let b = p[i]
            if b > 0x20 && b < 0x7F && b != Bytes.comma && b != Bytes.backslash { i += 1; continue }
            if b == Bytes.comma || b == Bytes.space { break }
            if b == Bytes.backslash { hasBackslash = true; i += Bytes.escapeWidth(p, i, end); continue }
            i = try Self.checkKeyCharacter(p, i, end)
        }
        let measurementEnd = i
        if p[i] == Bytes.comma {
            i += 1
            while true {
                let keyStart = i
                guard i < end, p[i] != Bytes.space, p[i] != Bytes.comma, p[i] != Bytes.equals else {
                    throw LineFailure(i, "missing tag key: expected key=value after ','")
                }
                while true {
                    guard i < end else { throw Self.missingTagEquals(p, keyStart, i) }
                    let b = p[i]
                    if b > 0x20 && b < 0x7F && b != Bytes.comma && b != Bytes.backslash && b != Bytes.equals {
                        i += 1
                        continue
                    }
                    if b == Bytes.equals { break }
                    if b == Bytes.comma || b == Bytes.space { throw Self.missingTagEquals(p, keyStart, i) }
                    if b == Bytes.backslash { hasBackslash = true; i += Bytes.escapeWidth(p, i, end); continue }
                    i = try Self.checkKeyCharacter(p, i, end)
                }
                let keyEnd = i
                i += 1
                let valueStart = i
                guard i < end, p[i] != Bytes.comma, p[i] != Bytes.space else {
                    throw LineFailure(i, "missing tag value: tag \"\(Bytes.text(p, keyStart, keyEnd))\" is empty; omit tags that have no value")
                }
                while true {
                    guard i < end else { throw Self.missingFields(end) }
                    let b = p[i]
                    if b > 0x20 && b < 0x7F && b != Bytes.comma && b != Bytes.backslash && b != Bytes.equals {
                        i += 1
                        continue
                    }
                    if b == Bytes.comma || b == Bytes.space { break }
                    if b == Bytes.equals {
                        throw LineFailure(i, "invalid tag value: '=' in a tag value must be escaped as \\=")
                    }
                    if b == Bytes.backslash { hasBackslash = true; i += Bytes.escapeWidth(p, i, end); continue }
                    i = try Self.checkKeyCharacter(p, i, end)
                }
                if sorted, let last = tags.last,
                   Bytes.compare(p + last.keyStart, last.keyEnd - last.keyStart, p + keyStart, keyEnd - keyStart) >= 0 {
                    sorted = false
                }
                tags.append(TagToken(keyStart: keyStart, keyEnd: keyEnd, valueStart: valueStart, valueEnd: i))
                if p[i] == Bytes.space { break }
                i += 1
            }
        }
        key.removeAll(keepingCapacity: true)
        if !hasBackslash && sorted {
            for t in tags where Bytes.isLiteral(p + t.keyStart, t.keyEnd - t.keyStart, "time") {
                throw Self.timeTag(t.keyStart)
            }
            key.append(contentsOf: UnsafeBufferPointer(start: p + start, count: i - start))
        } else if !hasBackslash {
            try sortSeriesKey(p, measurementStart: start, measurementEnd: measurementEnd)
        } else {
            try canonicalizeSeriesKey(p, measurementStart: start, measurementEnd: measurementEnd)
        }
        if key.count > Self.maxKeyLength - 5 {
            throw LineFailure(start, "series key too long: \(key.count) bytes, at most \(Self.maxKeyLength - 5); use fewer or shorter tags")
        }
        return i
    }

    /// Tags out of order but nothing escaped: raw bytes are canonical, so only the tag order
    /// changes; each `key=value` is copied as it is.
    private mutating func sortSeriesKey(_ p: UnsafePointer<UInt8>, measurementStart: Int, measurementEnd: Int) throws(LineFailure) {
        var order = slowOrder  // moved out and back, so the scratch is reused
        slowOrder = []
        defer { slowOrder = order }
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: tags.indices)
        for t in tags where Bytes.isLiteral(p + t.keyStart, t.keyEnd - t.keyStart, "time") {
            throw Self.timeTag(t.keyStart)
        }
        let tags = self.tags
        if tags.count > 32 {
            // Large tag sets: O(n log n), stable (ties keep input order for the duplicate check).
            order.sort { a, b in
                let x = tags[a], y = tags[b]
                let c = Bytes.compare(p + x.keyStart, x.keyEnd - x.keyStart, p + y.keyStart, y.keyEnd - y.keyStart)
                return c != 0 ? c < 0 : a < b
            }
        }
        // Insertion sort (a no-op after the sort above): small tag sets need no allocation or
        // closure calls.
        for k in order.indices.dropFirst() {
            let moving = order[k]
            let m = tags[moving]
            var j = k
            while j > 0 {
                let o = tags[order[j - 1]]
                if Bytes.compare(p + o.keyStart, o.keyEnd - o.keyStart, p + m.keyStart, m.keyEnd - m.keyStart) <= 0 { break }
                order[j] = order[j - 1]
                j -= 1
            }
            order[j] = moving
        }
        for k in order.indices.dropFirst() {
            let x = tags[order[k - 1]], y = tags[order[k]]
            if Bytes.compare(p + x.keyStart, x.keyEnd - x.keyStart, p + y.keyStart, y.keyEnd - y.keyStart) == 0 {
                throw LineFailure(max(x.keyStart, y.keyStart), "duplicate tag key \"\(Bytes.text(p, y.keyStart, y.keyEnd))\": a tag key may appear only once per line")
            }
        }
        key.append(contentsOf: UnsafeBufferPointer(start: p + measurementStart, count: measurementEnd - measurementStart))
        for n in order {
            let t = tags[n]
            key.append(Bytes.comma)
            key.append(contentsOf: UnsafeBufferPointer(start: p + t.keyStart, count: t.valueEnd - t.keyStart))
        }
    }

    /// Slow path: unescapes the measurement and tags into `text`, sorts the tags by unescaped
    /// key, rejects duplicates and `time`, and writes the key with the canonical escapes.
    private mutating func canonicalizeSeriesKey(_ p: UnsafePointer<UInt8>, measurementStart: Int, measurementEnd: Int) throws(LineFailure) {
        text.removeAll(keepingCapacity: true)
        Bytes.appendUnescaped(p, from: measurementStart, to: measurementEnd, into: &text)
        let measurementLength = text.count
        // Raw positions are kept for error offsets; the unescaped ranges go in a parallel list.
        var unescaped = slowTags  // moved out and back, so the scratch is reused
        var order = slowOrder
        slowTags = []
        slowOrder = []
        defer {
            slowTags = unescaped
            slowOrder = order
        }
        unescaped.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        for t in tags {
            let keyStart = text.count
            Bytes.appendUnescaped(p, from: t.keyStart, to: t.keyEnd, into: &text)
            let keyEnd = text.count
            Bytes.appendUnescaped(p, from: t.valueStart, to: t.valueEnd, into: &text)
            unescaped.append(TagToken(keyStart: keyStart, keyEnd: keyEnd, valueStart: keyEnd, valueEnd: text.count))
        }
        order.append(contentsOf: unescaped.indices)
        try text.withUnsafeBufferPointer { (tb) throws(LineFailure) in
            let t = tb.baseAddress!
            for (n, u) in unescaped.enumerated() where Bytes.isLiteral(t + u.keyStart, u.keyEnd - u.keyStart, "time") {
                throw Self.timeTag(tags[n].keyStart)
            }
            order.sort { a, b in
                let x = unescaped[a], y = unescaped[b]
                let c = Bytes.compare(t + x.keyStart, x.keyEnd - x.keyStart, t + y.keyStart, y.keyEnd - y.keyStart)
                return c != 0 ? c < 0 : a < b
            }
            for k in order.indices.dropFirst() {
                let x = unescaped[order[k - 1]], y = unescaped[order[k]]
                if Bytes.compare(t + x.keyStart, x.keyEnd - x.keyStart, t + y.keyStart, y.keyEnd - y.keyStart) == 0 {
                    let name = String(decoding: UnsafeBufferPointer(start: t + y.keyStart, count: y.keyEnd - y.keyStart), as: UTF8.self)
                    throw LineFailure(tags[order[k]].keyStart, "duplicate tag key \"\(name)\": a tag key may appear only once per line")
                }
            }
        }
        key.reserveCapacity(text.count * 2 + tags.count * 2)
        SeriesKey.appendEscaped(text[0..<measurementLength], into: &key, isMeasurement: true)
        for n in order {
            let u = unescaped[n]
            key.append(Bytes.comma)
            SeriesKey.appendEscaped(text[u.keyStart..<u.keyEnd], into: &key, isMeasurement: false)
            key.append(Bytes.equals)
            SeriesKey.appendEscaped(text[u.valueStart..<u.valueEnd], into: &key, isMeasurement: false)
        }
    }

    /// Checks the control or non-ASCII byte at `i` of a series key: rejects ASCII control
    /// characters and malformed UTF-8, and returns the index after the character.
    static func checkKeyCharacter(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) throws(LineFailure) -> Int {
        let b = p[i]
        if b < 0x80 {
            let hex = String(b, radix: 16, uppercase: true)
            throw LineFailure(i, "invalid character 0x\(b < 0x10 ? "0" : "")\(hex) in the series key: measurement, tag keys and tag values must be printable UTF-8")
        }
        // Lead byte -> sequence length and the allowed range of the second byte (RFC 3629).
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch b {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: length = 0
        }
        var valid = length > 0 && i + length <= end && p[i + 1] >= low && p[i + 1] <= high
        if valid {
            for k in 2..<max(2, length) where p[i + k] & 0xC0 != 0x80 { valid = false }
        }
        guard valid else {
            throw LineFailure(i, "invalid UTF-8 in the series key: measurement, tag keys and tag values must be valid UTF-8")
        }
        return i + length
    }

    static func missingFields(_ at: Int) -> LineFailure {
        LineFailure(at, "missing fields: expected a space and at least one field=value after the series key")
    }

    static func missingTagEquals(_ p: UnsafePointer<UInt8>, _ keyStart: Int, _ at: Int) -> LineFailure {
        LineFailure(at, "invalid tag: expected '=' and a value after tag key \"\(Bytes.text(p, keyStart, at))\"")
    }

    static func timeTag(_ at: Int) -> LineFailure {
        LineFailure(at, "invalid tag key \"time\": time is reserved for the timestamp; rename the tag")
    }
}

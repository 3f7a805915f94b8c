#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ChargelineCore

extension LineProtocolParser {
    /// Exact powers of ten as doubles: 10^22 is the largest power of ten a double holds exactly,
    /// which is what bounds Clinger's fast path.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Scans a number value (float, `i` integer or `u` unsigned) starting at `start` (a digit,
    /// `-` or `.`) and returns the index after it, which is the line end, ',' or ' '.
    mutating func scanNumber(_ cursor: LineCursor, from start: Int, into token: inout FieldToken) throws(LineFailure) -> Int {
        let p = cursor.base
        let end = cursor.end
        var j = start
        let negative = p[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        let intStart = j
        // Up to 19 significant digits fit in a UInt64; more only matter to strtod.
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var truncated = false
        while j < end {
            let d = p[j] &- UInt8(ascii: "0")
            if d > 9 { break }
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { significant += 1 }
            } else {
                truncated = true
                exponent += 1
            }
            j += 1
        }
        let intDigits = j - intStart
        if j < end && (p[j] == UInt8(ascii: "i") || p[j] == UInt8(ascii: "u")) && intDigits > 0 {
            return try scanInteger(cursor, start: start, digits: intStart, suffix: j, negative: negative, into: &token)
        }
        var fracDigits = 0
        if j < end && p[j] == UInt8(ascii: ".") {
            j += 1
            let fracStart = j
            while j < end {
                let d = p[j] &- UInt8(ascii: "0")
                if d > 9 { break }
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { significant += 1 }
                    exponent -= 1
                } else {
                    truncated = true
                }
                j += 1
            }
            fracDigits = j - fracStart
        }
        guard intDigits + fracDigits > 0 else { throw Self.invalidNumber(p, start, j, end) }
        if j < end && (p[j] == UInt8(ascii: "e") || p[j] == UInt8(ascii: "E")) {
            j += 1
            var expNegative = false
            if j < end && (p[j] == UInt8(ascii: "+") || p[j] == UInt8(ascii: "-")) {
                expNegative = p[j] == UInt8(ascii: "-")
                j += 1
            }
            let expStart = j
            var e = 0
            while j < end {
                let d = p[j] &- UInt8(ascii: "0")
                if d > 9 { break }
                // Past 10^6 the result is 0 or infinity anyway; the cap keeps `e` from overflowing.
                if e < 1_000_000 { e = e * 10 + Int(d) }
                j += 1
            }
            guard j > expStart else { throw Self.invalidNumber(p, start, j, end) }
            exponent += expNegative ? -e : e
        }
        guard j >= end || Bytes.endsValue(p[j]) else {
            if p[j] == UInt8(ascii: "i") || p[j] == UInt8(ascii: "u") {
                throw LineFailure(j, "invalid number \"\(Bytes.text(p, start, Self.valueEnd(p, j, end)))\": integer (i) and unsigned (u) values cannot have a decimal point or exponent")
            }
            throw Self.invalidNumber(p, start, j, end)
        }
        var value: Double
        if mantissa == 0 {
            value = 0
        } else if !truncated && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            // Clinger's fast path: both operands are exact, so one IEEE operation rounds correctly.
            value = Double(mantissa)
            if exponent < 0 {
                value /= Self.exactPowersOfTen[-exponent]
            } else {
                value *= Self.exactPowersOfTen[exponent]
            }
        } else {
            value = strtodFallback(p, from: intStart, to: j)
        }
        if negative { value = -value }
        guard value.isFinite else {
            throw LineFailure(start, "float out of range: \"\(Bytes.text(p, start, j))\" is beyond ±1.7976931348623157e308")
        }
        token.type = .float
        token.bits = value.bitPattern
        return j
    }

    /// Correctly rounded conversion for what the fast path cannot do, via the C library on a
    /// NUL-terminated copy (the text was validated, so strtod consumes all of it). Swift
    /// programs run in the "C" locale, so the decimal point is '.'.
    private mutating func strtodFallback(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Double {
        floatText.removeAll(keepingCapacity: true)
        for k in from..<to { floatText.append(CChar(bitPattern: p[k])) }
        floatText.append(0)
        return floatText.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
    }

    /// Finishes an `i` or `u` value whose digits are `p[digits..<suffix]`.
    private func scanInteger(_ cursor: LineCursor, start: Int, digits: Int, suffix: Int, negative: Bool, into token: inout FieldToken) throws(LineFailure) -> Int {
        let p = cursor.base
        let next = suffix + 1
        guard next >= cursor.end || Bytes.endsValue(p[next]) else { throw Self.invalidNumber(p, start, next, cursor.end) }
        var magnitude: UInt64 = 0
        var overflow = false
        for k in digits..<suffix {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(p[k] &- UInt8(ascii: "0")))
            magnitude = s
            overflow = overflow || o1 || o2
        }
        let literal = Bytes.text(p, start, next)
        if p[suffix] == UInt8(ascii: "u") {
            if negative {
                throw LineFailure(start, "invalid unsigned value \"\(literal)\": unsigned values cannot be negative; use an i suffix for signed integers")
            }
            if overflow {
                throw LineFailure(start, "unsigned value out of range: \"\(literal)\" exceeds 18446744073709551615")
            }
            token.type = .unsigned
            token.bits = magnitude
        } else {
            let limit: UInt64 = negative ? 1 << 63 : UInt64(Int64.max)
            if overflow || magnitude > limit {
                throw LineFailure(start, "integer out of range: \"\(literal)\" is outside -9223372036854775808...9223372036854775807; use a u suffix or a float")
            }
            token.type = .integer
            token.bits = negative ? 0 &- magnitude : magnitude
        }
        return next
    }

    /// Scans the optional timestamp from `start` (the line end or blanks before it) and
    /// returns it in nanoseconds; `defaultTimestamp` when there is none.
    func scanTimestamp(_ cursor: LineCursor, from start: Int) throws(LineFailure) -> Int64 {
        let p = cursor.base
        let end = cursor.end
        var j = start
        while j < end && Bytes.isBlank(p[j]) { j += 1 }
        if j >= end { return defaultTimestamp }
        let tsStart = j
        let negative = p[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        let digitsStart = j
        var magnitude: UInt64 = 0
        var overflow = false
        while j < end {
            let d = p[j] &- UInt8(ascii: "0")
            if d > 9 { break }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            magnitude = s
            overflow = overflow || o1 || o2
            j += 1
        }
        guard j > digitsStart, j >= end || Bytes.isBlank(p[j]) else {
            let at = j > digitsStart ? j : tsStart
            throw LineFailure(at, "invalid timestamp: expected an integer number of \(unitName) since the Unix epoch")
        }
        let tsEnd = j
        while j < end && Bytes.isBlank(p[j]) { j += 1 }
        guard j >= end else {
            throw LineFailure(j, "unexpected text after the timestamp: a line is measurement[,tags] fields [timestamp]")
        }
        let limit: UInt64 = negative ? 1 << 63 : UInt64(Int64.max)
        var ns: Int64 = 0
        var outOfRange = overflow || magnitude > limit
        if !outOfRange {
            let units = negative ? Int64(bitPattern: 0 &- magnitude) : Int64(magnitude)
            let (product, o) = units.multipliedReportingOverflow(by: precisionMultiplier)
            ns = product
            // InfluxDB reserves Int64.min, Int64.min + 1 and Int64.max as sentinels.
            outOfRange = o || product < Int64.min + 2 || product == Int64.max
        }
        if outOfRange {
            throw LineFailure(tsStart, "timestamp out of range: \"\(Bytes.text(p, tsStart, tsEnd))\" \(unitName) is outside 1677-09-21T00:12:43.145224194Z...2262-04-11T23:47:16.854775806Z")
        }
        return ns
    }

    /// The timestamp unit in words, for messages.
    var unitName: String {
        switch precisionMultiplier {
        case 1: "nanoseconds"
        case 1_000: "microseconds"
        case 1_000_000: "milliseconds"
        case 1_000_000_000: "seconds"
        case 60_000_000_000: "minutes"
        case 3_600_000_000_000: "hours"
        default: "units of \(precisionMultiplier) ns"
        }
    }

    /// End of the value token at `from`: the next ',' or ' ', or the line end.
    static func valueEnd(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int {
        var k = from
        while k < end && !Bytes.endsValue(p[k]) { k += 1 }
        return k
    }

    static func invalidNumber(_ p: UnsafePointer<UInt8>, _ start: Int, _ at: Int, _ end: Int) -> LineFailure {
        let failure = invalidValue(p, start, end)
        if failure.message.contains("NaN") { return failure }
        return LineFailure(at, "invalid number \"\(Bytes.text(p, start, valueEnd(p, start, end)))\": expected digits with an optional '.', exponent and i or u suffix")
    }
}

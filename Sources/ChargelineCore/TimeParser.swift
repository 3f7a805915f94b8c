/// Parses the time forms an operator types: RFC 3339 (`2026-11-20T08:00:00Z`,
/// `2026-11-20T08:00:00.5+08:00`, `2026-11-20`), epoch integers with an optional unit
/// (`1763596800s`, `1763596800000ms`, plain integers are nanoseconds as in InfluxDB), `now`,
/// and `now-1h` / `now+30m` offsets with units ns, us, µs, ms, s, m, h, d, w.
public enum TimeParser {
    /// The timestamps a nanosecond `Int64` can hold, as RFC 3339, for error messages:
    /// `1677-09-21T00:12:43.145224192Z` through `2262-04-11T23:47:16.854775807Z`.
    public static let representableRange =
        "\(CivilTime(nanoseconds: .min).rfc3339) through \(CivilTime(nanoseconds: .max).rfc3339)"

    /// The error for a time that is well formed but outside `representableRange`.
    public static func outOfRange(_ text: String) -> ChargelineError {
        ChargelineError(.badInput, "time \"\(text)\" is outside the range a timestamp can hold (\(representableRange), in nanoseconds since 1970)")
    }

    /// The timestamp (ns since the Unix epoch) that `text` names, relative to `now`.
    /// - Throws: `ChargelineError(.badInput)` naming the accepted forms, or `outOfRange` for a
    ///   time (or `now` plus an offset) that a nanosecond `Int64` cannot hold.
    public static func parse(_ text: String, now: Int64) throws -> Int64 {
        let t = text.trimmingSpaces()
        if t == "now" || t == "now()" { return now }
        for prefix in ["now()", "now"] where t.hasPrefix(prefix) {
            let rest = t.dropFirst(prefix.count).trimmingSpacesSub()
            if let sign = rest.first, sign == "-" || sign == "+", let d = try? duration(String(rest.dropFirst()).trimmingSpaces()) {
                let (v, overflow) = sign == "-" ? now.subtractingReportingOverflow(d) : now.addingReportingOverflow(d)
                guard !overflow else { throw outOfRange(text) }
                return v
            }
        }
        if let v = try epoch(t) { return v }
        if let v = try parseRFC3339(t) { return v }
        throw ChargelineError(.badInput, "cannot read time \"\(text)\": use RFC 3339 (2026-11-20T08:00:00Z or 2026-11-20T08:00:00+08:00), an epoch with a unit (1763596800s, 1763596800000ms; a plain integer is ns), or now-1h")
    }

    /// Parses a duration such as `90s`, `15m`, `1h30m`, `2d`, `500ms` to nanoseconds.
    public static func duration(_ text: String) throws -> Int64 {
        let units: [(String, Int64)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
                                        ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
                                        ("w", 604_800_000_000_000)]
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { throw ChargelineError(.badInput, "empty duration") }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else {
                throw ChargelineError(.badInput, "cannot read duration \"\(text)\": use a number with a unit, e.g. 90s, 15m, 1h30m, 7d")
            }
            guard let n = Int64(digits) else {
                throw ChargelineError(.badInput, "duration \"\(text)\" is too long: nanoseconds in 64 bits hold at most about 292 years (15250w)")
            }
            rest = rest.dropFirst(digits.count)
            guard let (unit, mult) = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else {
                throw ChargelineError(.badInput, "cannot read duration \"\(text)\": unit missing or unknown after \(n) (use ns, us, ms, s, m, h, d, w)")
            }
            rest = rest.dropFirst(unit.count)
            let (p, o1) = n.multipliedReportingOverflow(by: mult)
            let (s, o2) = total.addingReportingOverflow(p)
            guard !o1, !o2 else {
                throw ChargelineError(.badInput, "duration \"\(text)\" is too long: nanoseconds in 64 bits hold at most about 292 years (15250w)")
            }
            total = s
        }
        return total
    }

    /// An epoch integer with an optional unit; nil when `t` is not one.
    /// - Throws: `outOfRange` when it is one but does not fit in nanoseconds.
    private static func epoch(_ t: String) throws -> Int64? {
        let units: [(String, Int64)] = [("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]
        var body = Substring(t)
        var mult: Int64 = 1
        for (u, m) in units where body.hasSuffix(u) {
            body = body.dropLast(u.count)
            mult = m
            break
        }
        let digits = body.first == "-" || body.first == "+" ? body.dropFirst() : body
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard let v = Int64(body) else { throw outOfRange(t) }
        let (r, o) = v.multipliedReportingOverflow(by: mult)
        guard !o else { throw outOfRange(t) }
        return r
    }

    /// RFC 3339 / ISO 8601 date-time to ns, or nil (also when it is outside
    /// `representableRange`; `parseRFC3339` tells the two apart).
    public static func rfc3339(_ t: String) -> Int64? {
        (try? parseRFC3339(t)) ?? nil
    }

    /// RFC 3339 / ISO 8601 date-time to ns; nil when `t` is not one.
    /// - Throws: `outOfRange` for a well-formed date-time that nanoseconds since 1970 in an
    ///   `Int64` cannot hold (before 1677-09-21 or after 2262-04-11).
    public static func parseRFC3339(_ t: String) throws -> Int64? {
        let b = Array(t.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = num(4), expect(UInt8(ascii: "-")), let month = num(2), expect(UInt8(ascii: "-")), let day = num(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, nanos = 0, offset = 0
        if i < b.count {
            guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "t") else { return nil }
            i += 1
            guard let h = num(2), expect(UInt8(ascii: ":")), let m = num(2) else { return nil }
            hour = h; minute = m
            if expect(UInt8(ascii: ":")) {
                guard let s = num(2) else { return nil }
                second = s
                if expect(UInt8(ascii: ".")) {
                    var digits = 0
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        if digits < 9 { nanos = nanos * 10 + Int(b[i] - 48) }
                        digits += 1
                        i += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in digits..<max(digits, 9) { nanos *= 10 }
                }
            }
            guard hour < 24, minute < 60, second < 61 else { return nil }
            if i < b.count {
                if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                    i += 1
                } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                    let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                    i += 1
                    guard let oh = num(2) else { return nil }
                    _ = expect(UInt8(ascii: ":"))
                    guard let om = num(2) else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                } else {
                    return nil
                }
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        // A four-digit year keeps `secs` far inside Int64; only the nanoseconds can overflow.
        let secs = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        // Before 1970 with a fraction, borrow a second so the first second of the range fits.
        let borrow = secs < 0 && nanos > 0
        let (ns, o1) = (borrow ? secs + 1 : secs).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, o2) = ns.addingReportingOverflow(borrow ? Int64(nanos) - 1_000_000_000 : Int64(nanos))
        guard !o1, !o2 else { throw outOfRange(t) }
        return total
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(trimmingSpacesSub())
    }
    fileprivate func trimmingSpacesSub() -> Substring {
        Substring(self).trimmingSpacesSub()
    }
}

extension Substring {
    fileprivate func trimmingSpacesSub() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}

import ArgumentParser

/// A length of time given on the command line, in nanoseconds.
///
/// Accepts Go/Prometheus-style sequences of number + unit (`24h`, `1h30m`, `10s`, `250ms`,
/// `1.5s`; units `ns us µs ms s m h d`), or a bare number of seconds (`10`, `0.5`).
struct DurationArgument: ExpressibleByArgument, CustomStringConvertible {
    /// The length in nanoseconds; never negative.
    var nanoseconds: Int64

    init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    init?(argument: String) {
        guard let ns = DurationArgument.parse(argument) else { return nil }
        nanoseconds = ns
    }

    var description: String { DurationArgument.format(nanoseconds) }

    var defaultValueDescription: String { description }

    private static func parse(_ text: String) -> Int64? {
        let chars = Array(text.unicodeScalars)
        guard !chars.isEmpty else { return nil }
        if let seconds = Double(text), seconds >= 0, seconds * 1e9 < 9.2e18 {
            return Int64((seconds * 1e9).rounded())
        }
        var i = 0
        var total: Double = 0
        while i < chars.count {
            var number = ""
            while i < chars.count, chars[i] == "." || ("0"..."9").contains(chars[i]) {
                number.unicodeScalars.append(chars[i])
                i += 1
            }
            var unit = ""
            while i < chars.count, !(chars[i] == "." || ("0"..."9").contains(chars[i])) {
                unit.unicodeScalars.append(chars[i])
                i += 1
            }
            guard let value = Double(number), let scale = unitNanoseconds(unit) else { return nil }
            total += value * scale
        }
        guard total < 9.2e18 else { return nil }
        return Int64(total.rounded())
    }

    private static func unitNanoseconds(_ unit: String) -> Double? {
        switch unit {
        case "ns": 1
        case "us", "µs": 1e3
        case "ms": 1e6
        case "s": 1e9
        case "m": 60e9
        case "h": 3600e9
        case "d": 86400e9
        default: nil
        }
    }

    /// The shortest exact rendering, e.g. `1h30m`, `10s`, `250ms`, `0s`.
    static func format(_ ns: Int64) -> String {
        if ns == 0 { return "0s" }
        var rest = ns
        var out = ""
        for (unit, size) in [("h", Int64(3600_000_000_000)), ("m", 60_000_000_000), ("s", 1_000_000_000),
                             ("ms", 1_000_000), ("us", 1_000), ("ns", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}

/// An instant given on the command line: RFC 3339 (`2026-11-20T00:00:00Z`,
/// `2026-11-20T08:00:00.250+08:00`, `2026-11-20` for midnight UTC) or Unix epoch seconds
/// (`1795132800`, `1795132800.5`). Stored as nanoseconds since the epoch.
struct InstantArgument: ExpressibleByArgument, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z; never negative.
    var nanoseconds: Int64

    init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    init?(argument: String) {
        if let seconds = Double(argument), seconds >= 0, seconds < 9.2e9 {
            nanoseconds = Int64((seconds * 1e9).rounded())
            return
        }
        guard let ns = InstantArgument.parseRFC3339(argument) else { return nil }
        nanoseconds = ns
    }

    var description: String { InstantArgument.formatRFC3339(nanoseconds) }

    var defaultValueDescription: String { description }

    private static func parseRFC3339(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int64? {
            guard at + count <= b.count else { return nil }
            var v: Int64 = 0
            for c in b[at..<at + count] {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard let year = digits(0, 4), b.count >= 10, b[4] == 45, let month = digits(5, 2), b[7] == 45,
              let day = digits(8, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = daysFromCivil(year, month, day) * 86_400
        if b.count == 10 { return seconds >= 0 ? seconds * 1_000_000_000 : nil }
        guard b.count >= 20, b[10] == 84 || b[10] == 116 || b[10] == 32,  // 'T', 't', ' '
              let hour = digits(11, 2), b[13] == 58, let minute = digits(14, 2), b[16] == 58,
              let second = digits(17, 2), hour < 24, minute < 60, second < 61
        else { return nil }
        seconds += hour * 3600 + minute * 60 + second
        var i = 19
        var fraction: Int64 = 0
        if b[i] == 46 {  // '.'
            i += 1
            var scale: Int64 = 100_000_000
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {  // 'Z', 'z'
            guard i + 1 == b.count else { return nil }
        } else if b[i] == 43 || b[i] == 45 {  // '+', '-'
            guard i + 6 == b.count, let oh = digits(i + 1, 2), b[i + 3] == 58, let om = digits(i + 4, 2)
            else { return nil }
            let offset = oh * 3600 + om * 60
            seconds += b[i] == 43 ? -offset : offset
        } else {
            return nil
        }
        guard seconds >= 0 else { return nil }
        return seconds * 1_000_000_000 + fraction
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z` (Hinnant's `civil_from_days`).
    static func formatRFC3339(_ ns: Int64) -> String {
        let secs = ns / 1_000_000_000
        let frac = ns % 1_000_000_000
        let z = secs / 86_400 + 719_468
        let sod = secs % 86_400
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(sod / 3600, 2)):\(pad(sod / 60 % 60, 2)):\(pad(sod % 60, 2))"
        if frac != 0 {
            var f = pad(frac, 9)
            while f.hasSuffix("0") { f.removeLast() }
            out += "." + f
        }
        return out + "Z"
    }
}

/// The unit of the printed timestamps, as InfluxDB's `precision=` parameter names them.
enum TimestampPrecision: String, ExpressibleByArgument, CaseIterable {
    case ns, ms, s

    /// Nanoseconds per printed unit.
    var divisor: Int64 {
        switch self {
        case .ns: 1
        case .ms: 1_000_000
        case .s: 1_000_000_000
        }
    }
}

import ArgumentParser
import ChargelineCore

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
        guard let ns = TimeParser.rfc3339(text), ns >= 0 else { return nil }
        return ns
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z`.
    static func formatRFC3339(_ ns: Int64) -> String {
        CivilTime(nanoseconds: ns).rfc3339
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

/// The unit of timestamps in a line-protocol body (`precision=` on `/write`).
public enum TimePrecision: String, Sendable, CaseIterable {
    case nanoseconds = "ns"
    case microseconds = "us"
    case milliseconds = "ms"
    case seconds = "s"

    /// Nanoseconds per unit.
    public var nanosecondsPerUnit: Int64 {
        switch self {
        case .nanoseconds: 1
        case .microseconds: 1_000
        case .milliseconds: 1_000_000
        case .seconds: 1_000_000_000
        }
    }

    /// Parses InfluxDB 1.x spellings: `ns`, `n`, `u`, `us`, `µ`, `ms`, `s`. Minutes and hours
    /// (`m`, `h`) are accepted by InfluxDB 1.x too, so they are here.
    public static func parse(_ text: String) -> (precision: TimePrecision?, multiplier: Int64)? {
        switch text {
        case "", "ns", "n": (.nanoseconds, 1)
        case "u", "us", "µ", "µs": (.microseconds, 1_000)
        case "ms": (.milliseconds, 1_000_000)
        case "s": (.seconds, 1_000_000_000)
        case "m": (nil, 60_000_000_000)
        case "h": (nil, 3_600_000_000_000)
        default: nil
        }
    }
}

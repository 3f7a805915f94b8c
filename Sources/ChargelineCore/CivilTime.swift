/// UTC calendar fields of a nanosecond timestamp (proleptic Gregorian), without Foundation.
public struct CivilTime: Sendable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int

    public init(nanoseconds: Int64) {
        var secs = nanoseconds / 1_000_000_000
        var ns = nanoseconds % 1_000_000_000
        if ns < 0 { ns += 1_000_000_000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        // Howard Hinnant's days_from_civil inverse.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = Int(m <= 2 ? y + 1 : y)
        month = Int(m)
        day = Int(d)
        hour = Int(rem / 3_600)
        minute = Int(rem % 3_600 / 60)
        second = Int(rem % 60)
        nanosecond = Int(ns)
    }

    /// RFC 3339 in UTC with nanoseconds when non-zero: `2026-11-20T08:00:00Z`.
    public var rfc3339: String {
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        if nanosecond != 0 {
            var frac = pad(nanosecond, 9)
            while frac.hasSuffix("0") { frac.removeLast() }
            out += "." + frac
        }
        return out + "Z"
    }
}

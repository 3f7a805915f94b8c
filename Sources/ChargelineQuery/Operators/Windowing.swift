import ChargelineCore
import Foundation

/// GROUP BY time() bucket arithmetic, as InfluxDB 1.x does it: buckets are aligned to the
/// epoch (shifted by the offset), and with `tz()` to local midnight of the zone.
struct Windowing: Sendable {
    let interval: Int64
    let offset: Int64
    let zone: TimeZone?

    /// The UTC offset (ns) of the zone at `t`.
    func zoneOffset(_ t: Int64) -> Int64 {
        guard let zone else { return 0 }
        return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1e9))) * 1_000_000_000
    }

    /// The start of the bucket holding `t` (InfluxDB's `IteratorOptions.Window`). Near the
    /// ends of Int64 the arithmetic saturates: the bucket holding `Int64.min` starts at
    /// `Int64.min` (its aligned start lies before it), never at a wrapped-around time.
    func start(of t0: Int64) -> Int64 {
        let t = t0.subtractingSaturating(offset)
        let zoneAt = zoneOffset(t)
        var dt = t.addingSaturating(zoneAt) % interval
        if dt < 0 { dt += interval }
        var start = t.subtractingSaturating(dt)
        if zone != nil {
            let o = zoneAt - zoneOffset(start)
            if o != 0 && abs(o) < interval { start = start.addingSaturating(o) }
        }
        return start.addingSaturating(offset)
    }

    /// How many buckets cover `[first, last]` (both inclusive), without making them; exact
    /// without a zone, within a bucket or two of DST shifts with one.
    func bucketCount(from first: Int64, through last: Int64) -> Int {
        guard first <= last else { return 0 }
        let s = start(of: first)
        let (span, overflow) = last.subtractingReportingOverflow(s)
        // Only a span past Int64 (bucket start before 1677, last after 2262) overflows.
        guard !overflow else { return Int(min((Double(last) - Double(s)) / Double(interval), Double(Int.max / 2))) + 1 }
        return Int(span / interval) + 1
    }

    /// The error for more than `limit` buckets per series, as InfluxDB words it.
    func tooManyBuckets(_ count: Int, limit: Int) -> QueryError {
        QueryError(.limit, "max-select-buckets limit exceeded: (\(count)/\(limit)): GROUP BY time(\(Windowing.format(interval))) over this time range makes \(count) buckets per series; narrow the WHERE time range or use a longer interval")
    }

    /// Bucket starts covering `[first, last]` (both inclusive), in order.
    func buckets(from first: Int64, through last: Int64, limit: Int) throws -> [Int64] {
        let expected = bucketCount(from: first, through: last)
        // Refused before anything is allocated; `+ 1`: DST days may add one.
        if expected > limit + 1 { throw tooManyBuckets(expected, limit: limit) }
        var out: [Int64] = []
        out.reserveCapacity(min(expected, limit + 1))
        var s = start(of: first)
        while s <= last {
            out.append(s)
            if out.count > limit { throw tooManyBuckets(expected, limit: limit) }
            let next = start(of: s.addingSaturating(interval))
            if next <= s { break }
            s = next
        }
        return out
    }

    static func format(_ ns: Int64) -> String {
        for (u, m) in [("w", Int64(604_800_000_000_000)), ("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("u", 1_000)] where ns % m == 0 {
            return "\(ns / m)\(u)"
        }
        return "\(ns)ns"
    }
}

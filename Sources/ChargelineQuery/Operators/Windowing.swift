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

    /// Bucket starts covering `[first, last]` (both inclusive), in order.
    func buckets(from first: Int64, through last: Int64, limit: Int) throws -> [Int64] {
        var out: [Int64] = []
        var s = start(of: first)
        while s <= last {
            out.append(s)
            if out.count > limit {
                throw QueryError(.limit, "GROUP BY time(\(Windowing.format(interval))) over this time range makes more than \(limit) buckets; narrow the WHERE time range or use a longer interval")
            }
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

/// Durations for people: `7d`, `1h30m`, `90s` → `1m30s`, `250ms`; the same units
/// `TimeParser.duration` reads, so a printed value can be pasted into a flag or the config.
enum DurationText {
    private static let units: [(String, Int64)] = [
        ("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000),
        ("ms", 1_000_000), ("us", 1_000), ("ns", 1),
    ]

    /// `ns` as at most two units, largest first (`1h30m`, not `1h30m12s`); 0 is `0s`.
    static func format(nanoseconds ns: Int64) -> String {
        if ns == 0 { return "0s" }
        var rest = ns.magnitude
        var parts: [String] = []
        for (name, size) in units where parts.count < 2 {
            let n = rest / UInt64(size)
            if n > 0 {
                parts.append("\(n)\(name)")
                rest -= n * UInt64(size)
            } else if !parts.isEmpty {
                break  // no "1h0m5s": stop at the first empty unit after a non-empty one
            }
        }
        return (ns < 0 ? "-" : "") + parts.joined()
    }

    /// Bytes as `512 B`, `12.3 KB`, `4.5 MB`, `1.2 GB` (decimal units, as the rest of the CLI).
    static func bytes(_ n: Int) -> String {
        let v = Double(n)
        if v < 1e3 { return "\(n) B" }
        if v < 1e6 { return Terminal.format(v / 1e3, 1) + " KB" }
        if v < 1e9 { return Terminal.format(v / 1e6, 1) + " MB" }
        return Terminal.format(v / 1e9, 2) + " GB"
    }
}

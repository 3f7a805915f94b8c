import ChargelineCore

/// Writes report rows as CSV (RFC 4180): a header, then one row per `DailyUsage`, columns in
/// a fixed order that scripts may rely on (new columns are only ever appended). Missing peaks,
/// temperatures and unknown revenue are empty cells.
public enum CSVReportWriter {
    /// The header, in column order.
    public static let columns = ["date", "station", "pile", "gun", "energy_kwh", "charging_hours", "sessions",
                                 "peak_power_kw", "max_temperature", "fault_minutes", "online_ratio", "revenue_yuan", "alert_faults", "alert_episodes"]

    /// The CSV text of `rows`, as UTF-8 bytes.
    public static func write(_ rows: [DailyUsage]) -> [UInt8] {
        // ~90 bytes a row is typical; reserving avoids regrowth on big reports.
        var out = TextBuffer(capacity: 96 * (rows.count + 1))
        out.append(columns.joined(separator: ","))
        out.append(byte: 10)
        for r in rows { append(r, to: &out) }
        return out.bytes
    }

    static func append(_ r: DailyUsage, to out: inout TextBuffer) {
        let comma = UInt8(ascii: ",")
        field(r.date, &out); out.append(byte: comma)
        field(r.station, &out); out.append(byte: comma)
        field(r.pile, &out); out.append(byte: comma)
        field(r.gun, &out); out.append(byte: comma)
        out.append(r.energyKWh, decimals: 3); out.append(byte: comma)
        out.append(r.chargingHours, decimals: 4); out.append(byte: comma)
        out.append(r.sessions); out.append(byte: comma)
        if let p = r.peakPowerKW { out.append(p, decimals: 3) }
        out.append(byte: comma)
        if let t = r.maxTemperature { out.append(t, decimals: 2) }
        out.append(byte: comma)
        out.append(r.faultMinutes, decimals: 2); out.append(byte: comma)
        out.append(r.onlineRatio, decimals: 4); out.append(byte: comma)
        if let y = r.revenueYuan { out.append(y, decimals: 2) }
        out.append(byte: comma)
        out.append(r.alertEpisodes.count); out.append(byte: comma)
        if !r.alertEpisodes.isEmpty { field(r.alertEpisodes.map(episodeText).joined(separator: "; "), &out) }
        out.append(byte: 10)
    }

    /// One episode in the `alert_episodes` cell: `RULE [PILE[/GUN]] START/[END][ late]`, times
    /// RFC 3339 in UTC (an ISO 8601 interval; no end while it still fires).
    static func episodeText(_ e: AlertEpisode) -> String {
        var s = e.rule
        if !e.pile.isEmpty { s += " " + e.pile + (e.gun.isEmpty ? "" : "/" + e.gun) }
        s += " " + CivilTime(nanoseconds: e.start).rfc3339 + "/" + (e.end.map { CivilTime(nanoseconds: $0).rfc3339 } ?? "")
        return e.late ? s + " late" : s
    }

    /// A text cell, quoted only when it holds a comma, quote, CR or LF.
    private static func field(_ s: String, _ out: inout TextBuffer) {
        let needsQuotes = s.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard needsQuotes else { out.append(s); return }
        out.append(byte: UInt8(ascii: "\""))
        for b in s.utf8 {
            if b == UInt8(ascii: "\"") { out.append(byte: b) }
            out.append(byte: b)
        }
        out.append(byte: UInt8(ascii: "\""))
    }
}

import ChargelineCore

/// Writes report rows as one JSON object: `{"level": ..., "time_zone": ..., "rows": [...]}`,
/// each row an object with the CSV column names as keys (`null` for a missing peak or
/// temperature, or unknown revenue); `alert_episodes` is a list of objects (`rule`, `station`,
/// `pile`, `gun`, `start`, `end` (null while firing), `late`).
public enum JSONReportWriter {
    /// The JSON text of `rows`, as UTF-8 bytes.
    public static func write(_ rows: [DailyUsage], level: ReportLevel, timeZone: String) -> [UInt8] {
        var out = TextBuffer(capacity: 200 * (rows.count + 1))
        out.append("{\"level\":\(JSONText.quote(level.rawValue)),\"time_zone\":\(JSONText.quote(timeZone)),\"rows\":[")
        for (i, r) in rows.enumerated() {
            out.append(i == 0 ? "\n{" : ",\n{")
            out.append("\"date\":\(JSONText.quote(r.date)),\"station\":\(JSONText.quote(r.station)),")
            out.append("\"pile\":\(JSONText.quote(r.pile)),\"gun\":\(JSONText.quote(r.gun)),\"energy_kwh\":")
            out.append(r.energyKWh, decimals: 3)
            out.append(",\"charging_hours\":")
            out.append(r.chargingHours, decimals: 4)
            out.append(",\"sessions\":")
            out.append(r.sessions)
            out.append(",\"peak_power_kw\":")
            if let p = r.peakPowerKW { out.append(p, decimals: 3) } else { out.append("null") }
            out.append(",\"max_temperature\":")
            if let t = r.maxTemperature { out.append(t, decimals: 2) } else { out.append("null") }
            out.append(",\"fault_minutes\":")
            out.append(r.faultMinutes, decimals: 2)
            out.append(",\"online_ratio\":")
            out.append(r.onlineRatio, decimals: 4)
            out.append(",\"revenue_yuan\":")
            if let y = r.revenueYuan { out.append(y, decimals: 2) } else { out.append("null") }
            out.append(",\"alert_faults\":")
            out.append(r.alertEpisodes.count)
            out.append(",\"alert_episodes\":[")
            for (j, e) in r.alertEpisodes.enumerated() {
                out.append(j == 0 ? "{" : ",{")
                out.append("\"rule\":\(JSONText.quote(e.rule)),\"station\":\(JSONText.quote(e.station)),")
                out.append("\"pile\":\(JSONText.quote(e.pile)),\"gun\":\(JSONText.quote(e.gun)),")
                out.append("\"start\":\(JSONText.quote(CivilTime(nanoseconds: e.start).rfc3339)),\"end\":")
                out.append(e.end.map { JSONText.quote(CivilTime(nanoseconds: $0).rfc3339) } ?? "null")
                out.append(e.late ? ",\"late\":true}" : ",\"late\":false}")
            }
            out.append("]}")
        }
        out.append("\n]}\n")
        return out.bytes
    }
}

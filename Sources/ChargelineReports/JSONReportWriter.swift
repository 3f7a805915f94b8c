import ChargelineCore

/// Writes report rows as one JSON object: `{"level": ..., "time_zone": ..., "rows": [...]}`,
/// each row an object with the CSV column names as keys (`null` for a missing peak or
/// temperature, or unknown revenue).
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
            out.append("}")
        }
        out.append("\n]}\n")
        return out.bytes
    }
}

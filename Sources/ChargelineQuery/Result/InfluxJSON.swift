import ChargelineCore
public import Foundation

/// Renders results in InfluxDB 1.x's `/query` JSON: `{"results":[{"statement_id":0,"series":[
/// {"name":..,"tags":{..},"columns":[..],"values":[[..]]}]}]}`, errors as
/// `{"statement_id":0,"error":".."}`, warnings as `"messages":[{"level":"warning","text":".."}]`. Numbers are written as Go's encoding/json writes them, so
/// byte-for-byte comparisons with InfluxDB hold.
public struct InfluxJSON: Sendable {
    /// `epoch=` unit: h, m, s, ms, u (or µ), ns; nil for RFC 3339 strings.
    public var epoch: String?
    /// The zone for RFC 3339 times (from tz()); nil for UTC.
    public var zone: TimeZone?

    public init(epoch: String? = nil, zone: TimeZone? = nil) {
        self.epoch = epoch
        self.zone = zone
    }

    /// The whole response body.
    public func encode(_ results: [StatementResult]) -> String {
        var out = JSONBuffer(capacity: 1024)
        out.raw("{\"results\":[")
        for (i, r) in results.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            write(r, into: &out)
        }
        out.raw("]}")
        return out.string
    }

    /// One statement's object.
    public func statement(_ r: StatementResult) -> String {
        var out = JSONBuffer(capacity: 256)
        write(r, into: &out)
        return out.string
    }

    func write(_ r: StatementResult, into out: inout JSONBuffer) {
        out.raw("{\"statement_id\":")
        out.integer(Int64(r.statementID))
        if let e = r.error {
            out.raw(",\"error\":")
            out.quoted(e)
        } else if !r.series.isEmpty {
            out.raw(",\"series\":[")
            for (i, s) in r.series.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                write(s, into: &out)
            }
            out.byte(UInt8(ascii: "]"))
        }
        if r.error == nil, !r.messages.isEmpty {
            out.raw(",\"messages\":[")
            for (i, m) in r.messages.enumerated() {
                out.raw(i > 0 ? ",{\"level\":\"warning\",\"text\":" : "{\"level\":\"warning\",\"text\":")
                out.quoted(m)
                out.byte(UInt8(ascii: "}"))
            }
            out.byte(UInt8(ascii: "]"))
        }
        out.byte(UInt8(ascii: "}"))
    }

    func series(_ s: ResultSeries) -> String {
        var out = JSONBuffer(capacity: 256)
        write(s, into: &out)
        return out.string
    }

    func write(_ s: ResultSeries, into out: inout JSONBuffer) {
        out.byte(UInt8(ascii: "{"))
        var first = true
        if !s.name.isEmpty {
            out.raw("\"name\":")
            out.quoted(s.name)
            first = false
        }
        if !s.tags.isEmpty {
            out.raw(first ? "\"tags\":{" : ",\"tags\":{")
            for (i, t) in s.tags.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                out.quoted(t.key)
                out.byte(UInt8(ascii: ":"))
                out.quoted(t.value)
            }
            out.byte(UInt8(ascii: "}"))
            first = false
        }
        out.raw(first ? "\"columns\":[" : ",\"columns\":[")
        for (i, c) in s.columns.enumerated() {
            if i > 0 { out.byte(UInt8(ascii: ",")) }
            out.quoted(c)
        }
        out.byte(UInt8(ascii: "]"))
        if !s.values.isEmpty {
            out.raw(",\"values\":[")
            for (i, row) in s.values.enumerated() {
                out.raw(i > 0 ? ",[" : "[")
                for (j, v) in row.enumerated() {
                    if j > 0 { out.byte(UInt8(ascii: ",")) }
                    write(v, into: &out)
                }
                out.byte(UInt8(ascii: "]"))
            }
            out.byte(UInt8(ascii: "]"))
        }
        out.byte(UInt8(ascii: "}"))
    }

    /// One cell.
    public func value(_ v: Value) -> String {
        var out = JSONBuffer(capacity: 32)
        write(v, into: &out)
        return out.string
    }

    func write(_ v: Value, into out: inout JSONBuffer) {
        switch v {
        case .null: out.raw("null")
        case .float(let d):
            // Integral values and the plain-notation range take the fast paths.
            if d.isFinite, d == d.rounded(), Swift.abs(d) < 1e15, d != 0 || d.sign == .plus {
                out.integer(Int64(d))
            } else {
                out.raw(InfluxJSON.number(d))
            }
        case .integer(let i): out.integer(i)
        case .unsigned(let u): out.unsigned(u)
        case .boolean(let b): out.raw(b ? "true" : "false")
        case .string(let s): out.quoted(s)
        case .time(let t):
            if let unit = epoch {
                out.integer(InfluxJSON.epoch(t, unit: unit))
            } else if zone == nil {
                out.rfc3339(t)
            } else {
                out.quoted(InfluxJSON.rfc3339(t, zone: zone))
            }
        }
    }

    /// `t` in `unit` (truncating toward zero, as InfluxDB does).
    public static func epoch(_ t: Int64, unit: String) -> Int64 {
        switch unit {
        case "h": t / 3_600_000_000_000
        case "m": t / 60_000_000_000
        case "s": t / 1_000_000_000
        case "ms": t / 1_000_000
        case "u", "µ", "us": t / 1_000
        default: t
        }
    }

    /// RFC 3339 with trailing zero fractions trimmed (Go's RFC3339Nano), in `zone` if given.
    public static func rfc3339(_ t: Int64, zone: TimeZone?) -> String {
        guard let zone else { return CivilTime(nanoseconds: t).rfc3339 }
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1e9))
        // Within hours of the ends of Int64 the local time does not fit: show it in UTC.
        let (local, overflow) = t.addingReportingOverflow(Int64(offset) * 1_000_000_000)
        if overflow { return CivilTime(nanoseconds: t).rfc3339 }
        var s = CivilTime(nanoseconds: local).rfc3339
        s.removeLast()  // Z
        if offset == 0 { return s + "Z" }
        let a = abs(offset)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return s + (offset < 0 ? "-" : "+") + two(a / 3600) + ":" + two(a % 3600 / 60)
    }

    /// A float as Go's encoding/json writes it: shortest round-trip digits, plain notation for
    /// 1e-6 <= |x| < 1e21, exponent otherwise; NaN and infinities as null.
    public static func number(_ d: Double) -> String {
        if !d.isFinite { return "null" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let a = Swift.abs(d)
        if d == d.rounded(), a < 1e15 { return String(Int64(d)) }
        // Digits and exponent of the shortest representation. For a non-integer, Swift writes
        // plain notation (no exponent) only inside Go's plain range, with the same shortest
        // digits, so that is the answer (an integer there would end in ".0").
        let s = "\(a)"
        if d != d.rounded(), !s.contains("e") { return d < 0 ? "-" + s : s }
        var mantissa = Substring(s)
        var exp = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = s[..<e]
            exp = Int(s[s.index(after: e)...].replacingOccurrences(of: "+", with: "")) ?? 0
        }
        var digits = mantissa.replacingOccurrences(of: ".", with: "")
        var point = (mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count) + exp
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); point -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        let sign = d < 0 ? "-" : ""
        if a < 1e-6 || a >= 1e21 {
            let first = digits.prefix(1), rest = digits.dropFirst()
            let e = point - 1
            return sign + first + (rest.isEmpty ? "" : "." + rest) + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) }
        let idx = digits.index(digits.startIndex, offsetBy: point)
        return sign + digits[..<idx] + "." + digits[idx...]
    }
}

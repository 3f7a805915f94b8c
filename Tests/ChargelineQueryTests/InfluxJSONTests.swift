import ChargelineCore
import Foundation
import Testing
@testable import ChargelineQuery
import ChargelineTestSupport

/// The byte-appending JSON writer must render exactly what the string-building one did (the
/// compat script compares bytes with InfluxDB): checked against reference implementations on
/// fixed-seed random values and on the edge cases.
@Suite struct InfluxJSONTests {
    /// The float formatting before the plain-notation shortcut: digits and exponent of Swift's
    /// shortest representation, re-laid out as Go's encoding/json does.
    static func referenceNumber(_ d: Double) -> String {
        if !d.isFinite { return "null" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let a = Swift.abs(d)
        if d == d.rounded(), a < 1e15 { return String(Int64(d)) }
        let s = "\(a)"
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

    @Test func floatsMatchTheReference() {
        var rng = SplitMix64(seed: 11)
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 401.4, 5039.75, 1e-6, 9.99e-7, 1e-5, 1e-4, 1e15, 1e15 + 0.5, 1e21, 9.9e20,
                                123456789012345680000, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 2.5e-300]
        for _ in 0..<20_000 {
            let mantissa = Double(rng.next() % 10_000_000) / 1000
            let exponent = Int(rng.next() % 60) - 30
            values.append((rng.next() & 1 == 0 ? 1 : -1) * mantissa * pow(10, Double(exponent)))
        }
        let json = InfluxJSON()
        for d in values {
            #expect(json.value(.float(d)) == Self.referenceNumber(d), "\(d)")
        }
    }

    @Test func integersStringsAndTimesMatchTheirReferences() {
        let json = InfluxJSON()
        for v: Int64 in [0, 1, -1, 9, 10, 99, 100, Int64.max, Int64.min, 1_795_132_800_000_000_000, -1_795_132_800_123_456_789] {
            #expect(json.value(.integer(v)) == String(v))
            #expect(json.value(.time(v)) == JSONText.quote(CivilTime(nanoseconds: v).rfc3339))
            #expect(InfluxJSON(epoch: "ms").value(.time(v)) == String(v / 1_000_000))
        }
        for u: UInt64 in [0, 7, UInt64.max] { #expect(json.value(.unsigned(u)) == String(u)) }
        var rng = SplitMix64(seed: 5)
        for _ in 0..<2_000 {
            let t = Int64(bitPattern: rng.next()) / 4  // years from about 1680 to 2260
            #expect(json.value(.time(t)) == JSONText.quote(CivilTime(nanoseconds: t).rfc3339), "\(t)")
            let ms = (t / 1_000_000) * 1_000_000
            #expect(json.value(.time(ms)) == JSONText.quote(CivilTime(nanoseconds: ms).rfc3339), "\(ms)")
        }
        let controls = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        for s in ["", "plain", "quote \" and \\ backslash", controls, "温度 °C", "tab\tnew\nline\r"] {
            #expect(json.value(.string(s)) == JSONText.quote(s))
        }
        #expect(json.value(.boolean(true)) == "true")
        #expect(json.value(.null) == "null")
    }
}


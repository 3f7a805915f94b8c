/// The handful of JSON shapes the InfluxDB 1.x API answers with, written by hand so the hot
/// write path does not pay for an encoder.
enum JSON {
    /// `s` as a JSON string literal, quotes included.
    static func string(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    /// InfluxDB's error body: `{"error":"<message>"}`.
    static func error(_ message: String) -> String {
        "{\"error\":\(string(message))}"
    }

    /// A name quoted for an error message, shortened to 64 characters so a hostile name cannot
    /// blow up the response.
    static func quoteForMessage(_ s: String) -> String {
        let cut = s.count > 64 ? String(s.prefix(64)) + "..." : s
        return "\"" + cut.split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0") + "\""
    }
}

import ChargelineCore

/// The handful of JSON shapes the InfluxDB 1.x API and the gateway's endpoints answer with,
/// written by hand so the hot write path does not pay for an encoder.
package enum JSON {
    /// `s` as a JSON string literal, quotes included.
    package static func string(_ s: String) -> String {
        JSONText.quote(s)
    }

    /// InfluxDB's error body: `{"error":"<message>"}`.
    package static func error(_ message: String) -> String {
        "{\"error\":\(string(message))}"
    }

    /// A name quoted for an error message, shortened to 64 characters so a hostile name cannot
    /// blow up the response.
    package static func quoteForMessage(_ s: String) -> String {
        let cut = s.count > 64 ? String(s.prefix(64)) + "..." : s
        return "\"" + cut.split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0") + "\""
    }
}

/// Query-string and `application/x-www-form-urlencoded` decoding, as InfluxDB clients send
/// `db`, `precision` and `q`.
enum URLQuery {
    /// Splits a request target (`/write?db=x&precision=s`) into its path and decoded parameters.
    /// The first occurrence of a repeated key wins, as with Go's `url.Values.Get` in InfluxDB.
    static func split(target: String) -> (path: String, parameters: [String: String]) {
        guard let q = target.firstIndex(of: "?") else { return (target, [:]) }
        let path = String(target[..<q])
        var params: [String: String] = [:]
        decodeForm(Substring(target[target.index(after: q)...]), into: &params)
        return (path, params)
    }

    /// Decodes `a=1&b=two+words&c=%2F` into `params`, keeping existing keys (URL parameters
    /// take precedence over a form body, as in Go's `Request.FormValue`).
    static func decodeForm(_ text: Substring, into params: inout [String: String]) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(kv[0])
            let value = kv.count > 1 ? percentDecode(kv[1]) : ""
            if params[key] == nil { params[key] = value }
        }
    }

    /// Percent-decodes `text`, turning `+` into a space. Malformed escapes are kept literally;
    /// invalid UTF-8 is repaired with U+FFFD.
    static func percentDecode(_ text: Substring) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var i = utf8.startIndex
        while i < utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"),
                let h1 = utf8.index(i, offsetBy: 1, limitedBy: utf8.endIndex), h1 < utf8.endIndex,
                let h2 = utf8.index(h1, offsetBy: 1, limitedBy: utf8.endIndex), h2 < utf8.endIndex,
                let hi = hexValue(utf8[h1]), let lo = hexValue(utf8[h2])
            {
                bytes.append(hi << 4 | lo)
                i = h2
            } else {
                bytes.append(b)
            }
            i = utf8.index(after: i)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

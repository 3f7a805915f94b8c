/// The canonical key of a series: `measurement,tag1=value1,tag2=value2` with tags sorted by
/// key (bytewise) and these escapes, so the key parses back unambiguously:
///
/// - in the measurement: `\\`, `\,` and `\ `;
/// - in tag keys and values: `\\`, `\,`, `\=` and `\ `.
///
/// Two writes of the same measurement and tag set produce the same bytes whatever tag order
/// or redundant escapes the client used.
public enum SeriesKey {
    /// Builds a canonical key (allocates; the line-protocol parser uses `appendEscaped`).
    public static func make(measurement: String, tags: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        appendEscaped(Array(measurement.utf8), into: &out, isMeasurement: true)
        for (k, v) in tags.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            out.append(UInt8(ascii: ","))
            appendEscaped(Array(k.utf8), into: &out, isMeasurement: false)
            out.append(UInt8(ascii: "="))
            appendEscaped(Array(v.utf8), into: &out, isMeasurement: false)
        }
        return out
    }

    /// Appends `raw` (unescaped bytes) to `out` with the canonical escapes.
    @inlinable
    public static func appendEscaped<C: Collection<UInt8>>(_ raw: C, into out: inout [UInt8], isMeasurement: Bool) {
        for b in raw {
            if b == UInt8(ascii: "\\") || b == UInt8(ascii: ",") || b == UInt8(ascii: " ")
                || (!isMeasurement && b == UInt8(ascii: "=")) {
                out.append(UInt8(ascii: "\\"))
            }
            out.append(b)
        }
    }

    /// Splits a canonical key into its unescaped measurement and tags (in key order).
    /// Inlinable so that callers in other modules get it specialized for their collection (a
    /// read of many series parses every key, and the unspecialized generic path is slow).
    @inlinable
    public static func parse(_ key: some Collection<UInt8>) -> (measurement: String, tags: [(key: String, value: String)]) {
        var measurement = ""
        var tags: [(key: String, value: String)] = []
        var escaped = false
        var inMeasurement = true
        var current: [UInt8] = []
        var pendingKey: String?
        func flush() {
            let s = String(decoding: current, as: UTF8.self)
            if inMeasurement {
                measurement = s
                inMeasurement = false
            } else if let k = pendingKey {
                tags.append((k, s))
                pendingKey = nil
            }
            current.removeAll(keepingCapacity: true)
        }
        for b in key {
            if escaped {
                current.append(b)
                escaped = false
            } else if b == UInt8(ascii: "\\") {
                escaped = true
            } else if b == UInt8(ascii: ",") {
                flush()
            } else if b == UInt8(ascii: "="), !inMeasurement, pendingKey == nil {
                pendingKey = String(decoding: current, as: UTF8.self)
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
        }
        flush()
        return (measurement, tags)
    }

    /// The escaped measurement prefix of a canonical key (the bytes before the first
    /// unescaped comma), without allocating.
    @inlinable
    public static func measurementPrefixLength(_ key: UnsafeRawBufferPointer) -> Int {
        var i = 0
        while i < key.count {
            let b = key[i]
            if b == UInt8(ascii: "\\") { i += 2; continue }
            if b == UInt8(ascii: ",") { return i }
            i += 1
        }
        return key.count
    }

    /// The unescaped measurement name of a canonical key.
    public static func measurement(of key: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        var escaped = false
        for b in key {
            if escaped { out.append(b); escaped = false; continue }
            if b == UInt8(ascii: "\\") { escaped = true; continue }
            if b == UInt8(ascii: ",") { break }
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

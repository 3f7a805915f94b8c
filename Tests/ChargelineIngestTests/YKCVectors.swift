import Foundation

/// One line of `Fixtures/ykc-vectors.txt`.
struct YKCVector: @unchecked Sendable {
    var line: Int
    var source: String
    var type: UInt8
    var bytes: [UInt8]
    /// "LE", "BE" or "MISMATCH".
    var crc: String
    var lengthOK: Bool
    var fields: [String: Any]
    /// The sequence bytes as the file states them (`seq_bytes=BBBD`).
    var sequence: String?

    /// All vectors in the file.
    static let all: [YKCVector] = {
        let url = Bundle.module.url(forResource: "ykc-vectors", withExtension: "txt", subdirectory: "Fixtures")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        var out: [YKCVector] = []
        for (i, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let cols = line.components(separatedBy: " | ")
            guard cols.count >= 4 else { continue }
            let type = UInt8(cols[1].dropFirst(2), radix: 16)!
            let bytes = hexBytes(cols[2])
            let rest = cols[3...].joined(separator: " | ")
            let crc = rest.contains("lo-first") ? "LE" : rest.contains("hi-first") ? "BE" : "MISMATCH"
            var fields: [String: Any] = [:]
            if let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                let json = String(rest[open...close])
                fields = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
            }
            let seq = rest.range(of: "seq_bytes=").map { String(rest[$0.upperBound...].prefix(4)) }
            out.append(YKCVector(line: i + 1, source: cols[0], type: type, bytes: bytes, crc: crc,
                                 lengthOK: rest.contains("len_byte=ok"), fields: fields, sequence: seq))
        }
        return out
    }()

    static func hexBytes(_ s: String) -> [UInt8] {
        let digits = s.filter { $0.isHexDigit }
        var out: [UInt8] = []
        var i = digits.startIndex
        while i < digits.endIndex {
            let j = digits.index(i, offsetBy: 2)
            out.append(UInt8(digits[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    func string(_ k: String) -> String? { fields[k] as? String }
    func int(_ k: String) -> Int? { (fields[k] as? NSNumber)?.intValue }
    func double(_ k: String) -> Double? { (fields[k] as? NSNumber)?.doubleValue }
}

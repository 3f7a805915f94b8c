import ChargelineCore

/// Bytes of a JSON document being written: appends in place, so rendering a result of
/// thousands of series makes no intermediate string per value, row or series (the response
/// body of `SELECT latest(*) ... GROUP BY station, pile, gun` over 2,000 guns is 12,000 rows).
struct JSONBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// The document as a string (one copy).
    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// `s` as a JSON string, escaped as `JSONText.quote` does (quote, backslash, control
    /// characters; everything else, UTF-8 included, as is).
    mutating func quoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case UInt8(ascii: "\n"): raw("\\n")
            case UInt8(ascii: "\r"): raw("\\r")
            case UInt8(ascii: "\t"): raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(JSONBuffer.hex[Int(b >> 4)])
                bytes.append(JSONBuffer.hex[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A signed integer in decimal.
    mutating func integer(_ v: Int64) {
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            unsigned(v.magnitude)
        } else {
            unsigned(UInt64(v))
        }
    }

    /// An unsigned integer in decimal.
    mutating func unsigned(_ v: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - n] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
                n += 1
            } while x > 0
            bytes.append(contentsOf: d[(20 - n)...])
        }
    }

    /// `v` zero-padded to `width` digits (v >= 0, fewer than `width` + 1 digits).
    mutating func padded(_ v: Int, _ width: Int) {
        var p = 1
        for _ in 1..<width { p *= 10 }
        var x = v
        while p > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(x / p))
            x %= p
            p /= 10
        }
    }

    /// RFC 3339 in UTC as `CivilTime.rfc3339` writes it (trailing zero fractions trimmed).
    mutating func rfc3339(_ t: Int64) {
        let c = CivilTime(nanoseconds: t)
        guard (0...9999).contains(c.year) else { bytes.append(UInt8(ascii: "\"")); raw(c.rfc3339); bytes.append(UInt8(ascii: "\"")); return }
        bytes.append(UInt8(ascii: "\""))
        padded(c.year, 4); byte(UInt8(ascii: "-")); padded(c.month, 2); byte(UInt8(ascii: "-")); padded(c.day, 2)
        byte(UInt8(ascii: "T")); padded(c.hour, 2); byte(UInt8(ascii: ":")); padded(c.minute, 2); byte(UInt8(ascii: ":")); padded(c.second, 2)
        if c.nanosecond != 0 {
            var ns = c.nanosecond, width = 9
            while ns % 10 == 0 { ns /= 10; width -= 1 }
            byte(UInt8(ascii: "."))
            padded(ns, width)
        }
        raw("Z\"")
    }
}

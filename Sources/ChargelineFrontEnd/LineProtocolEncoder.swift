import ChargelineCore

/// Renders a `WriteBatch` as InfluxDB line protocol with nanosecond timestamps: the body a
/// gateway POSTs to a storage node's `/write` (which parses it back into the same points).
///
/// The series key is already in line-protocol escaping (`SeriesKey`), except that the
/// canonical `\\` for a literal backslash is written as one backslash, which line protocol
/// reads literally. Field names escape `,` `=` and space; strings escape `"` and `\`.
/// Floats use Swift's shortest round-trip form, so values survive bit for bit.
enum LineProtocolEncoder {
    /// Appends every point of `batch` to `out`, one line each.
    static func append(_ batch: WriteBatch, to out: inout [UInt8]) {
        batch.forEachPoint { point in
            var i = 0
            let key = point.seriesKey
            while i < key.count {
                if key[i] == UInt8(ascii: "\\") && i + 1 < key.count && key[i + 1] == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                    i += 2
                    continue
                }
                out.append(key[i])
                i += 1
            }
            out.append(UInt8(ascii: " "))
            var first = true
            point.forEachField { field in
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                for b in field.name {
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "=") || b == UInt8(ascii: " ") { out.append(UInt8(ascii: "\\")) }
                    out.append(b)
                }
                out.append(UInt8(ascii: "="))
                switch field.type {
                case .float: out += Array("\(Double(bitPattern: field.bits))".utf8)
                case .integer:
                    appendDecimal(Int64(bitPattern: field.bits), to: &out)
                    out.append(UInt8(ascii: "i"))
                case .unsigned:
                    appendDecimal(field.bits, to: &out)
                    out.append(UInt8(ascii: "u"))
                case .boolean: out += Array((field.bits != 0 ? "true" : "false").utf8)
                case .string:
                    out.append(UInt8(ascii: "\""))
                    for b in field.string! {
                        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                        out.append(b)
                    }
                    out.append(UInt8(ascii: "\""))
                }
            }
            out.append(UInt8(ascii: " "))
            appendDecimal(point.timestamp, to: &out)
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// Appends the decimal digits of `v` without allocating.
    static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            appendDecimal(v.magnitude, to: &out)
        } else {
            appendDecimal(UInt64(v), to: &out)
        }
    }

    /// Appends the decimal digits of `v` without allocating.
    static func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
        // UInt64.max has 20 digits.
        var buffer: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var n = v
            var i = 20
            repeat {
                i -= 1
                b[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[i..<20]))
        }
    }
}

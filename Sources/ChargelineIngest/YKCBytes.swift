/// Field encodings shared by the YKC payloads (protocol section 1.4): little-endian BIN
/// integers, BCD codes kept as their hex digits, CP56Time2a timestamps.
public enum YKCBytes {
    /// An unsigned little-endian integer of `count` bytes (1...8) at `offset`.
    @inlinable
    public static func uintLE(_ p: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> UInt64 {
        var v: UInt64 = 0
        var i = count - 1
        while i >= 0 {
            v = (v << 8) | UInt64(p[offset + i])
            i -= 1
        }
        return v
    }

    /// `count` BCD bytes (1...8) at `offset` packed big-endian into an integer: the hex
    /// digits of the result are the code's digits (`32 01 06 00 39 56 00` -> 0x32010600395600).
    /// Nibbles A-F are kept (real ICCIDs carry them).
    @inlinable
    public static func bcdPacked(_ p: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<count { v = (v << 8) | UInt64(p[offset + i]) }
        return v
    }

    /// The decimal value of one BCD byte (`0x12` -> 12); nibbles above 9 count as their hex value.
    @inlinable
    public static func bcdByteValue(_ b: UInt8) -> Int {
        Int(b >> 4) * 10 + Int(b & 0x0F)
    }

    /// Upper-case hex text of `count` bytes at `offset` (BCD codes as text; allocates).
    public static func hex(_ p: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> String {
        var s = ""
        s.reserveCapacity(count * 2)
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for i in 0..<count {
            out.append(digits[Int(p[offset + i] >> 4)])
            out.append(digits[Int(p[offset + i] & 0x0F)])
        }
        s = String(decoding: out, as: UTF8.self)
        return s
    }

    /// The digits of a packed BCD code of `digits` digits (`pileCodeText(0x32010600395600, 14)`).
    public static func packedText(_ code: UInt64, digits: Int) -> String {
        let text = String(code, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// Spaced upper-case hex of a whole buffer, for logs (`68 0D 00 01 ...`).
    public static func hexDump(_ p: UnsafeRawBufferPointer, limit: Int = 300) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(min(p.count, limit) * 3)
        for (i, b) in p.prefix(limit).enumerated() {
            if i > 0 { out.append(UInt8(ascii: " ")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        if p.count > limit { out += Array(" ...".utf8) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes CP56Time2a (7 bytes at `offset`) as a wall-clock time in the pile's time zone,
    /// `utcOffsetSeconds` east of UTC (YKC piles run on Beijing time, +8 h), into nanoseconds
    /// since the Unix epoch. `nil` when a field is out of range or the IV (invalid) bit is set.
    ///
    /// Layout: b0-b1 milliseconds within the minute (LE, 0...59999); b2 bits 0-5 minute,
    /// bit 7 invalid; b3 bits 0-4 hour; b4 bits 0-4 day of month (bits 5-7 day of week);
    /// b5 bits 0-3 month; b6 bits 0-6 year - 2000.
    public static func cp56Time2a(_ p: UnsafeRawBufferPointer, _ offset: Int, utcOffsetSeconds: Int) -> Int64? {
        let millis = Int(uintLE(p, offset, 2))
        let minuteByte = p[offset + 2]
        let minute = Int(minuteByte & 0x3F)
        let hour = Int(p[offset + 3] & 0x1F)
        let day = Int(p[offset + 4] & 0x1F)
        let month = Int(p[offset + 5] & 0x0F)
        let year = 2000 + Int(p[offset + 6] & 0x7F)
        guard minuteByte & 0x80 == 0, millis < 60_000, minute < 60, hour < 24, (1...31).contains(day),
              (1...12).contains(month) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60) - Int64(utcOffsetSeconds)
        return seconds * 1_000_000_000 + Int64(millis) * 1_000_000
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

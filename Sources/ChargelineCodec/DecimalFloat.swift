/// The `float-decimal` encoding, in the spirit of ALP (Afroozeh, Kuffó and Boncz, SIGMOD 2024):
/// telemetry printed with a fixed number of decimals (401.2 V, 12345.678 kWh) is a decimal
/// `d / 10^e` with a small integer `d`; store `d` through ``ResidualStream`` and `e` once.
///
/// Exactness: a value is encoded as `d` only when `Double(d) / 10^e` (the decoder's formula: an
/// exact conversion, since |d| < 2^51, and one correctly rounded IEEE division) gives back its
/// exact bit pattern. Everything else (NaN payloads, ±infinity, −0.0, non-decimals, magnitudes
/// of 2^51 · 10^−e and more) is an *exception*: its position and raw bits are stored apart and
/// its slot in the integer stream repeats the previous integer, so it costs the stream nothing.
enum DecimalFloat {
    /// 10^18: the largest exponent tried. Beyond it `d` overflows for any value ≥ 1000.
    static let maxExponent = 18
    /// A block with more exceptions than `count / exceptionDivisor` is not decimal data; the
    /// caller falls back to XOR or raw (each exception costs ~9 bytes, more than XOR's worst).
    static let exceptionDivisor = 8
    /// Exactly representable powers of ten 10^0 ... 10^18 (10^22 is the last exact one).
    static let powers: [Double] = (0...maxExponent).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }
    /// Adding and subtracting 1.5 · 2^52 rounds a double with |x| < 2^51 to the nearest integer
    /// (ties to even) in two instructions; x86-64's baseline has no rounding instruction.
    static let roundingMagic = 6_755_399_441_055_744.0
    /// |x| must stay below 2^51 for the rounding trick and for `Double(d)` to be exact.
    static let limit = 2_251_799_813_685_248.0

    /// `v · 10^e` rounded to an integer, if that integer decodes back to exactly `v`.
    @inline(__always)
    static func integer(_ v: UInt64, power: Double) -> Int64? {
        let x = Double(bitPattern: v) * power
        // Also false for NaN.
        guard x.magnitude < limit else { return nil }
        let d = Int64((x + roundingMagic) - roundingMagic)
        return (Double(d) / power).bitPattern == v ? d : nil
    }

    /// The smallest exponent that makes the most of up to 32 evenly spaced sampled values
    /// exact, or nil when none is.
    static func chooseExponent(_ bits: UnsafeBufferPointer<UInt64>) -> Int? {
        let n = bits.count
        let samples = min(n, 32)
        var best = -1
        var bestExact = 0
        for e in 0...maxExponent {
            var exact = 0
            for k in 0..<samples where integer(bits[samples == 1 ? 0 : k * (n - 1) / (samples - 1)], power: powers[e]) != nil {
                exact += 1
            }
            if exact > bestExact {
                best = e
                bestExact = exact
                if exact == samples { break }
            }
        }
        return best < 0 ? nil : best
    }

    /// Appends the payload for `bits` (non-empty) to `out` and returns true, or leaves `out`
    /// unchanged and returns false when the block is not decimal data.
    static func encode(_ bits: UnsafeBufferPointer<UInt64>, into out: inout [UInt8]) -> Bool {
        guard let e = chooseExponent(bits) else { return false }
        let n = bits.count
        let power = powers[e]
        let maxExceptions = n / exceptionDivisor
        // Region: header (exponent, exception count), exceptions (≤ 18 bytes each), the
        // residual stream, then 8-aligned scratch for the integers.
        let headerMax = 1 + Varint.maxBytes
        let exceptionMax = (Varint.maxBytes + 8) * maxExceptions
        let streamMax = ResidualStream.maxEncodedCount(n)
        let region = headerMax + exceptionMax + streamMax + 8 + 8 * n
        let start = out.count
        var ok = true
        out.appendUnsafe(maxCount: region) { p in
            let scratchOffset = (headerMax + exceptionMax + streamMax + 7 + Int(bitPattern: p)) & ~7 - Int(bitPattern: p)
            return (p + scratchOffset).withMemoryRebound(to: Int64.self, capacity: n) { ints in
                // 1. Integers, exceptions listed after the header's maximum size.
                var exceptions = 0
                var e0 = headerMax
                var previousException = -1
                var previous: Int64 = 0
                for i in 0..<n {
                    if let d = integer(bits[i], power: power) {
                        ints[i] = d
                        previous = d
                        continue
                    }
                    exceptions &+= 1
                    if exceptions > maxExceptions {
                        ok = false
                        return 0
                    }
                    e0 &+= Varint.write(UInt64(i &- previousException &- 1), to: p + e0)
                    p.storeBytes(of: bits[i].littleEndian, toByteOffset: e0, as: UInt64.self)
                    e0 &+= 8
                    previousException = i
                    ints[i] = previous
                }
                // 2. Header, exceptions moved down behind it, then the stream.
                p.storeBytes(of: UInt8(e), as: UInt8.self)
                var o = 1 &+ Varint.write(UInt64(exceptions), to: p + 1)
                (p + o).copyMemory(from: p + headerMax, byteCount: e0 &- headerMax)
                o &+= e0 &- headerMax
                o &+= ResidualStream.encode(UnsafeBufferPointer(start: ints, count: n), to: p + o)
                return o
            }
        }
        if !ok { out.removeLast(out.count - start) }
        return ok
    }

    /// Decodes exactly `out.count` (≥ 1) values from a `float-decimal` payload.
    static func decode(_ payload: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt64>) throws(CodecError) {
        let n = out.count
        var reader = ByteReader(payload, encoding: .floatDecimal)
        let e = Int(try reader.readByte("decimal exponent"))
        guard e <= maxExponent else {
            throw .malformed(.floatDecimal, "decimal exponent \(e) exceeds \(maxExponent)")
        }
        let exceptions = try reader.readLength("exception count", limit: n)
        let exceptionStart = reader.position
        // Skip the exception list now; it is applied after the integers are converted.
        var position = -1
        for _ in 0..<exceptions {
            position &+= try reader.readLength("exception gap", limit: n) &+ 1
            guard position < n else {
                throw .malformed(.floatDecimal, "exception position \(position) is beyond value \(n - 1)")
            }
            _ = try reader.readUInt64("exception bits")
        }
        let stream = UnsafeRawBufferPointer(rebasing: payload[reader.position...])
        // The stream stores each value's bits as it rebuilds the integer: no second pass.
        try out.withMemoryRebound(to: Int64.self) { (ints) throws(CodecError) -> Void in
            if e == 0 {
                try ResidualStream.decode(stream, encoding: .floatDecimal, into: ints, output: IntegerValued())
            } else {
                try ResidualStream.decode(stream, encoding: .floatDecimal, into: ints, output: Scaled(power: powers[e]))
            }
        }
        let o = out.baseAddress.unsafelyUnwrapped
        var patch = ByteReader(UnsafeRawBufferPointer(rebasing: payload[exceptionStart...]), encoding: .floatDecimal)
        position = -1
        for _ in 0..<exceptions {
            position &+= try patch.readLength("exception gap", limit: n) &+ 1
            o[position] = try patch.readUInt64("exception bits")
        }
    }

    /// Value `d` of a block with exponent `e` ≥ 1: `Double(d) / 10^e`, the formula the encoder
    /// verified bit for bit.
    struct Scaled: ResidualOutput {
        let power: Double

        @inline(__always)
        func callAsFunction(_ d: Int64) -> Int64 { Int64(bitPattern: (Double(d) / power).bitPattern) }
    }

    /// Value `d` of a block with exponent 0: `Double(d)` (dividing by 1 would give the same bits
    /// at the cost of a division).
    struct IntegerValued: ResidualOutput {
        @inline(__always)
        func callAsFunction(_ d: Int64) -> Int64 { Int64(bitPattern: Double(d).bitPattern) }
    }
}

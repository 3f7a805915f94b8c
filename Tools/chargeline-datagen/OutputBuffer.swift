/// A large reusable byte buffer that formats numbers straight into its storage and hands full
/// chunks to an `OutputSink`.
///
/// Contract: callers `reserve(n)` before appending at most `n` bytes with the unchecked
/// `append*` methods; `reserve` flushes to the sink when the buffer would overflow. Nothing is
/// allocated after `init`. Not thread-safe.
final class OutputBuffer {
    /// 4 MiB: large enough that the write(2) cost per line is negligible, small enough to stay
    /// mostly in L2/L3 while the next chunk is formatted.
    static let defaultCapacity = 4 << 20

    private let storage: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    private let sink: OutputSink
    /// Bytes handed to the sink so far (uncompressed).
    private(set) var bytesFlushed: Int64 = 0

    init(sink: OutputSink, capacity: Int = OutputBuffer.defaultCapacity) {
        self.sink = sink
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// Total bytes written so far, flushed or not.
    var bytesWritten: Int64 { bytesFlushed + Int64(count) }

    /// Makes room for `n` more bytes, flushing if needed. `n` must not exceed the capacity.
    @inline(__always)
    func reserve(_ n: Int) throws {
        if count + n > capacity { try flush() }
    }

    /// Hands everything buffered to the sink.
    func flush() throws {
        guard count > 0 else { return }
        try sink.write(UnsafeRawBufferPointer(start: storage, count: count))
        bytesFlushed += Int64(count)
        count = 0
    }

    // MARK: Unchecked appends (call `reserve` first)

    @inline(__always)
    func append(_ byte: UInt8) {
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        (storage + count).update(from: text.utf8Start, count: n)
        count += n
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        (storage + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    /// Decimal digits of `value`, no sign, no padding (at most 20 bytes).
    @inline(__always)
    func append(decimal value: UInt64) {
        var digits = 1
        var limit: UInt64 = 10
        while digits < 20, value >= limit {
            digits += 1
            limit = limit &* 10
        }
        appendDigits(value, width: digits)
    }

    /// Signed decimal integer (at most 20 bytes).
    @inline(__always)
    func append(decimal value: Int64) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            append(decimal: value.magnitude)
        } else {
            append(decimal: UInt64(value))
        }
    }

    /// A fixed-point number: `scaled / 10^decimals` printed with exactly `decimals` digits after
    /// the point (`append(fixed: 4012, decimals: 1)` gives `401.2`, `-5` gives `-0.5`). Integer
    /// arithmetic only, so the text is exact and identical on every platform. At most 22 bytes.
    @inline(__always)
    func append(fixed scaled: Int64, decimals: Int) {
        var magnitude = scaled.magnitude
        if scaled < 0 { append(UInt8(ascii: "-")) }
        var pow: UInt64 = 1
        for _ in 0..<decimals { pow &*= 10 }
        let whole = magnitude / pow
        magnitude -= whole * pow
        append(decimal: whole)
        if decimals > 0 {
            append(UInt8(ascii: "."))
            appendDigits(magnitude, width: decimals)
        }
    }

    /// Exactly `width` digits of `value` (zero-padded on the left, high digits dropped).
    @inline(__always)
    private func appendDigits(_ value: UInt64, width: Int) {
        var v = value
        var i = count + width - 1
        while i >= count {
            let (q, r) = v.quotientAndRemainder(dividingBy: 10)
            storage[i] = UInt8(truncatingIfNeeded: r) &+ 48
            v = q
            i -= 1
        }
        count += width
    }
}

/// A column of byte strings stored contiguously: value `i` is
/// `bytes[(i == 0 ? 0 : ends[i - 1]) ..< ends[i]]`. One array of bytes and one of offsets, so
/// appending a value allocates nothing once capacity is reserved.
///
/// Invariant (checked by ``StringCodec/encode(_:options:into:)``): `ends` is non-decreasing and
/// its last element equals `bytes.count` (both empty for an empty column). The total size is
/// limited to `UInt32.max` bytes.
public struct StringColumn: Sendable, Equatable {
    /// The concatenated values.
    public var bytes: [UInt8]
    /// The end offset of each value in ``bytes``.
    public var ends: [UInt32]

    /// An empty column.
    public init() {
        bytes = []
        ends = []
    }

    /// A column holding the UTF-8 bytes of `strings` (tests, tools).
    public init(_ strings: some Sequence<some StringProtocol>) {
        self.init()
        for s in strings { append(s) }
    }

    /// The number of values.
    public var count: Int { ends.count }

    /// Whether the column holds no values.
    public var isEmpty: Bool { ends.isEmpty }

    /// The byte range of value `i` in ``bytes``.
    @inline(__always)
    public func range(at i: Int) -> Range<Int> {
        let start = i == 0 ? 0 : Int(ends[i - 1])
        return start..<Int(ends[i])
    }

    /// Value `i` as a slice of ``bytes`` (no copy).
    public subscript(i: Int) -> ArraySlice<UInt8> {
        bytes[range(at: i)]
    }

    /// Calls `body` with the bytes of value `i`; the pointer is valid only inside `body`.
    public func withValue<R>(at i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let r = range(at: i)
        return try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[r]))
        }
    }

    /// Value `i` decoded as UTF-8 (invalid sequences become U+FFFD).
    public func string(at i: Int) -> String {
        withValue(at: i) { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends one value.
    public mutating func append(_ value: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: value)
        appendEnd()
    }

    /// Appends the UTF-8 bytes of `value`.
    public mutating func append(_ value: some StringProtocol) {
        bytes.append(contentsOf: value.utf8)
        appendEnd()
    }

    @inline(__always)
    private mutating func appendEnd() {
        guard let end = UInt32(exactly: bytes.count) else {
            preconditionFailure("BUG: a StringColumn holds at most \(UInt32.max) bytes; split the block")
        }
        ends.append(end)
    }

    /// Removes all values, keeping the buffers' capacity when asked (reuse without allocating).
    public mutating func removeAll(keepingCapacity: Bool = false) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        ends.removeAll(keepingCapacity: keepingCapacity)
    }

    /// Reserves room for `values` more values totalling `bytes` more bytes.
    public mutating func reserveCapacity(values: Int, bytes byteCount: Int) {
        ends.reserveCapacity(ends.count + values)
        bytes.reserveCapacity(bytes.count + byteCount)
    }

    /// Removes the values at index `count` and after (used to undo a failed decode).
    mutating func truncate(to count: Int) {
        let end = count == 0 ? 0 : Int(ends[count - 1])
        ends.removeLast(ends.count - count)
        bytes.removeLast(bytes.count - end)
    }
}

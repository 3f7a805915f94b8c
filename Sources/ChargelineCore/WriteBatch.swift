/// A batch of points for one database, in a compact binary layout that is also the payload of
/// a WAL record, so a write is parsed once and copied, never re-encoded.
///
/// Layout (all integers little-endian), one record per point, back to back:
///
/// ```
/// ┌──────────────┬────────────┬──────────┬─────────────┬─────────────┬────────────┐
/// │ len <u32>    │ keyLen<u16>│ key      │ time <i64>  │ nFields<u16>│ fields ... │
/// └──────────────┴────────────┴──────────┴─────────────┴─────────────┴────────────┘
/// field: nameLen <u16> │ name │ type <u8> │ f64/i64/u64 <8> | bool <1> | strLen <u32> str
/// ```
///
/// `len` counts the bytes after itself. `key` is the canonical series key (see `SeriesKey`);
/// `name` and string values are raw (unescaped) UTF-8.
public struct WriteBatch: Sendable {
    /// The encoded points.
    public package(set) var bytes: [UInt8]
    /// How many points `bytes` holds.
    public package(set) var pointCount: Int
    /// How many field values the points hold in total.
    public package(set) var valueCount: Int

    /// An empty batch.
    public init() {
        bytes = []
        pointCount = 0
        valueCount = 0
    }

    /// Wraps bytes that came from a trusted source (a WAL record whose checksum matched) after
    /// checking that every point record is well formed.
    /// - Throws: `ChargelineError` naming the byte offset of the first malformed point.
    public init(validating bytes: [UInt8]) throws {
        var points = 0
        var values = 0
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                guard raw.count - offset >= 4 else {
                    throw ChargelineError(.corruption, "write batch: truncated point header at byte \(offset)")
                }
                let len = Int(raw.loadLE(UInt32.self, at: offset))
                let end = offset + 4 + len
                guard end <= raw.count else {
                    throw ChargelineError(.corruption, "write batch: point at byte \(offset) runs past the end")
                }
                values += try WriteBatch.validatePoint(raw, from: offset + 4, to: end)
                points += 1
                offset = end
            }
        }
        self.bytes = bytes
        self.pointCount = points
        self.valueCount = values
    }

    package init(bytes: [UInt8], pointCount: Int, valueCount: Int) {
        self.bytes = bytes
        self.pointCount = pointCount
        self.valueCount = valueCount
    }

    private static func validatePoint(_ raw: UnsafeRawBufferPointer, from: Int, to end: Int) throws -> Int {
        func fail(_ what: String, _ at: Int) -> ChargelineError {
            ChargelineError(.corruption, "write batch: \(what) at byte \(at)")
        }
        var p = from
        guard end - p >= 2 else { throw fail("truncated key length", p) }
        let keyLen = Int(raw.loadLE(UInt16.self, at: p)); p += 2
        guard keyLen > 0, end - p >= keyLen + 10 else { throw fail("bad key length", p) }
        p += keyLen + 8
        let nFields = Int(raw.loadLE(UInt16.self, at: p)); p += 2
        guard nFields > 0 else { throw fail("point without fields", p) }
        for _ in 0..<nFields {
            guard end - p >= 3 else { throw fail("truncated field", p) }
            let nameLen = Int(raw.loadLE(UInt16.self, at: p)); p += 2
            guard nameLen > 0, end - p >= nameLen + 1 else { throw fail("bad field name length", p) }
            p += nameLen
            guard let type = FieldType(rawValue: raw[p]) else { throw fail("unknown field type \(raw[p])", p) }
            p += 1
            switch type {
            case .float, .integer, .unsigned: p += 8
            case .boolean: p += 1
            case .string:
                guard end - p >= 4 else { throw fail("truncated string length", p) }
                p += 4 + Int(raw.loadLE(UInt32.self, at: p))
            }
            guard p <= end else { throw fail("field value runs past the point", p) }
        }
        guard p == end else { throw fail("trailing bytes in point", p) }
        return nFields
    }

    /// Calls `body` for every point in order. The views are valid only during the call.
    @inlinable
    public func forEachPoint(_ body: (PointView) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let len = Int(raw.loadLE(UInt32.self, at: offset))
                let start = offset + 4
                try body(PointView(raw: raw, start: start, end: start + len))
                offset = start + len
            }
        }
    }

    /// The point whose record starts at byte `offset` of `raw` (this type's `bytes`, as
    /// `forEachPoint` walks them) and the offset of the record after it. For readers that visit
    /// the points in another order than the batch's; the view is valid while `raw` is.
    @inlinable
    package static func point(at offset: Int, in raw: UnsafeRawBufferPointer) -> (point: PointView, next: Int) {
        let len = Int(raw.loadLE(UInt32.self, at: offset))
        let start = offset + 4
        return (PointView(raw: raw, start: start, end: start + len), start + len)
    }

    /// Appends every point of `other`.
    public mutating func append(contentsOf other: WriteBatch) {
        bytes.append(contentsOf: other.bytes)
        pointCount += other.pointCount
        valueCount += other.valueCount
    }
}

/// A read-only view of one point inside a `WriteBatch`; valid only inside `forEachPoint`.
public struct PointView {
    /// The canonical series key bytes (`measurement,tag=value,...`, escaped, tags sorted).
    public let seriesKey: UnsafeRawBufferPointer
    /// Nanoseconds since the Unix epoch.
    public let timestamp: Int64
    /// How many fields the point carries (at least one).
    public let fieldCount: Int
    @usableFromInline let raw: UnsafeRawBufferPointer
    @usableFromInline let fieldsStart: Int

    @inlinable
    init(raw: UnsafeRawBufferPointer, start: Int, end: Int) {
        self.raw = raw
        let keyLen = Int(raw.loadLE(UInt16.self, at: start))
        seriesKey = UnsafeRawBufferPointer(rebasing: raw[(start + 2)..<(start + 2 + keyLen)])
        var p = start + 2 + keyLen
        timestamp = Int64(bitPattern: raw.loadLE(UInt64.self, at: p)); p += 8
        fieldCount = Int(raw.loadLE(UInt16.self, at: p)); p += 2
        fieldsStart = p
    }

    /// Calls `body` for every field in order. Views are valid only during the call.
    @inlinable
    public func forEachField(_ body: (FieldView) throws -> Void) rethrows {
        var p = fieldsStart
        for _ in 0..<fieldCount {
            let nameLen = Int(raw.loadLE(UInt16.self, at: p)); p += 2
            let name = UnsafeRawBufferPointer(rebasing: raw[p..<(p + nameLen)]); p += nameLen
            let type = FieldType(rawValue: raw[p])!; p += 1
            switch type {
            case .float, .integer, .unsigned:
                try body(FieldView(name: name, type: type, bits: raw.loadLE(UInt64.self, at: p), string: nil))
                p += 8
            case .boolean:
                try body(FieldView(name: name, type: type, bits: UInt64(raw[p]), string: nil))
                p += 1
            case .string:
                let n = Int(raw.loadLE(UInt32.self, at: p)); p += 4
                try body(FieldView(name: name, type: type, bits: 0,
                                   string: UnsafeRawBufferPointer(rebasing: raw[p..<(p + n)])))
                p += n
            }
        }
    }
}

/// A read-only view of one field of a `PointView`.
public struct FieldView {
    /// Raw (unescaped) field name bytes.
    public let name: UnsafeRawBufferPointer
    /// The value's type.
    public let type: FieldType
    /// Float bit pattern, two's-complement integer, unsigned, or 0/1 for booleans; 0 for strings.
    public let bits: UInt64
    /// The UTF-8 bytes of a string value; `nil` for other types.
    public let string: UnsafeRawBufferPointer?

    @inlinable
    init(name: UnsafeRawBufferPointer, type: FieldType, bits: UInt64, string: UnsafeRawBufferPointer?) {
        self.name = name
        self.type = type
        self.bits = bits
        self.string = string
    }

    /// The value as a `FieldValue` (allocates for strings; not for hot paths).
    public var value: FieldValue {
        if type == .string { return .string(String(decoding: string!, as: UTF8.self)) }
        return FieldValue(type: type, bits: bits)
    }

    /// The name as a `String` (allocates; not for hot paths).
    public var nameString: String { String(decoding: name, as: UTF8.self) }
}

extension UnsafeRawBufferPointer {
    /// Loads a little-endian integer at an unaligned byte offset.
    @inlinable @inline(__always)
    public func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

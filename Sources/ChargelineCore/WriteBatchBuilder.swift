/// Appends points to a `WriteBatch` without allocating per point (the buffer grows
/// geometrically and is reused after `finish()`).
///
/// Call order per point: `beginPoint`, one or more `add...`, then `endPoint` (or `abortPoint`
/// to drop a point that turned out malformed halfway through).
public struct WriteBatchBuilder: Sendable {
    /// Storage; only `bytes[..<used]` is meaningful. Growing the array ahead and storing into
    /// it through a raw pointer avoids the generic `append(contentsOf:)` per field (about a
    /// fifth of parse time when profiled).
    private var bytes: [UInt8]
    private var used = 0
    private var pointCount = 0
    private var valueCount = 0
    private var pointStart = -1
    private var fieldsInPoint = 0

    /// A builder whose buffer starts with room for `capacity` bytes.
    public init(reservingCapacity capacity: Int = 0) {
        bytes = [UInt8](repeating: 0, count: max(capacity, 256))
    }

    /// Points completed so far.
    public var count: Int { pointCount }
    /// Field values in completed points.
    public var values: Int { valueCount }
    /// Bytes used so far.
    public var byteCount: Int { used }
    /// Whether a point is open (`beginPoint` called without `endPoint`/`abortPoint`).
    public var isInPoint: Bool { pointStart >= 0 }
    /// Fields added to the open point so far (0 when none is open).
    public var fieldsInOpenPoint: Int { pointStart >= 0 ? fieldsInPoint : 0 }
    /// Most fields one point can carry: its field count is stored as a `u16`. A writer that may
    /// produce more (rollup rows of a series with thousands of fields) splits them over several
    /// points of the same series and timestamp; the store merges those into one row.
    public static let maxFieldsPerPoint = Int(UInt16.max)

    /// Opens a point for canonical series key bytes (see `SeriesKey`).
    public mutating func beginPoint(seriesKey: UnsafeRawBufferPointer) {
        precondition(pointStart < 0, "BUG: beginPoint while a point is open")
        precondition(seriesKey.count > 0 && seriesKey.count <= Int(UInt16.max), "BUG: series key length \(seriesKey.count)")
        pointStart = used
        fieldsInPoint = 0
        appendLE(UInt32(0))
        appendLE(UInt16(seriesKey.count))
        appendBytes(seriesKey)
        appendLE(UInt64(0))  // timestamp, patched in endPoint
        appendLE(UInt16(0))  // field count, patched in endPoint
    }

    /// Adds a float field.
    public mutating func addFloat(name: UnsafeRawBufferPointer, _ value: Double) {
        addFieldHeader(name, .float)
        appendLE(value.bitPattern)
    }

    /// Adds a signed integer field.
    public mutating func addInteger(name: UnsafeRawBufferPointer, _ value: Int64) {
        addFieldHeader(name, .integer)
        appendLE(UInt64(bitPattern: value))
    }

    /// Adds an unsigned integer field.
    public mutating func addUnsigned(name: UnsafeRawBufferPointer, _ value: UInt64) {
        addFieldHeader(name, .unsigned)
        appendLE(value)
    }

    /// Adds a boolean field.
    public mutating func addBoolean(name: UnsafeRawBufferPointer, _ value: Bool) {
        addFieldHeader(name, .boolean)
        appendLE(UInt8(value ? 1 : 0))
    }

    /// Adds a string field (raw, unescaped UTF-8 bytes).
    public mutating func addString(name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        addFieldHeader(name, .string)
        appendLE(UInt32(value.count))
        appendBytes(value)
    }

    /// Closes the open point with its timestamp (nanoseconds).
    public mutating func endPoint(timestamp: Int64) {
        precondition(pointStart >= 0 && fieldsInPoint > 0, "BUG: endPoint without an open point with fields")
        let len = used - pointStart - 4
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(len).littleEndian, toByteOffset: pointStart, as: UInt32.self)
            let keyLen = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: pointStart + 4, as: UInt16.self)))
            let tsAt = pointStart + 6 + keyLen
            raw.storeBytes(of: UInt64(bitPattern: timestamp).littleEndian, toByteOffset: tsAt, as: UInt64.self)
            raw.storeBytes(of: UInt16(fieldsInPoint).littleEndian, toByteOffset: tsAt + 8, as: UInt16.self)
        }
        pointCount += 1
        valueCount += fieldsInPoint
        pointStart = -1
    }

    /// Drops the open point, if any.
    public mutating func abortPoint() {
        guard pointStart >= 0 else { return }
        used = pointStart
        pointStart = -1
    }

    /// Returns the batch and empties the builder, keeping no storage (the batch owns it).
    public mutating func finish() -> WriteBatch {
        precondition(pointStart < 0, "BUG: finish with an open point")
        bytes.removeLast(bytes.count - used)
        let batch = WriteBatch(bytes: bytes, pointCount: pointCount, valueCount: valueCount)
        bytes = [UInt8](repeating: 0, count: 256)
        used = 0
        pointCount = 0
        valueCount = 0
        return batch
    }

    private mutating func addFieldHeader(_ name: UnsafeRawBufferPointer, _ type: FieldType) {
        precondition(pointStart >= 0, "BUG: field outside a point")
        precondition(name.count > 0 && name.count <= Int(UInt16.max), "BUG: field name length \(name.count)")
        precondition(fieldsInPoint < Self.maxFieldsPerPoint, "BUG: too many fields in one point (check fieldsInOpenPoint and split)")
        appendLE(UInt16(name.count))
        appendBytes(name)
        appendLE(type.rawValue)
        fieldsInPoint += 1
    }

    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if used + n > bytes.count {
            bytes.append(contentsOf: repeatElement(0, count: Swift.max(n, bytes.count)))
        }
    }

    @inline(__always)
    private mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        let n = MemoryLayout<T>.size
        reserve(n)
        let at = used
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: at, as: T.self) }
        used += n
    }

    @inline(__always)
    private mutating func appendBytes(_ src: UnsafeRawBufferPointer) {
        guard src.count > 0 else { return }
        reserve(src.count)
        let at = used
        bytes.withUnsafeMutableBytes { dst in
            (dst.baseAddress! + at).copyMemory(from: src.baseAddress!, byteCount: src.count)
        }
        used += src.count
    }
}

extension WriteBatchBuilder {
    /// Convenience for tests and tools: one point from strings and values (allocates).
    public mutating func addPoint(measurement: String, tags: [String: String], timestamp: Int64,
                                  fields: [(String, FieldValue)]) {
        let key = SeriesKey.make(measurement: measurement, tags: tags)
        key.withUnsafeBytes { beginPoint(seriesKey: $0) }
        for (name, value) in fields {
            var name = name
            name.withUTF8 { n in
                let nb = UnsafeRawBufferPointer(n)
                switch value {
                case .float(let v): addFloat(name: nb, v)
                case .integer(let v): addInteger(name: nb, v)
                case .unsigned(let v): addUnsigned(name: nb, v)
                case .boolean(let v): addBoolean(name: nb, v)
                case .string(var s): s.withUTF8 { addString(name: nb, UnsafeRawBufferPointer($0)) }
                }
            }
        }
        endPoint(timestamp: timestamp)
    }
}

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ChargelineCore

extension LineProtocolParser {
    /// Above this many fields, repeats are found by sorting instead of comparing every pair.
    static let pairwiseFieldLimit = 32

    /// Resolves repeated and `time` fields, then writes the line's point to `builder`. The
    /// builder is only touched once the whole line is known to be valid.
    mutating func emit(_ cursor: LineCursor, timestamp: Int64, into builder: inout WriteBatchBuilder) throws(LineFailure) {
        let p = cursor.base
        if fields.count > 1 { try markRepeatedFields(p) }
        var live = 0
        var size = 16 + key.count  // len, keyLen, key, time, nFields
        for f in fields where !f.skip {
            live += 1
            size += 3 + f.nameLength + (f.type == .string ? 4 + f.stringLength : 8)
        }
        guard live > 0 else {
            let at = fields.first(where: { $0.skip })?.keyOffset ?? cursor.lineStart
            throw LineFailure(at, "invalid field key \"time\": time is reserved for the timestamp; rename the field")
        }
        // Bounded by the body size in practice; checked so the builder's UInt32 length can't trap.
        guard size <= Int(UInt32.max) else {
            throw LineFailure(cursor.lineStart, "line too long: the point would take \(size) bytes, at most \(UInt32.max)")
        }
        text.withUnsafeBytes { t in
            key.withUnsafeBytes { k in
                builder.beginPoint(seriesKey: k)
                let body = UnsafeRawPointer(p)
                for f in fields where !f.skip {
                    let name = UnsafeRawBufferPointer(
                        start: (f.nameInText ? t.baseAddress! : body) + f.nameStart, count: f.nameLength)
                    switch f.type {
                    case .float: builder.addFloat(name: name, Double(bitPattern: f.bits))
                    case .integer: builder.addInteger(name: name, Int64(bitPattern: f.bits))
                    case .unsigned: builder.addUnsigned(name: name, f.bits)
                    case .boolean: builder.addBoolean(name: name, f.bits != 0)
                    case .string:
                        let origin = f.stringInText ? t.baseAddress : body
                        let value = UnsafeRawBufferPointer(start: origin.map { $0 + f.stringStart }, count: f.stringLength)
                        builder.addString(name: name, value)
                    }
                }
                builder.endPoint(timestamp: timestamp)
            }
        }
    }

    /// Marks every field followed by a later one of the same name as skipped (last value wins,
    /// as TSM keeps the last write for a series, field and time) and rejects repeats whose
    /// types differ, which InfluxDB would report as a field type conflict.
    private mutating func markRepeatedFields(_ p: UnsafePointer<UInt8>) throws(LineFailure) {
        let n = fields.count
        if n <= Self.pairwiseFieldLimit {
            for a in 0..<(n - 1) where !fields[a].skip {
                for b in (a + 1)..<n where sameName(fields[a], fields[b], p) {
                    try supersede(a, by: b, p)
                    break
                }
            }
            return
        }
        var order = Array(0..<n)  // rare: lines with more than `pairwiseFieldLimit` fields
        order.sort { a, b in
            let c = compareNames(fields[a], fields[b], p)
            return c != 0 ? c < 0 : a < b
        }
        for k in 1..<n where !fields[order[k - 1]].skip && sameName(fields[order[k - 1]], fields[order[k]], p) {
            try supersede(order[k - 1], by: order[k], p)
        }
    }

    private mutating func supersede(_ a: Int, by b: Int, _ p: UnsafePointer<UInt8>) throws(LineFailure) {
        if fields[a].type != fields[b].type {
            let name = withName(fields[b], p) { String(decoding: $0, as: UTF8.self) }
            throw LineFailure(fields[b].keyOffset, "field type conflict: field \"\(name)\" appears twice in the line, as \(fields[a].type) and \(fields[b].type)")
        }
        fields[a].skip = true
    }

    private func sameName(_ x: FieldToken, _ y: FieldToken, _ p: UnsafePointer<UInt8>) -> Bool {
        x.nameLength == y.nameLength && compareNames(x, y, p) == 0
    }

    private func compareNames(_ x: FieldToken, _ y: FieldToken, _ p: UnsafePointer<UInt8>) -> Int {
        if !x.nameInText && !y.nameInText {
            return Bytes.compare(p + x.nameStart, x.nameLength, p + y.nameStart, y.nameLength)
        }
        return text.withUnsafeBufferPointer { t in
            let xp = (x.nameInText ? t.baseAddress! : p) + x.nameStart
            let yp = (y.nameInText ? t.baseAddress! : p) + y.nameStart
            return Bytes.compare(xp, x.nameLength, yp, y.nameLength)
        }
    }

    private func withName<R>(_ f: FieldToken, _ p: UnsafePointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        text.withUnsafeBufferPointer { t in
            body(UnsafeBufferPointer(start: (f.nameInText ? t.baseAddress! : p) + f.nameStart, count: f.nameLength))
        }
    }
}

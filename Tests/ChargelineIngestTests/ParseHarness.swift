import ChargelineCore
import ChargelineIngest

/// One point read back from a `WriteBatch`, in plain values for assertions.
struct DecodedPoint: Equatable, CustomStringConvertible {
    var key: String
    var timestamp: Int64
    var fields: [Field]

    struct Field: Equatable {
        var name: String
        var value: FieldValue
    }

    var description: String {
        "\(key) \(fields.map { "\($0.name)=\($0.value)" }.joined(separator: ",")) \(timestamp)"
    }

    /// The value of the field named `name`, if any.
    subscript(_ name: String) -> FieldValue? { fields.first { $0.name == name }?.value }
}

/// The result of parsing one body.
struct ParseResult {
    var points: [DecodedPoint]
    var pointLines: [Int32]
    var errors: [LineProtocolError]
    var batch: WriteBatch
}

/// Parses `body` with a fresh parser (or `parser`) and decodes the batch.
func parse(_ body: String, multiplier: Int64 = 1, defaultTimestamp: Int64 = 42, firstLine: Int = 1) -> ParseResult {
    var parser = LineProtocolParser(precisionMultiplier: multiplier, defaultTimestamp: defaultTimestamp)
    return parse(Array(body.utf8), with: &parser, firstLine: firstLine)
}

func parse(_ bytes: [UInt8], with parser: inout LineProtocolParser, firstLine: Int = 1) -> ParseResult {
    var builder = WriteBatchBuilder()
    var lines: [Int32] = []
    var errors: [LineProtocolError] = []
    bytes.withUnsafeBytes { parser.parse($0, firstLineNumber: firstLine, into: &builder, pointLines: &lines, errors: &errors) }
    let batch = builder.finish()
    return ParseResult(points: decode(batch), pointLines: lines, errors: errors, batch: batch)
}

func decode(_ batch: WriteBatch) -> [DecodedPoint] {
    var out: [DecodedPoint] = []
    batch.forEachPoint { point in
        var fields: [DecodedPoint.Field] = []
        point.forEachField { fields.append(.init(name: $0.nameString, value: $0.value)) }
        out.append(DecodedPoint(key: String(decoding: point.seriesKey, as: UTF8.self), timestamp: point.timestamp, fields: fields))
    }
    return out
}

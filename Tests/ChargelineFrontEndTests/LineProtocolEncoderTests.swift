import ChargelineCore
import ChargelineIngest
import Testing

@testable import ChargelineFrontEnd

/// The gateway's ingest channel renders batches as line protocol: the node must parse back
/// exactly the points the gateway decoded.
@Suite struct LineProtocolEncoderTests {
    @Test func batchesSurviveTheRoundTripBitForBit() {
        var builder = WriteBatchBuilder()
        builder.addPoint(measurement: "telemetry", tags: ["station": "S 1,a=b", "pile": "32010600395600", "gun": "1"],
                         timestamp: 1_763_596_800_123_456_789,
                         fields: [("voltage", .float(373.2)), ("current", .float(0.1 + 0.2)), ("soc", .integer(-7)),
                                  ("card", .unsigned(UInt64.max)), ("ok", .boolean(true)),
                                  ("vin", .string("LSV\"AU\\2180")), ("odd name,=x", .float(1e-7))])
        builder.addPoint(measurement: "connection", tags: ["pile": "1"], timestamp: -5, fields: [("online", .integer(0))])
        let batch = builder.finish()
        var text: [UInt8] = []
        LineProtocolEncoder.append(batch, to: &text)

        var parser = LineProtocolParser(defaultTimestamp: 0)
        var parsed = WriteBatchBuilder()
        var lines: [Int32] = []
        var errors: [LineProtocolError] = []
        text.withUnsafeBytes { parser.parse($0, firstLineNumber: 1, into: &parsed, pointLines: &lines, errors: &errors) }
        #expect(errors.isEmpty, "\(errors) in \(String(decoding: text, as: UTF8.self))")
        let back = parsed.finish()
        #expect(back.pointCount == 2)
        func points(_ b: WriteBatch) -> [String] {
            var out: [String] = []
            b.forEachPoint { p in
                var fields: [String] = []
                p.forEachField { f in
                    let v = f.value
                    fields.append("\(f.nameString)=\(v)/\(f.type == .float ? String(f.bits, radix: 16) : "")")
                }
                out.append("\(String(decoding: p.seriesKey, as: UTF8.self)) \(fields.sorted()) \(p.timestamp)")
            }
            return out
        }
        #expect(points(back) == points(batch))
    }

    @Test func decimalsWithoutAllocationMatchDescription() {
        for v: Int64 in [0, 1, -1, 9, 10, 1_763_596_800_123_456_789, .min, .max] {
            var out: [UInt8] = []
            LineProtocolEncoder.appendDecimal(v, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
        }
    }
}

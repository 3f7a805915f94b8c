import ChargelineCore
import Testing

@Suite struct WriteBatchTests {
    @Test func roundTripEveryType() throws {
        var b = WriteBatchBuilder()
        let fields: [(String, FieldValue)] = [("f", .float(-0.0)), ("i", .integer(.min)), ("u", .unsigned(.max)),
                                              ("b", .boolean(true)), ("s", .string("héllo \"x\""))]
        b.addPoint(measurement: "m", tags: ["k": "v"], timestamp: -5, fields: fields)
        b.addPoint(measurement: "m", tags: [:], timestamp: .max, fields: [("f", .float(.nan))])
        let batch = b.finish()
        #expect(batch.pointCount == 2 && batch.valueCount == 6)
        let validated = try WriteBatch(validating: batch.bytes)
        var seen: [(Int64, [FieldValue])] = []
        validated.forEachPoint { p in
            var values: [FieldValue] = []
            p.forEachField { values.append($0.value) }
            seen.append((p.timestamp, values))
        }
        #expect(seen.count == 2)
        #expect(seen[0].0 == -5)
        #expect(zip(seen[0].1, fields.map(\.1)).allSatisfy { $0.isIdentical(to: $1) })
        #expect(seen[1].1[0].doubleValue?.isNaN == true)
    }

    @Test func removingPointsKeepsTheOthersInOrderWithTheirCounts() throws {
        var b = WriteBatchBuilder()
        for i in 0..<5 {
            let fields: [(String, FieldValue)] = (0...i).map { ("f\($0)", .integer(Int64(i))) }
            b.addPoint(measurement: "m", tags: ["s": "\(i)"], timestamp: Int64(i), fields: fields)
        }
        let batch = b.finish()
        let kept = batch.removingPoints(at: [0, 2, 4])
        #expect(kept.pointCount == 2 && kept.valueCount == 2 + 4)
        var times: [Int64] = []
        try WriteBatch(validating: kept.bytes).forEachPoint { times.append($0.timestamp) }
        #expect(times == [1, 3])
        #expect(batch.removingPoints(at: []).bytes == batch.bytes)
        #expect(batch.removingPoints(at: [0, 1, 2, 3, 4]).pointCount == 0)
    }

    @Test func abortedPointLeavesNothing() {
        var b = WriteBatchBuilder()
        let key = Array("m".utf8)
        key.withUnsafeBytes { b.beginPoint(seriesKey: $0) }
        Array("f".utf8).withUnsafeBytes { b.addFloat(name: $0, 1) }
        b.abortPoint()
        #expect(b.finish().bytes.isEmpty)
    }

    @Test func validationRejectsEveryTruncation() {
        var b = WriteBatchBuilder()
        b.addPoint(measurement: "m", tags: ["k": "v"], timestamp: 1, fields: [("s", .string("abc")), ("f", .float(1))])
        let bytes = b.finish().bytes
        for cut in 1..<bytes.count {
            #expect(throws: ChargelineError.self) { try WriteBatch(validating: Array(bytes[..<cut])) }
        }
    }
}

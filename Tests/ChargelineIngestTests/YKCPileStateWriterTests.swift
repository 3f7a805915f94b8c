import ChargelineCore
import ChargelineIngest
import Testing

/// `YKCPileStateWriter`: the `pile_state` points of docs/schema.md, on the pile's series (no
/// gun tag) or, for status, the gun's.
@Suite struct YKCPileStateWriterTests {
    static let info = YKCPileInfo(station: "S0001", operatorName: "OP")
    static let pileKey = YKCSeriesKeys.pileState(pileText: "32010600395600", info: info)
    static let keys = YKCSeriesKeys(pileText: "32010600395600", gun: 2, info: info)

    static func points(_ body: (inout WriteBatchBuilder) -> Void) -> [(key: String, fields: [String: FieldValue], time: Int64)] {
        var b = WriteBatchBuilder()
        body(&b)
        var out: [(String, [String: FieldValue], Int64)] = []
        b.finish().forEachPoint { p in
            var fields: [String: FieldValue] = [:]
            p.forEachField { fields[$0.nameString] = $0.value }
            out.append((String(decoding: p.seriesKey, as: UTF8.self), fields, p.timestamp))
        }
        return out
    }

    @Test func keys() {
        #expect(String(decoding: Self.pileKey, as: UTF8.self) == "pile_state,operator=OP,pile=32010600395600,station=S0001")
        #expect(String(decoding: Self.keys.pileState, as: UTF8.self) == "pile_state,gun=2,operator=OP,pile=32010600395600,station=S0001")
    }

    @Test func eachEventStoresOnlyItsFields() {
        let p = Self.points { b in
            YKCPileStateWriter.addRegistered(pileKey: Self.pileKey, timestamp: 1, to: &b)
            YKCPileStateWriter.addLogin(pileKey: Self.pileKey, timestamp: 2, to: &b)
            YKCPileStateWriter.addTelemetry(frames: 4, pileKey: Self.pileKey, timestamp: 3, to: &b)
            YKCPileStateWriter.addHeartbeats(6, pileKey: Self.pileKey, timestamp: 4, to: &b)
            YKCPileStateWriter.addStatus(3, keys: Self.keys, timestamp: 5, to: &b)
            YKCPileStateWriter.addDisconnect(reason: "timeout", pileKey: Self.pileKey, timestamp: 6, to: &b)
        }
        #expect(p.map(\.time) == [1, 2, 3, 4, 5, 6])
        #expect(p[0].fields == ["event": .string("registered"), "telemetry": .integer(0)], "no connected: may be on another gateway")
        #expect(p[1].fields == ["event": .string("login"), "connected": .integer(1)])
        #expect(p[2].fields == ["telemetry": .integer(4)])
        #expect(p[3].fields == ["heartbeats": .integer(6)])
        #expect(p[4].fields == ["status": .integer(3)] && p[4].key.contains("gun=2"))
        #expect(p[5].fields == ["event": .string("timeout"), "connected": .integer(0)])
    }
}

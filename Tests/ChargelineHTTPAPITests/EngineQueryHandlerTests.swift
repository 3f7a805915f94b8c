import ChargelineCore
import ChargelineIngest
import ChargelineQuery
import ChargelineStorage
import Foundation
import Logging
import Testing

@testable import ChargelineFrontEnd
@testable import ChargelineHTTPAPI

@Suite("EngineQueryHandler: /query parameters as InfluxDB 1.x reads them")
struct EngineQueryHandlerTests {
    /// A store with one point `m v=1` at 2 s, and an engine on it.
    static func withEngine(_ body: (QueryEngine) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "chargeline-engine-handler-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = StorageOptions()
        options.backgroundMaintenance = false
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = try Store(directory: path, options: options, logger: logger)
        defer { try? store.close() }
        try store.createDatabase("d")
        var parser = LineProtocolParser(defaultTimestamp: 0)
        var builder = WriteBatchBuilder()
        var lines: [Int32] = []
        var errors: [LineProtocolError] = []
        Array("m v=1 2000000000\n".utf8).withUnsafeBytes { parser.parse($0, into: &builder, pointLines: &lines, errors: &errors) }
        #expect(errors.isEmpty)
        if let failure = store.writeAndWait(database: "d", batch: builder.finish()).failure { throw failure }
        try body(QueryEngine(store: store))
    }

    @Test("epoch=h|m|s|ms|u divide; n, ns, d, w and any other value give nanoseconds, as InfluxDB does")
    func epochUnits() throws {
        try Self.withEngine { engine in
            let expected: [String: String] = [
                "s": "2", "ms": "2000", "u": "2000000", "ns": "2000000000",
                "n": "2000000000", "d": "2000000000", "w": "2000000000",
            ]
            for (unit, time) in expected {
                let response = EngineQueryHandler.answer(
                    QueryRequest(statement: "SELECT v FROM m", database: "d", parameters: ["epoch": unit]), engine: engine)
                #expect(response.status == 200, "epoch=\(unit)")
                #expect(response.json.contains("\"values\":[[\(time),1]]"), "epoch=\(unit): \(response.json)")
            }
        }
    }

    @Test("params= binds $name as influxdb-python sends it; rp= names the default retention policy; bad params JSON is a 400")
    func boundParametersAndRetentionPolicy() throws {
        try Self.withEngine { engine in
            func ask(_ q: String, _ parameters: [String: String], db: String? = "d") -> QueryResponse {
                EngineQueryHandler.answer(QueryRequest(statement: q, database: db, parameters: parameters), engine: engine)
            }
            var r = ask("SELECT v FROM m WHERE v = $v", ["params": "{\"v\":1}", "epoch": "s"])
            #expect(r.status == 200 && r.json.contains("\"values\":[[2,1]]"), "\(r.json)")
            r = ask("SELECT v FROM m WHERE v = $v", ["params": "{\"v\":2}"])
            #expect(r.status == 200 && !r.json.contains("values"), "\(r.json)")
            r = ask("SELECT v FROM m WHERE v = $v", ["params": "[1]"])
            #expect(r.status == 400 && r.json.contains("error parsing query parameters"), "\(r.json)")
            r = ask("SELECT v FROM m", ["rp": "autogen", "epoch": "s"])
            #expect(r.status == 200 && r.json.contains("\"values\":[[2,1]]"), "\(r.json)")
            r = ask("SELECT v FROM \"d\"..m", ["epoch": "s"], db: nil)
            #expect(r.status == 200 && r.json.contains("\"values\":[[2,1]]"), "\(r.json)")
        }
    }
}

import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import ChargelineStorage
import Foundation
import Logging
import Testing

/// The per-point write quotas over the wire: `max-series-per-database` (storage refuses new
/// series past it, InfluxDB's partial-write answer) and `max-values-per-point` (the parser).
@Suite("Write quotas")
struct WriteQuotaTests {
    static func withStoreServer(maxSeries: Int, configure: (inout ServerConfiguration) -> Void = { _ in },
                                _ body: (ChargelineServer, Store, ServerMetrics) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "chargeline-write-quota-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = StorageOptions()
        options.backgroundMaintenance = false
        options.maxSeriesPerDatabase = maxSeries
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = try Store(directory: path, options: options, logger: logger)
        defer { try? store.close() }
        let metrics = ServerMetrics(version: "test")
        var config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: .init(host: "127.0.0.1", port: 0),
                                         lineProtocolDatabase: "tcp", threads: 1, shutdownGracePeriodMilliseconds: 2_000, idleTimeoutSeconds: 0)
        configure(&config)
        let server = try await ChargelineServer.start(configuration: config, sink: StorageSink(store: store), queryHandler: FakeQueryHandler(sink: StorageSink(store: store)), metrics: metrics, logger: logger)
        do {
            try await body(server, store, metrics)
            try await server.shutdown()
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    static func write(_ server: ChargelineServer, _ db: String, _ lines: String) async throws -> TestResponse {
        try await TestConnection.with(port: server.httpPort!) { c in
            try await c.request("POST", "/write?db=\(db)", body: Array(lines.utf8))
        }
    }

    static func lines(_ names: [String], t: Int = 1) -> String {
        names.map { "m,s=\($0) v=1 \(t)\n" }.joined()
    }

    static func series(_ store: Store, _ db: String) throws -> Set<String> {
        Set(try store.read(database: db, measurement: "m").map(\.key))
    }

    @Test("HTTP: new series past max-series-per-database are dropped with InfluxDB's partial write; the rest is stored, existing series and other databases keep writing")
    func seriesQuotaOverHTTP() async throws {
        try await Self.withStoreServer(maxSeries: 3) { server, store, metrics in
            let over = try await Self.write(server, "d", Self.lines(["a", "b", "c", "d", "e"]))
            #expect(over.status == 400)
            #expect(over.body == #"{"error":"partial write: max-series-per-database limit exceeded: (3) dropped=2"}"#, "\(over.body)")
            #expect(try Self.series(store, "d") == ["m,s=a", "m,s=b", "m,s=c"])
            #expect(try await Self.write(server, "d", Self.lines(["a", "c"], t: 2)).status == 204)
            #expect(try await Self.write(server, "other", Self.lines(["x", "y"])).status == 204)
            // With a parse error too, the listed message names the quota as well.
            let mixed = try await Self.write(server, "d", "bad line\n" + Self.lines(["b", "z"], t: 3))
            #expect(mixed.status == 400 && mixed.body.contains("line 1") && mixed.body.contains("max-series-per-database limit exceeded: (3) dropped=1"),
                    "\(mixed.body)")
            let scrape = try await TestConnection.with(port: server.httpPort!) { c in try await c.request("GET", "/metrics") }
            #expect(scrape.body.contains(#"chargeline_ingest_rejected_total{protocol="http",reason="max_series"} 3"#), "\(scrape.body)")
            _ = metrics
        }
    }

    @Test("TCP line protocol: the same quota applies; existing series keep writing")
    func seriesQuotaOverTCP() async throws {
        try await Self.withStoreServer(maxSeries: 2) { server, store, _ in
            _ = try await TestConnection.with(port: server.lineProtocolPort!) { c in
                try await c.send(Self.lines(["a", "b", "c"]) + Self.lines(["a"], t: 2))
                c.closeOutput()
                return try await c.readToEnd()
            }
            #expect(try Self.series(store, "tcp") == ["m,s=a", "m,s=b"])
            #expect(try store.read(database: "tcp", measurement: "m", seriesKey: "m,s=a").first?.columns.first?.count == 2)
        }
    }

    @Test("HTTP: a line over max-values-per-point is answered 400 with its line number; the other lines are stored")
    func valuesPerPointOverHTTP() async throws {
        try await Self.withStoreServer(maxSeries: 0, configure: { $0.maxValuesPerPoint = 3 }) { server, store, _ in
            let response = try await Self.write(server, "d", "m,s=a v=1 1\nm,s=b a=1,b=2,c=3,d=4 1\nm,s=c v=1 1\n")
            #expect(response.status == 400)
            #expect(response.body.contains("line 2, column") && response.body.contains("max-values-per-point limit exceeded: (3)"), "\(response.body)")
            #expect(try Self.series(store, "d") == ["m,s=a", "m,s=c"])
            #expect(try await Self.write(server, "d", "m,s=b a=1,b=2,c=3 1\n").status == 204)
        }
    }
}

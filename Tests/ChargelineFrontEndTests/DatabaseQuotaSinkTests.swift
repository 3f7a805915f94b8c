import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import ChargelineStorage
import Foundation
import Logging
import Testing

/// Database quotas on HTTP writes: auto-creation off (InfluxDB's 404) and most databases.
@Suite("Database quotas")
struct DatabaseQuotaSinkTests {
    static func withQuotaServer(autoCreate: Bool, maxDatabases: Int, _ body: (ChargelineServer, Store) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "chargeline-quota-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = StorageOptions()
        options.backgroundMaintenance = false
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = try Store(directory: path, options: options, logger: logger)
        defer { try? store.close() }
        try store.createDatabase("d")
        let sink = DatabaseQuotaSink(StorageSink(store: store), autoCreate: autoCreate, maxDatabases: maxDatabases)
        let config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: nil, threads: 1,
                                         shutdownGracePeriodMilliseconds: 2_000, idleTimeoutSeconds: 0)
        let server = try await ChargelineServer.start(configuration: config, sink: sink, queryHandler: FakeQueryHandler(sink: sink), logger: logger)
        do {
            try await body(server, store)
            try await server.shutdown()
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    static func write(_ server: ChargelineServer, _ db: String) async throws -> TestResponse {
        try await TestConnection.with(port: server.httpPort!) { c in
            try await c.request("POST", "/write?db=\(db)", body: Array("m v=1 1000000000\n".utf8))
        }
    }

    @Test("auto-creation off: a write to a missing database answers 404 database not found and creates nothing")
    func noAutoCreate() async throws {
        try await Self.withQuotaServer(autoCreate: false, maxDatabases: 0) { server, store in
            let missing = try await Self.write(server, "nope")
            #expect(missing.status == 404 && missing.body == #"{"error":"database not found: \"nope\""}"#, "\(missing.body)")
            #expect(!store.hasDatabase("nope"))
            #expect(try await Self.write(server, "d").status == 204)
        }
    }

    @Test("max databases: the write that would pass it is refused naming the quota; existing databases keep writing")
    func maxDatabases() async throws {
        try await Self.withQuotaServer(autoCreate: true, maxDatabases: 2) { server, store in
            #expect(try await Self.write(server, "e").status == 204)
            let over = try await Self.write(server, "f")
            #expect(over.status == 400 && over.body.contains("max-databases limit exceeded: (2/2)"), "\(over.body)")
            #expect(!store.hasDatabase("f"))
            #expect(try await Self.write(server, "d").status == 204)
            #expect(try await Self.write(server, "e").status == 204)
        }
    }
}

/// The claims quota of `/ykc/sessions`.
@Suite("YKC claims quota")
struct YKCClaimsQuotaTests {
    @Test("a call claiming more piles than the quota is refused whole, naming the quota; a call at it is served")
    func claims() async throws {
        try await withServer(configure: { $0.maxYKCClaimsPerCall = 3 }) { server, _ in
            try await TestConnection.with(port: server.httpPort!) { c in
                let four = (1...4).map { "3201020000000\($0)\n" }.joined()
                let over = try await c.request("POST", "/ykc/sessions?gateway=a", body: Array(four.utf8))
                #expect(over.status == 400 && over.body.contains("max-ykc-claims limit exceeded"), "\(over.body)")
                let three = (1...3).map { "3201020000000\($0)\n" }.joined()
                let ok = try await c.request("POST", "/ykc/sessions?gateway=b", body: Array(three.utf8))
                #expect(ok.status == 200, "\(ok.body)")
                let taken = try await c.request("POST", "/ykc/sessions?gateway=a", body: Array("32010200000001\n".utf8))
                #expect(taken.body.contains("\"evict\":[]"), "nothing of the refused call was claimed: \(taken.body)")
            }
        }
    }
}

import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Logging
import Testing

@Suite("GET /metrics")
struct MetricsEndpointTests {
    @Test("counts requests by route and code, points and values by protocol and db, rejected lines by reason")
    func counts() async throws {
        let metrics = ServerMetrics(version: "test")
        let sink = FakeSink()
        let config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: nil, threads: 1, idleTimeoutSeconds: 0)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try await ChargelineServer.start(configuration: config, sink: sink, queryHandler: FakeQueryHandler(sink: sink), metrics: metrics, logger: logger)
        do {
            let text = try await TestConnection.with(port: server.httpPort!) { c in
                #expect(try await c.request("POST", "/write?db=d", body: Array("m,pile=A v=1,w=2 1\nm v=3 2\n".utf8)).status == 204)
                #expect(try await c.request("POST", "/write?db=d", body: Array("m v=4 3\nnot line protocol\n".utf8)).status == 400)
                #expect(try await c.request("GET", "/no/such/path?x=1").status == 404)
                let response = try await c.request("GET", "/metrics")
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
                return response.body
            }
            let lines = Set(text.split(separator: "\n").map(String.init))
            #expect(lines.contains(#"chargeline_ingest_points_total{protocol="http",db="d"} 3"#))
            #expect(lines.contains(#"chargeline_ingest_values_total{protocol="http",db="d"} 4"#))
            #expect(lines.contains(#"chargeline_ingest_rejected_total{protocol="http",reason="parse"} 1"#))
            #expect(lines.contains(#"chargeline_http_requests_total{path="/write",code="204"} 1"#))
            #expect(lines.contains(#"chargeline_http_requests_total{path="/write",code="400"} 1"#))
            // An unknown path is counted under one label, so clients cannot grow the series.
            #expect(lines.contains(#"chargeline_http_requests_total{path="other",code="404"} 1"#))
            #expect(lines.contains(#"chargeline_build_info{version="test"} 1.0"#))
            #expect(lines.contains { $0.hasPrefix("process_resident_memory_bytes ") })
            #expect(lines.contains("# HELP chargeline_ingest_points_total Points stored, by ingest protocol and database."))
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test("without metrics the route answers 404")
    func off() async throws {
        try await withServer { server, _ in
            let response = try await TestConnection.with(port: server.httpPort!) { c in try await c.request("GET", "/metrics") }
            #expect(response.status == 404)
        }
    }
}

import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Foundation
import Logging
import Testing

@Suite("POST /api/v1/snapshot")
struct SnapshotEndpointTests {
    final class FakeSnapshots: SnapshotHandler, @unchecked Sendable {
        let lock = NSLock()
        var calls = 0
        func takeSnapshot(completion: @escaping @Sendable (ReportResponse) -> Void) {
            lock.lock(); calls += 1; lock.unlock()
            DispatchQueue.global().async {
                completion(ReportResponse(status: 200, contentType: "application/json", body: Array(#"{"id":"x","path":"/d/.snapshots/x"}"#.utf8)))
            }
        }
    }

    @Test("POST answers the handler's JSON; other methods 405; without a handler 404")
    func route() async throws {
        let snapshots = FakeSnapshots()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: nil, threads: 1,
                                         shutdownGracePeriodMilliseconds: 2_000, idleTimeoutSeconds: 0)
        let server = try await ChargelineServer.start(configuration: config, sink: FakeSink(), queryHandler: FakeQueryHandler(sink: FakeSink()), snapshotHandler: snapshots, logger: logger)
        do {
            try await TestConnection.with(port: server.httpPort!) { c in
                let post = try await c.request("POST", "/api/v1/snapshot")
                #expect(post.status == 200)
                #expect(post.body == #"{"id":"x","path":"/d/.snapshots/x"}"#)
                let get = try await c.request("GET", "/api/v1/snapshot")
                #expect(get.status == 405)
            }
            try await server.shutdown()
        } catch {
            try? await server.shutdown()
            throw error
        }
        #expect(snapshots.calls == 1)
        try await withServer { server, _ in
            try await TestConnection.with(port: server.httpPort!) { c in
                let answer = try await c.request("POST", "/api/v1/snapshot")
                #expect(answer.status == 404)
            }
        }
    }
}

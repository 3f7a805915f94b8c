import ChargelineCore
import ChargelineIngest
import Foundation
import Logging
import NIOSSL
import Testing
@testable import ChargelineFrontEnd
@testable import ChargelineHTTPAPI
import ChargelineNetworkTestSupport

/// TLS on the server's listeners, checked with NIOSSL's client side against certificates made
/// by openssl: HTTPS and TLS line protocol work, plain text and TLS 1.1 are refused and
/// counted, SIGHUP's reload serves the new certificate and keeps the old one on a bad file.
@Suite("Server TLS", .serialized)
struct ServerTLSTests {
    static let ping = Array("GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)

    /// A server with TLS on `listeners`, its `ServerTLS`, the fixture and the captured logs.
    static func withTLSServer<T>(listeners: Set<TLSListener> = TLSListener.defaults, metrics: ServerMetrics? = nil,
                                 _ body: (ChargelineServer, ServerTLS, TLSFixture, FakeSink, LogCapture) async throws -> T) async throws -> T {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let (certificate, key) = try fixture.makeCertificate("server")
        let logs = LogCapture()
        var logger = Logger(label: "test", factory: { _ in logs })
        logger.logLevel = .debug
        let tls = try ServerTLS(certificatePath: certificate, privateKeyPath: key, listeners: listeners, logger: logger)
        var config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: .init(host: "127.0.0.1", port: 0),
                                         threads: 2, shutdownGracePeriodMilliseconds: 2_000, idleTimeoutSeconds: 0)
        config.tls = tls
        let sink = FakeSink()
        let server = try await ChargelineServer.start(configuration: config, sink: sink, queryHandler: FakeQueryHandler(sink: sink), metrics: metrics, logger: logger)
        do {
            let result = try await body(server, tls, fixture, sink, logs)
            try await server.shutdown()
            return result
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    @Test("HTTPS answers /ping and /write; the served certificate is the configured one")
    func httpsServes() async throws {
        try await Self.withTLSServer { server, tls, fixture, sink, _ in
            let ping = try await exchange(port: server.httpPort!, tls: clientTLS(), send: Self.ping)
            #expect(ping.text.hasPrefix("HTTP/1.1 204"), "\(ping.text) \(String(describing: ping.error))")
            let configured = try TLSFixture.serial(of: tls.certificatePath)
            #expect(ping.serverCertificate?.serialNumber == configured)
            let body = "m,pile=p1 v=1 1000000000\n"
            let write = Array("POST /write?db=d HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
            let answer = try await exchange(port: server.httpPort!, tls: clientTLS(), send: write)
            #expect(answer.text.hasPrefix("HTTP/1.1 204"), "\(answer.text)")
            #expect(sink.points.count == 1)
            #expect(tls.handshakeFailures.isEmpty)
            _ = fixture
        }
    }

    @Test("a plain HTTP request to the HTTPS port is closed unanswered, counted and logged")
    func plainHTTPRefused() async throws {
        let metrics = ServerMetrics(version: "test")
        try await Self.withTLSServer(metrics: metrics) { server, tls, _, sink, logs in
            let plain = try await exchange(port: server.httpPort!, tls: nil, send: Self.ping)
            #expect(!plain.text.contains("HTTP/1."), "served in plain text: \(plain.text)")
            #expect(try await eventually { tls.handshakeFailures[.http] == 1 })
            #expect(sink.writeCount == 0)
            #expect(logs.lines.contains { $0.contains("TLS handshake failed on the http listener") })
            let exposition = String(decoding: metrics.scrape(), as: UTF8.self)
            #expect(exposition.contains(#"chargeline_tls_handshake_failures_total{listener="http"} 1"#), "\(exposition)")
        }
    }

    @Test("a client offering only TLS 1.1 fails its handshake; TLS 1.2 and 1.3 pass")
    func tls11Refused() async throws {
        try await Self.withTLSServer { server, tls, _, _, _ in
            // CBC suites so the client can offer TLS 1.1 at all: the refusal must be the server's
            // protocol_version alert, not the client giving up alone.
            var legacy = clientTLS(minimum: .tlsv1, maximum: .tlsv11)
            legacy.cipherSuites = "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA"
            let old = try await exchange(port: server.httpPort!, tls: legacy, send: Self.ping)
            #expect(old.bytes.isEmpty)
            #expect(String(describing: old.error).contains("PROTOCOL_VERSION"), "\(String(describing: old.error))")
            #expect(try await eventually { tls.handshakeFailures[.http] == 1 })
            for version in [TLSVersion.tlsv12, .tlsv13] {
                let ok = try await exchange(port: server.httpPort!, tls: clientTLS(minimum: version, maximum: version), send: Self.ping)
                #expect(ok.text.hasPrefix("HTTP/1.1 204"), "\(version): \(ok.text) \(String(describing: ok.error))")
            }
        }
    }

    @Test("line protocol over TLS is stored; a plain connection to the TLS port writes nothing")
    func lineProtocolOverTLS() async throws {
        try await Self.withTLSServer { server, tls, _, sink, _ in
            let lines = Array("m,pile=p1 v=1 1000000000\nm,pile=p2 v=2 1000000000\n".utf8)
            _ = try await exchange(port: server.lineProtocolPort!, tls: clientTLS(), send: lines, wait: .seconds(1))
            #expect(try await eventually { sink.points.count == 2 })
            _ = try await exchange(port: server.lineProtocolPort!, tls: nil, send: lines)
            #expect(try await eventually { tls.handshakeFailures[.lineProtocol] == 1 })
            #expect(sink.points.count == 2)
        }
    }

    @Test("a listener left out of the TLS listeners stays plain")
    func perListenerSwitch() async throws {
        try await Self.withTLSServer(listeners: [.http]) { server, tls, _, sink, _ in
            let lines = Array("m,pile=p1 v=1 1000000000\n".utf8)
            _ = try await exchange(port: server.lineProtocolPort!, tls: nil, send: lines, wait: .seconds(1))
            #expect(try await eventually { sink.points.count == 1 })
            #expect(tls.handshakeFailures.isEmpty)
        }
    }

    @Test("reload serves the new certificate to new connections; a bad file keeps the old one and says why")
    func reload() async throws {
        try await Self.withTLSServer { server, tls, fixture, _, logs in
            let first = try TLSFixture.serial(of: tls.certificatePath)
            let renewed = try fixture.makeCertificate("renewed")
            try fixture.replace(tls.certificatePath, with: renewed.certificate)
            try fixture.replace(tls.privateKeyPath, with: renewed.key)
            #expect(tls.reload())
            let second = try TLSFixture.serial(of: renewed.certificate)
            #expect(first != second)
            let after = try await exchange(port: server.httpPort!, tls: clientTLS(), send: Self.ping)
            #expect(after.serverCertificate?.serialNumber == second)
            #expect(logs.lines.contains { $0.contains("reloaded the TLS certificate") })

            // A key that is not the certificate's, then a file that is no certificate at all.
            let other = try fixture.makeCertificate("other")
            try fixture.replace(tls.privateKeyPath, with: other.key)
            #expect(!tls.reload())
            #expect(logs.lines.contains { $0.contains("TLS certificate not reloaded") && $0.contains("cannot be used together") })
            try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: tls.certificatePath))
            #expect(!tls.reload())
            #expect(logs.lines.contains { $0.contains("TLS certificate not reloaded") && $0.contains("is not a PEM certificate") })
            let still = try await exchange(port: server.httpPort!, tls: clientTLS(), send: Self.ping)
            #expect(still.serverCertificate?.serialNumber == second)
            #expect(still.text.hasPrefix("HTTP/1.1 204"))
        }
    }

    @Test("a key that is not the certificate's, or a missing file, stops the start with the file named")
    func badFilesAtStart() throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let a = try fixture.makeCertificate("a")
        let b = try fixture.makeCertificate("b")
        #expect(throws: ChargelineError.self) { _ = try ServerTLS(certificatePath: a.certificate, privateKeyPath: b.key) }
        do {
            _ = try ServerTLS(certificatePath: fixture.path("missing.crt"), privateKeyPath: a.key)
            Issue.record("a missing certificate was accepted")
        } catch let error as ChargelineError {
            #expect(error.message.contains("missing.crt"))
        }
    }

    @Test("the gateway's upstream client speaks HTTPS to a pinned certificate and refuses another")
    func upstreamOverHTTPS() async throws {
        try await Self.withTLSServer { server, tls, fixture, sink, _ in
            let port = server.httpPort!
            let stranger = try fixture.makeCertificate("stranger").certificate
            let pinned = tls.certificatePath
            let (status, refused) = try await Task.detached { () -> (Int, Bool) in
                let line = Array("m v=1 1000000000\n".utf8)
                let good = UpstreamHTTPClient(host: "127.0.0.1", port: port, timeoutSeconds: 5, tls: UpstreamTLS(trust: .pinned(pinned)))
                let status = try good.post(path: "/write?db=d", body: line).status
                let bad = UpstreamHTTPClient(host: "127.0.0.1", port: port, timeoutSeconds: 5, tls: UpstreamTLS(trust: .pinned(stranger)))
                let refused = (try? bad.post(path: "/write?db=d", body: line)) == nil
                return (status, refused)
            }.value
            #expect(status == 204)
            #expect(refused)
            #expect(sink.points.count == 1)
        }
    }
}

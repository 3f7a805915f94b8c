import ChargelineFrontEnd
import ChargelineIngest
import ChargelineNetworkTestSupport
import ChargelineYKCPile
import Foundation
import Logging
import Testing

/// TLS on the YKC listener, checked with NIOSSL's client side against a certificate made by
/// openssl (the other listeners' TLS: `ServerTLSTests`).
@Suite("YKC TLS")
struct YKCTLSTests {
    @Test("YKC over TLS when the listeners name it: a login is answered; a plain pile is refused")
    func ykcOverTLS() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let (certificate, key) = try fixture.makeCertificate("ykc")
        var logger = Logger(label: "test", factory: { _ in LogCapture() })
        logger.logLevel = .critical
        let tls = try ServerTLS(certificatePath: certificate, privateKeyPath: key, listeners: [.ykc], logger: logger)
        try await YKCFrontEndTests.withFrontEnd(configure: { $0.tls = tls }) { fe in
            var login = YKCFrameEncoder()
            login.login(sequence: (0x19, 0x00), pileCode: 0x32010600395600)
            var reply = YKCFrameEncoder()
            reply.loginReply(sequence: (0x19, 0x00), pileCode: 0x32010600395600, accepted: true)
            let expected = Array(reply.frame)
            let answer = try await exchange(port: fe.port, tls: clientTLS(), send: Array(login.frame)) { $0.count >= expected.count }
            #expect(answer.bytes == expected, "\(String(describing: answer.error))")
            let plain = try await exchange(port: fe.port, tls: nil, send: Array(login.frame))
            // At most a TLS alert record (content type 21) comes back, never a YKC frame.
            #expect(plain.bytes.isEmpty || plain.bytes.first == 21, "\(plain.bytes)")
            #expect(try await eventually { tls.handshakeFailures[.ykc] == 1 })
        }
    }
}

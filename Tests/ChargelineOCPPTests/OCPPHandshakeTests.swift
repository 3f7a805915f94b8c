import ChargelineIngest
@testable import ChargelineOCPP
import ChargelineFrontEnd
import Foundation
import Logging
import NIOHTTP1
import Testing

/// The WebSocket upgrade decision: path, subprotocol, and security profile 1's credentials.
@Suite struct OCPPHandshakeTests {
    private let directory: YKCPileDirectory = {
        let registry = YKCPileRegistry(entries: [:], byID: [
            "CP-A": YKCPileInfo(station: "S1"),
            "CP-B": YKCPileInfo(station: "S1", passwordHash: OCPPPassword.hash("secret-b", salt: "b1")),
            "CP-C": YKCPileInfo(station: "S2", passwordHash: OCPPPassword.hash("secret-c", salt: "c1")),
        ])
        return YKCPileDirectory(registry: registry, unknownPiles: .accept, logger: Logger(label: "test"))
    }()

    private func head(_ uri: String, protocols: String? = "ocpp1.6", user: String? = nil, password: String = "") -> HTTPRequestHead {
        var headers = HTTPHeaders([("Upgrade", "websocket")])
        if let protocols { headers.add(name: "Sec-WebSocket-Protocol", value: protocols) }
        if let user { headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()) }
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
    }

    private func status(_ h: HTTPRequestHead, requirePassword: Bool = false) -> Int {
        switch OCPPHandshake.decide(h, directory: directory, requirePassword: requirePassword) {
        case .accept: 101
        case .refuse(let s, _, _): Int(s.code)
        }
    }

    @Test func pathAndSubprotocol() {
        #expect(status(head("/ocpp/CP-A")) == 101)
        #expect(status(head("/ocpp/CP-A", protocols: "ocpp2.0.1, ocpp1.6")) == 101)
        #expect(status(head("/ocpp/UNKNOWN-1")) == 101, "unknown ids are answered at BootNotification, per policy")
        #expect(status(head("/other/CP-A")) == 404)
        #expect(status(head("/ocpp/CP-A", protocols: nil)) == 400)
        #expect(status(head("/ocpp/CP-A", protocols: "ocpp2.0.1")) == 400)
        #expect(status(head("/ocpp/a%2Fb")) == 400, "an id with / is refused")
        #expect(status(head("/ocpp/" + String(repeating: "x", count: 37))) == 400)
    }

    @Test func basicAuthAgainstTheRegistryHash() {
        #expect(status(head("/ocpp/CP-B")) == 401)
        #expect(status(head("/ocpp/CP-B", user: "CP-B", password: "wrong")) == 401)
        #expect(status(head("/ocpp/CP-B", user: "CP-B", password: "secret-b")) == 101)
        // CP-C's own, valid credentials do not open CP-B's id.
        #expect(status(head("/ocpp/CP-B", user: "CP-C", password: "secret-c")) == 401)
        #expect(status(head("/ocpp/CP-B", user: "CP-B", password: "secret-c")) == 401)
        // The user name must be the URL's id, even with the right password.
        #expect(status(head("/ocpp/CP-B", user: "CP-C", password: "secret-b")) == 401)
        #expect(status(head("/ocpp/CP-A"), requirePassword: true) == 401, "--ocpp-require-password: no password, no entry")
    }
}

import ChargelineAuth
import Foundation
import Testing
@testable import ChargelineFrontEnd
import ChargelineHTTPAPI

/// The gateway's upstream client authenticates with `--upstream-token` to a node with auth on.
@Suite("Upstream client credentials")
struct UpstreamHTTPClientTests {
    @Test("a token or user:password reaches /write and /ykc/sessions; without one the node answers 401")
    func upstreamToken() async throws {
        try await AuthorizationTests.withAuthServer(AuthorizationTests.fiveUsers) { server, users in
            let port = server.httpPort!
            let token = try users.createToken(for: "root").token
            let result = try await Task.detached { () -> [Int] in
                let line = Array("m v=1 1000000000\n".utf8)
                let claim = Array("32010200000001\n".utf8)
                let anonymous = UpstreamHTTPClient(host: "127.0.0.1", port: port)
                let bearer = UpstreamHTTPClient(host: "127.0.0.1", port: port, token: token)
                let password = UpstreamHTTPClient(host: "127.0.0.1", port: port, token: "writer:pw-writer")
                return [
                    try anonymous.post(path: "/write?db=d", body: line).status,
                    try bearer.post(path: "/write?db=d", body: line).status,
                    try bearer.post(path: "/ykc/sessions?gateway=g", body: claim).status,
                    try password.post(path: "/write?db=d", body: line).status,
                    try password.post(path: "/ykc/sessions?gateway=g", body: claim).status,
                ]
            }.value
            #expect(result == [401, 204, 200, 204, 403])
        }
    }
}

import ChargelineAuth
import Foundation
import Testing

/// Credentials as InfluxDB 1.x reads them from a request.
@Suite("Credentials")
struct CredentialsTests {
    @Test("u and p parameters come first, then Basic, Token user:password and Bearer")
    func forms() {
        let basic = "Basic " + Data("ann:pa:ss".utf8).base64EncodedString()
        #expect(Credentials.from(parameters: ["u": "ann", "p": "pw"], authorization: basic) == .password(user: "ann", password: "pw"))
        #expect(Credentials.from(parameters: [:], authorization: basic) == .password(user: "ann", password: "pa:ss"))
        #expect(Credentials.from(parameters: [:], authorization: "Token ann:pw") == .password(user: "ann", password: "pw"))
        #expect(Credentials.from(parameters: [:], authorization: "Bearer clt_x") == .token("clt_x"))
        #expect(Credentials.from(parameters: ["u": "ann"], authorization: nil) == nil)
        #expect(Credentials.from(parameters: [:], authorization: "Basic !!!") == nil)
        #expect(Credentials.from(parameters: [:], authorization: "Token nocolon") == nil)
        #expect(Credentials.from(parameters: [:], authorization: "Digest x") == nil)
    }
}

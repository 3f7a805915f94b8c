import ChargelineFrontEnd
import ChargelineIngest
import Foundation
import NIOHTTP1

/// The decision on a WebSocket upgrade request: which charge point it is, or why it is
/// refused (with the HTTP status). Pure, so the upgrader and the handler that answers a
/// refused request agree.
enum OCPPHandshake {
    /// The OCPP-J subprotocol this front-end speaks.
    static let subprotocol = "ocpp1.6"
    /// The URL path prefix before the charge point id.
    static let pathPrefix = "/ocpp/"

    enum Decision {
        case accept(id: String, info: YKCPileInfo?)
        case refuse(HTTPResponseStatus, String, challenge: Bool)
    }

    static func decide(_ head: HTTPRequestHead, directory: YKCPileDirectory, requirePassword: Bool) -> Decision {
        var path = Substring(head.uri)
        if let q = path.firstIndex(of: "?") { path = path[..<q] }
        guard path.hasPrefix(pathPrefix) else {
            return .refuse(.notFound, "OCPP charge points connect to ws://HOST:PORT/ocpp/{chargePointId}", challenge: false)
        }
        let raw = String(path.dropFirst(pathPrefix.count))
        guard let id = raw.removingPercentEncoding, YKCPileRegistry.isValidChargePointID(id) else {
            return .refuse(.badRequest, "charge point id must be 1-36 printable characters without space , / :", challenge: false)
        }
        let offered = head.headers["Sec-WebSocket-Protocol"].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard offered.contains(subprotocol) else {
            return .refuse(.badRequest, "the WebSocket subprotocol must be \(subprotocol) (Sec-WebSocket-Protocol)", challenge: false)
        }
        let info = directory.registered(id: id).info
        let hash = info?.passwordHash ?? ""
        if !hash.isEmpty || (requirePassword && info != nil) {
            guard let credentials = basicCredentials(head.headers) else {
                return .refuse(.unauthorized, "charge point \(id) must authenticate (HTTP Basic, security profile 1)", challenge: true)
            }
            // The user name is the charge point id: a charge point's password opens no other id.
            guard credentials.user == id, !hash.isEmpty, OCPPPassword.verify(credentials.password, against: hash) else {
                return .refuse(.unauthorized, "wrong credentials for charge point \(id)", challenge: true)
            }
        }
        return .accept(id: id, info: info)
    }

    static func basicCredentials(_ headers: HTTPHeaders) -> (user: String, password: String)? {
        guard let value = headers.first(name: "Authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

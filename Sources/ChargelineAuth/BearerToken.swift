import Crypto
import Foundation

/// Bearer tokens for machines (gateways, alert receivers): `clt_<id>_<secret>`, with a 16-hex
/// id that finds the record and a 64-hex secret (32 random bytes) of which only the SHA-256 is
/// kept. A token is as strong as a 256-bit key, so one SHA-256 (not a slow hash) protects it.
enum BearerToken {
    static let prefix = "clt_"

    /// A new token: its id and the full token text.
    static func make() -> (id: String, token: String, digest: String) {
        var generator = SystemRandomNumberGenerator()
        let id = hex((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let secret = hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return (id, prefix + id + "_" + secret, digest(secret))
    }

    /// The id and secret of a token's text, or nil when it is not one of ours.
    static func split(_ token: String) -> (id: String, secret: String)? {
        guard token.hasPrefix(prefix) else { return nil }
        let rest = token.dropFirst(prefix.count)
        guard let underscore = rest.firstIndex(of: "_") else { return nil }
        let id = String(rest[..<underscore]), secret = String(rest[rest.index(after: underscore)...])
        guard id.utf8.count == 16, secret.utf8.count == 64 else { return nil }
        return (id, secret)
    }

    /// SHA-256 of the secret, lowercase hex.
    static func digest(_ secret: String) -> String {
        hex(Array(SHA256.hash(data: Array(secret.utf8))))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

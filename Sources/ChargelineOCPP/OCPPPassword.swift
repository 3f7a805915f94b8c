public import Crypto
import Foundation

/// Security profile 1's passwords as the registry stores them: `sha256:SALT:HEX`, HEX the
/// lower-case SHA-256 of SALT followed by the password. A salted hash keeps a leaked registry
/// from giving away passwords reused elsewhere; the charge point still sends the password
/// itself (HTTP Basic), which is why profile 1 belongs on trusted networks or under TLS.
public enum OCPPPassword {
    /// The registry entry for `password`, with a random 16-hex-digit salt unless one is given.
    public static func hash(_ password: String, salt: String? = nil) -> String {
        let salt = salt ?? (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return "sha256:\(salt):\(digest(salt + password))"
    }

    /// Whether `password` matches registry entry `stored` (compared in constant time).
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sha256" else { return false }
        let expected = Array(parts[2].utf8)
        let actual = Array(digest(String(parts[1]) + password).utf8)
        guard expected.count == actual.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<expected.count { diff |= expected[i] ^ actual[i] }
        return diff == 0
    }

    private static func digest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

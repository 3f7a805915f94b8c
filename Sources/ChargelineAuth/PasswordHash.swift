import Crypto
import _CryptoExtras
import Foundation

/// A salted, slow hash of a password: PBKDF2-HMAC-SHA256 from swift-crypto, with a random
/// 16-byte salt per password and the round count stored beside the hash, so raising the default
/// later still verifies the hashes already written.
struct PasswordHash: Codable, Sendable, Equatable {
    /// The salt, base64.
    var salt: String
    /// The 32-byte derived key, base64.
    var hash: String
    /// PBKDF2 rounds.
    var rounds: Int

    /// 210,000 rounds: the minimum swift-crypto's checked API accepts for PBKDF2, OWASP's figure
    /// for PBKDF2-HMAC-SHA512-equivalent strength; about a tenth of a second on one core. Logins
    /// pay it once: `UserStore` caches a verified password.
    static let defaultRounds = 210_000
    /// 16 bytes of salt: unique per password with overwhelming probability.
    static let saltBytes = 16
    /// 32 bytes of key: the SHA-256 output size.
    static let keyBytes = 32

    /// Hashes `password` with a fresh random salt.
    static func make(_ password: String, rounds: Int = defaultRounds) throws -> PasswordHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = try derive(password, salt: salt, rounds: rounds)
        return PasswordHash(salt: Data(salt).base64EncodedString(), hash: Data(key).base64EncodedString(), rounds: rounds)
    }

    /// Whether `password` hashes to this hash (compared in constant time). Slow: `rounds` rounds.
    func verify(_ password: String) -> Bool {
        guard let salt = Data(base64Encoded: salt), let expected = Data(base64Encoded: hash),
              let key = try? Self.derive(password, salt: Array(salt), rounds: rounds) else { return false }
        return ConstantTime.equal(key, expected)
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                   outputByteCount: keyBytes, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }
}

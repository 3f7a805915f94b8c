import ChargelineCore

/// The content of the `USERS` file: every user with its password hash and grants, and every
/// bearer token's digest. Written as a checksummed JSON document (docs/format.md, `USERS`).
struct UsersDocument: Codable, Sendable {
    /// One user.
    struct User: Codable, Sendable {
        var name: String
        var admin: Bool
        var password: PasswordHash
        /// Database name -> privilege.
        var grants: [String: Privilege]
    }

    /// One bearer token: the SHA-256 of its secret, never the secret.
    struct Token: Codable, Sendable {
        var id: String
        var user: String
        /// SHA-256 of the secret part, lowercase hex.
        var digest: String
    }

    var users: [User] = []
    var tokens: [Token] = []
}

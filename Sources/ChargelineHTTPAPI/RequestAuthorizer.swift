public import ChargelineAuth
import ChargelineCore
import ChargelineFrontEnd
import ChargelineQuery

/// Who sent an HTTP request and whether they may do it, with InfluxDB 1.x's `auth-enabled`
/// semantics and answers: 401 `unable to parse authentication credentials` without credentials,
/// 401 `authorization failed` for wrong ones, 403 naming the missing privilege.
///
/// The bootstrap rule: while no admin exists, a request without credentials (or with ones that
/// do not authenticate, as InfluxDB skips authentication then) may only create one
/// (`CREATE USER name WITH PASSWORD '...' WITH ALL PRIVILEGES`).
///
/// The HTTP handler calls `authenticate` on the event loop: it answers at once for tokens,
/// passwords that verified before (one HMAC) and missing credentials, and says `needsHash`
/// otherwise, which the handler runs off the loop with `authenticateSlowly`.
public struct RequestAuthorizer: Sendable {
    /// The users, grants and tokens.
    public let users: UserStore
    /// A token that authenticates as an admin without being in `USERS`: `serve` gives it to the
    /// gateway processes it starts (in their environment). Nil: none.
    let internalToken: String?

    /// An authorizer over `users`; `internalToken` (if any) authenticates as the admin `_chargeline`.
    public init(users: UserStore, internalToken: String? = nil) {
        self.users = users
        self.internalToken = internalToken
    }

    /// Who sent a request.
    enum Identity: Sendable {
        /// An authenticated user.
        case user(AuthenticatedUser)
        /// Nobody, while no admin exists: may only create the first admin.
        case bootstrap
    }

    /// A refused request: the status and the InfluxDB-shaped error message.
    struct Refusal: Sendable, Error, Equatable {
        var status: Int
        var message: String
    }

    /// What `authenticate` found.
    enum Authentication: Sendable {
        case done(Result<Identity, Refusal>)
        /// A password that must be hashed: call `authenticateSlowly` off the event loop.
        case needsHash(Credentials)
    }

    static let missing = Refusal(status: 401, message: "unable to parse authentication credentials")
    static let failed = Refusal(status: 401, message: "authorization failed")

    /// Authenticates without hashing a password (fast: callable on an event loop).
    func authenticate(_ credentials: Credentials?) -> Authentication {
        guard let credentials else {
            return .done(users.hasAdmin ? .failure(Self.missing) : .success(.bootstrap))
        }
        if case .token(let token) = credentials, let internalToken,
           ConstantTime.equal(Array(token.utf8), Array(internalToken.utf8)) {
            return .done(.success(.user(AuthenticatedUser(name: "_chargeline", admin: true))))
        }
        switch users.check(credentials) {
        case .user(let user): return .done(.success(.user(user)))
        case .wrong: return .done(wrong())
        case .needsHash: return .needsHash(credentials)
        }
    }

    /// Authenticates a password by hashing it (about a tenth of a second: never on an event loop).
    func authenticateSlowly(_ credentials: Credentials) -> Result<Identity, Refusal> {
        users.authenticate(credentials).map { .success(.user($0)) } ?? wrong()
    }

    /// Credentials that do not authenticate: 401, or the bootstrap identity while no admin exists.
    private func wrong() -> Result<Identity, Refusal> {
        users.hasAdmin ? .failure(Self.failed) : .success(.bootstrap)
    }

    /// Whether `identity` may write to `database`.
    func authorizeWrite(_ identity: Identity, database: String) -> Refusal? {
        guard case .user(let user) = identity else {
            return Refusal(status: 403, message: "user is required to write to database \(JSON.quoteForMessage(database))")
        }
        guard user.may(.write, on: database) else {
            return Refusal(status: 403, message: "\(JSON.quoteForMessage(user.name)) user is not authorized to write to database \(JSON.quoteForMessage(database))")
        }
        return nil
    }

    /// Whether `identity` may read `database` (reports).
    func authorizeRead(_ identity: Identity, database: String) -> Refusal? {
        guard case .user(let user) = identity else { return Self.createAdminFirst }
        guard user.may(.read, on: database) else {
            return Refusal(status: 403, message: "\(JSON.quoteForMessage(user.name)) user is not authorized to read database \(JSON.quoteForMessage(database))")
        }
        return nil
    }

    /// Whether `identity` is an admin (`what`: the endpoint, for the message).
    func authorizeAdmin(_ identity: Identity, what: String) -> Refusal? {
        guard case .user(let user) = identity else { return Self.createAdminFirst }
        guard user.admin else {
            return Refusal(status: 403, message: "\(JSON.quoteForMessage(user.name)) user is not authorized: \(what) requires admin privilege")
        }
        return nil
    }

    static let createAdminFirst = Refusal(
        status: 403, message: "error authorizing query: create admin user first or disable authentication")

    /// Whether `identity` may run every statement of `query` (with `database` the request's db).
    /// A query that does not parse passes for an authenticated user (the engine answers the
    /// parse error and runs nothing) and is refused for `bootstrap`.
    func authorizeQuery(_ identity: Identity, query: String, database: String?,
                        parameters: [String: QueryParameter]) -> Refusal? {
        guard let needs = try? QueryEngine.requiredPrivileges(query, database: database, parameters: parameters) else {
            if case .bootstrap = identity { return Self.createAdminFirst }
            return nil
        }
        guard case .user(let user) = identity else {
            return needs.allSatisfy({ $0 == .createAdmin }) ? nil : Self.createAdminFirst
        }
        if user.admin { return nil }
        for need in needs {
            let missing: String?
            switch need {
            case .none, .read(nil), .write(nil): missing = nil
            case .read(let db?): missing = user.may(.read, on: db) ? nil : "READ on \(db)"
            case .write(let db?): missing = user.may(.write, on: db) ? nil : "WRITE on \(db)"
            case .admin, .createAdmin: missing = "admin privilege"
            }
            if let missing {
                return Refusal(status: 403, message: "error authorizing query: \(user.name) not authorized to execute statement '\(Self.shown(query))', requires \(missing)")
            }
        }
        return nil
    }

    /// The query as a refusal shows it: passwords never appear, long text is cut.
    private static func shown(_ query: String) -> String {
        let upper = query.uppercased()
        if upper.contains("PASSWORD") { return "[REDACTED]" }
        return query.count > 200 ? String(query.prefix(200)) + "..." : query
    }
}

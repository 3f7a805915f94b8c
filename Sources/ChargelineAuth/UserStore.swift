public import ChargelineCore
import ChargelineStorage
import Crypto
import Foundation

/// Users, their grants and bearer tokens, kept in the data directory's `USERS` file, and the
/// credential check every authenticated request makes.
///
/// Durability: every change rewrites `USERS` atomically (checksummed, fsynced, renamed) before
/// it is answered; a change that cannot be written is not made.
///
/// Speed: a password's PBKDF2 hash costs about a tenth of a second, so a password that verified
/// once is remembered as an HMAC-SHA256 under a key made at start and never stored; later
/// requests with the same password cost one HMAC and a constant-time compare. Changing or
/// dropping the user forgets it. Wrong passwords are never remembered: each costs the full hash.
///
/// Thread-safe: state behind one lock, hashing outside it.
public final class UserStore: @unchecked Sendable {
    /// The file users are kept in, in the data directory.
    public static let fileName = "USERS"
    static let file = ChecksummedJSONFile(magic: Array("CLUS".utf8), version: 1, what: "users file",
                                          remedy: "restore USERS from a backup, or delete it and create the admin user again")

    private let directory: String?
    private let rounds: Int
    private let lock = NSLock()
    private(set) var document: UsersDocument
    /// User name -> HMAC of the password that last verified, with the user's version then.
    private var verified: [String: (digest: [UInt8], version: UInt64)] = [:]
    /// Bumped for a user whenever its password changes or it is dropped.
    private var versions: [String: UInt64] = [:]
    private var nextVersion: UInt64 = 1
    private let cacheKey = SymmetricKey(size: .bits256)

    /// Opens the users in `directory/USERS` (none when the file does not exist yet); nil
    /// `directory` keeps them in memory only (tests).
    /// - Parameter rounds: PBKDF2 rounds for passwords set from now on.
    /// - Throws: `ChargelineError(.corruption)` when the file is damaged.
    public init(directory: String?, rounds: Int = 210_000) throws {
        self.directory = directory
        self.rounds = rounds
        if let directory {
            document = try Self.file.load(UsersDocument.self, directory: directory, name: Self.fileName) ?? UsersDocument()
        } else {
            document = UsersDocument()
        }
    }

    /// Whether any user has the admin privilege (the bootstrap rule applies until one does).
    public var hasAdmin: Bool { lock.withLock { document.users.contains { $0.admin } } }

    // MARK: Authentication

    /// What a check without a password hash found.
    public enum QuickCheck: Sendable, Equatable {
        /// The credentials are right.
        case user(AuthenticatedUser)
        /// The credentials are wrong (an unknown user or token, a token that does not match).
        case wrong
        /// A password not verified since start or since it changed: `authenticate` hashes it.
        case needsHash
    }

    /// The user these credentials authenticate, or nil. May take a tenth of a second (a password
    /// not seen since start or since it changed): on an event loop, call `check` first and
    /// this elsewhere only when it answers `.needsHash`.
    public func authenticate(_ credentials: Credentials) -> AuthenticatedUser? {
        switch check(credentials) {
        case .user(let user): return user
        case .wrong: return nil
        case .needsHash: break
        }
        guard case .password(let name, let password) = credentials else { return nil }
        let (record, version) = lock.withLock { (document.users.first { $0.name == name }, versions[name, default: 0]) }
        guard let record else {
            _ = PasswordHash(salt: "AAAAAAAAAAAAAAAAAAAAAA==", hash: "", rounds: rounds).verify(password)
            return nil
        }
        guard record.password.verify(password) else { return nil }
        let digest = hmac(password)
        return lock.withLock {
            // Remember it only if the password did not change while it was being hashed.
            guard versions[name, default: 0] == version, let current = document.users.first(where: { $0.name == name }) else { return nil }
            verified[name] = (digest, version)
            return AuthenticatedUser(name: current.name, admin: current.admin, grants: current.grants)
        }
    }

    /// Checks credentials without a password hash: a token, or a password that verified before
    /// (one HMAC and a constant-time compare). Fast enough for an event loop.
    public func check(_ credentials: Credentials) -> QuickCheck {
        switch credentials {
        case .token(let token):
            return authenticate(token: token).map { .user($0) } ?? .wrong
        case .password(let name, let password):
            let digest = hmac(password)
            return lock.withLock {
                // An unknown user costs a hash too, so timing does not tell which names exist.
                guard let user = document.users.first(where: { $0.name == name }) else { return .needsHash }
                guard let cached = verified[name], cached.version == versions[name, default: 0],
                      ConstantTime.equal(cached.digest, digest) else { return .needsHash }
                return .user(AuthenticatedUser(name: user.name, admin: user.admin, grants: user.grants))
            }
        }
    }

    private func authenticate(token: String) -> AuthenticatedUser? {
        guard let (id, secret) = BearerToken.split(token) else { return nil }
        let digest = BearerToken.digest(secret)
        return lock.withLock {
            guard let record = document.tokens.first(where: { $0.id == id }),
                  ConstantTime.equal(Array(record.digest.utf8), Array(digest.utf8)),
                  let user = document.users.first(where: { $0.name == record.user }) else { return nil }
            return AuthenticatedUser(name: user.name, admin: user.admin, grants: user.grants)
        }
    }

    private func hmac(_ password: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: cacheKey))
    }

    // MARK: Changes

    /// Runs `change` on a copy of the document, writes it, and keeps it only if the write
    /// succeeded. Called with the lock held.
    func commit(_ change: (inout UsersDocument) throws -> Void) throws {
        var copy = document
        try change(&copy)
        if let directory {
            try Self.file.store(copy, directory: directory, name: Self.fileName)
        }
        document = copy
    }

    /// Forgets the verified password of `name` (its password changed or it was dropped).
    /// Called with the lock held.
    func forget(_ name: String) {
        verified[name] = nil
        versions[name] = nextVersion
        nextVersion += 1
    }

    /// Runs `body` with the lock held.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock(body)
    }

    /// A password hash at this store's round count (slow; call it outside the lock).
    func hash(_ password: String) throws -> PasswordHash {
        try PasswordHash.make(password, rounds: rounds)
    }
}

extension UserStore {
    /// The user named `name` (call with the lock held).
    func record(of name: String) -> UsersDocument.User? {
        document.users.first { $0.name == name }
    }
}

public import ChargelineCore
public import ChargelineQuery

/// The user, grant and token statements (`UserAdministration`), each written to `USERS`
/// before it is answered. Messages follow InfluxDB 1.x's where it has one ("user not found",
/// "user already exists").
extension UserStore: UserAdministration {
    /// 255 bytes, as a database name.
    static let maxNameBytes = 255

    public func createUser(_ name: String, password: String, admin: Bool) throws {
        try Self.check(name: name)
        guard !password.isEmpty else { throw AuthError("the password of \(name) is empty; give one with WITH PASSWORD '...'") }
        // InfluxDB: the same statement again is not an error; another password or admin flag is.
        // The hashes run outside the lock, which every request's credential check takes.
        if let existing = locked({ record(of: name) }) {
            if existing.admin == admin && existing.password.verify(password) { return }
            throw AuthError("user already exists: \(name); use SET PASSWORD FOR or GRANT to change it")
        }
        let hash = try hash(password)
        try locked {
            if record(of: name) != nil {
                throw AuthError("user already exists: \(name); use SET PASSWORD FOR or GRANT to change it")
            }
            try commit { $0.users.append(UsersDocument.User(name: name, admin: admin, password: hash, grants: [:])) }
            forget(name)
        }
    }

    public func dropUser(_ name: String) throws {
        try locked {
            guard record(of: name) != nil else { throw notFound(name) }
            try commit { doc in
                doc.users.removeAll { $0.name == name }
                doc.tokens.removeAll { $0.user == name }
            }
            forget(name)
        }
    }

    public func setPassword(_ name: String, password: String) throws {
        guard !password.isEmpty else { throw AuthError("the new password of \(name) is empty") }
        guard locked({ record(of: name) != nil }) else { throw notFound(name) }
        let hash = try hash(password)
        try locked {
            try update(name) { $0.password = hash }
            forget(name)
        }
    }

    public func grant(_ privilege: Privilege, database: String?, to user: String) throws {
        if let database, let problem = DatabaseNameRule.problem(with: database) { throw AuthError(problem) }
        try locked {
            try update(user) { u in
                if let database {
                    u.grants[database] = u.grants[database].map { $0.adding(privilege) } ?? privilege
                } else {
                    u.admin = true
                }
            }
        }
    }

    public func revoke(_ privilege: Privilege, database: String?, from user: String) throws {
        try locked {
            try update(user) { u in
                if let database {
                    u.grants[database] = u.grants[database].flatMap { $0.removing(privilege) }
                } else {
                    u.admin = false
                }
            }
        }
    }

    public func users() -> [(name: String, admin: Bool)] {
        locked { document.users.map { ($0.name, $0.admin) }.sorted { $0.0 < $1.0 } }
    }

    public func grants(of user: String) throws -> [(database: String, privilege: Privilege)] {
        try locked {
            guard let u = record(of: user) else { throw notFound(user) }
            return u.grants.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }
        }
    }

    public func createToken(for user: String) throws -> (id: String, token: String) {
        try locked {
            guard record(of: user) != nil else { throw notFound(user) }
            let made = BearerToken.make()
            try commit { $0.tokens.append(UsersDocument.Token(id: made.id, user: user, digest: made.digest)) }
            return (made.id, made.token)
        }
    }

    public func tokens() -> [(id: String, user: String)] {
        locked { document.tokens.map { ($0.id, $0.user) }.sorted { $0.0 < $1.0 } }
    }

    public func dropToken(_ id: String) throws {
        try locked {
            guard document.tokens.contains(where: { $0.id == id }) else {
                throw AuthError("token not found: \(id) (SHOW TOKENS lists them)")
            }
            try commit { $0.tokens.removeAll { $0.id == id } }
        }
    }

    // MARK: Helpers (called with the lock held)

    private func update(_ name: String, _ change: (inout UsersDocument.User) -> Void) throws {
        guard record(of: name) != nil else { throw notFound(name) }
        try commit { doc in
            if let i = doc.users.firstIndex(where: { $0.name == name }) { change(&doc.users[i]) }
        }
    }

    private func notFound(_ name: String) -> AuthError {
        AuthError("user not found: \(name) (SHOW USERS lists them)")
    }

    static func check(name: String) throws {
        if name.isEmpty { throw AuthError("a user name cannot be empty") }
        if name.utf8.count > maxNameBytes { throw AuthError("user name is \(name.utf8.count) bytes long; the limit is \(maxNameBytes)") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) || $0 == ":" }) {
            throw AuthError("user name \(name.debugDescription) contains a control character or ':'; use letters, digits, '_' or '-'")
        }
    }
}

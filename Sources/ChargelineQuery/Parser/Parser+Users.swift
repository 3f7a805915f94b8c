import ChargelineCore

/// User and privilege statements, as InfluxDB 1.x writes them, plus Chargeline's bearer tokens:
///
/// ```
/// CREATE USER name WITH PASSWORD 'p' [WITH ALL PRIVILEGES]
/// DROP USER name
/// SET PASSWORD FOR name = 'p'
/// GRANT (READ | WRITE | ALL [PRIVILEGES]) ON db TO name    GRANT ALL [PRIVILEGES] TO name
/// REVOKE (READ | WRITE | ALL [PRIVILEGES]) ON db FROM name REVOKE ALL [PRIVILEGES] FROM name
/// SHOW USERS    SHOW GRANTS FOR name
/// CREATE TOKEN FOR name    SHOW TOKENS    DROP TOKEN 'id'
/// ```
extension Parser {
    /// After CREATE USER.
    mutating func createUser() throws -> Statement {
        let name = try identifier("a user name after CREATE USER")
        try expect("WITH", "PASSWORD '...' after the user name")
        try expect("PASSWORD", "after WITH")
        let password = try stringLiteral("the password as a 'single-quoted' string after WITH PASSWORD")
        var admin = false
        if try accept("WITH") {
            try expect("ALL", "PRIVILEGES after WITH")
            try expect("PRIVILEGES", "after WITH ALL")
            admin = true
        }
        return .createUser(name: name, password: password, admin: admin)
    }

    /// After CREATE TOKEN.
    mutating func createToken() throws -> Statement {
        try expect("FOR", "and a user name after CREATE TOKEN")
        return .createToken(user: try identifier("a user name after CREATE TOKEN FOR"))
    }

    /// After SET.
    mutating func setPassword() throws -> Statement {
        try expect("PASSWORD", "after SET (SET PASSWORD FOR name = '...')")
        try expect("FOR", "after SET PASSWORD")
        let name = try identifier("a user name after SET PASSWORD FOR")
        try expectSymbol("=", "after the user name")
        return .setPassword(user: name, password: try stringLiteral("the password as a 'single-quoted' string"))
    }

    /// After GRANT (`revoke` false) or REVOKE (true).
    mutating func grantOrRevoke(revoke: Bool) throws -> Statement {
        let verb = revoke ? "REVOKE" : "GRANT"
        let privilege: Privilege
        if try accept("READ") {
            privilege = .read
        } else if try accept("WRITE") {
            privilege = .write
        } else if try accept("ALL") {
            _ = try accept("PRIVILEGES")
            privilege = .all
        } else {
            throw unexpected("READ, WRITE or ALL PRIVILEGES after \(verb)")
        }
        var database: String?
        if try accept("ON") {
            database = try identifier("a database name after ON")
        } else if privilege != .all {
            throw unexpected("ON and a database after \(verb) \(privilege.rawValue)")
        }
        try expect(revoke ? "FROM" : "TO", "and a user name")
        let user = try identifier("a user name")
        return revoke ? .revoke(privilege, database: database, user: user) : .grant(privilege, database: database, user: user)
    }

    /// A single-quoted string literal.
    mutating func stringLiteral(_ what: String) throws -> String {
        guard case .string(let s) = token.kind else { throw unexpected(what) }
        try advance()
        return s
    }
}

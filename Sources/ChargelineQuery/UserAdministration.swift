public import ChargelineCore

/// Where the engine sends user, privilege and token statements (CREATE USER, GRANT, SHOW
/// USERS, CREATE TOKEN, ...). The server wires its user store here; an engine without one
/// answers those statements with an error saying so.
///
/// Every method is called on the query's thread and may block briefly (a password hash, a file
/// write). Failures throw an error whose description is the message the statement answers.
public protocol UserAdministration: Sendable {
    /// Creates a user; `admin` grants every privilege on every database and the admin statements.
    func createUser(_ name: String, password: String, admin: Bool) throws
    /// Removes a user, its grants and its tokens.
    func dropUser(_ name: String) throws
    /// Replaces a user's password.
    func setPassword(_ name: String, password: String) throws
    /// Adds `privilege` on `database` to `user`; `database` nil: makes the user an admin.
    func grant(_ privilege: Privilege, database: String?, to user: String) throws
    /// Takes `privilege` on `database` from `user`; `database` nil: the admin privilege.
    func revoke(_ privilege: Privilege, database: String?, from user: String) throws
    /// Every user, sorted by name.
    func users() -> [(name: String, admin: Bool)]
    /// `user`'s grants, sorted by database.
    func grants(of user: String) throws -> [(database: String, privilege: Privilege)]
    /// Creates a bearer token authenticating as `user`; the secret is returned only here.
    func createToken(for user: String) throws -> (id: String, token: String)
    /// Every token's id and user (never the secret), sorted by id.
    func tokens() -> [(id: String, user: String)]
    /// Removes the token with this id.
    func dropToken(_ id: String) throws
}

/// What one statement needs from the user who sends it, as InfluxDB 1.x decides it.
public enum RequiredPrivilege: Sendable, Equatable {
    /// Nothing (SHOW DATABASES).
    case none
    /// READ (or ALL) on the database; nil: the request names none, and the statement fails on that anyway.
    case read(String?)
    /// WRITE (or ALL) on the database.
    case write(String?)
    /// The admin privilege.
    case admin
    /// `CREATE USER ... WITH ALL PRIVILEGES`: the admin privilege, or nobody at all while no
    /// admin exists yet (the bootstrap rule).
    case createAdmin
}

extension QueryEngine {
    /// What each statement of `query` needs from the user who sends it, in statement order, with
    /// `database` the request's `db`. Parses only: nothing runs and no engine is needed.
    /// - Throws: `QueryError` when the text does not parse.
    public static func requiredPrivileges(_ query: String, database: String?,
                                          parameters: [String: QueryParameter] = [:]) throws -> [RequiredPrivilege] {
        let statements: [Statement]
        do {
            statements = try Parser.parse(query, parameters: parameters)
        } catch let e as QueryError {
            throw QueryError(e.kind, e.describe(in: query), offset: nil)
        }
        return try statements.flatMap { try requiredPrivileges($0, database: database) }
    }

    static func requiredPrivileges(_ statement: Statement, database: String?) throws -> [RequiredPrivilege] {
        switch statement {
        case .select(let s), .explain(let s, _):
            return try readDatabases(of: s, database: database).map { .read($0) }
        case .showDatabases:
            return [.none]
        case .showRetentionPolicies(let on):
            return [.read(on ?? database)]
        case .showMeasurements(let f), .showTagKeys(let f), .showTagValues(let f, _, _, _), .showFieldKeys(let f),
             .showSeries(let f), .showSilent(let f, _, _):
            return [.read(try f.database ?? QueryEngine.database(namedIn: f.sources) ?? database)]
        case .showCardinality(let inner, _):
            return try requiredPrivileges(inner, database: database)
        case .createUser(_, _, let admin):
            return [admin ? .createAdmin : .admin]
        case .createDatabase, .createRetentionPolicy, .alterRetentionPolicy, .dropRetentionPolicy, .showQueries,
             .showDiagnostics, .showStats, .killQuery, .dropUser, .setPassword, .grant, .revoke, .showUsers, .showGrants,
             .createToken, .showTokens, .dropToken, .dropDatabase, .dropMeasurement, .deleteSeries:
            // Deletes are admin-only (InfluxDB 1.x lets WRITE run DELETE and DROP SERIES):
            // erasing data is an operator's act, not a data source's.
            return [.admin]
        }
    }

    /// Every database a SELECT reads: its FROM's (or the request's), and its subqueries'.
    private static func readDatabases(of s: SelectStatement, database: String?) throws -> [String?] {
        var out: [String?] = [try QueryEngine.database(namedIn: s.sources) ?? database]
        for case .subquery(let inner) in s.sources {
            out += try readDatabases(of: inner, database: try QueryEngine.database(namedIn: s.sources) ?? database)
        }
        var seen = Set<String?>()
        return out.filter { seen.insert($0).inserted }
    }
}

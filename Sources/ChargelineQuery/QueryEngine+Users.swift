import ChargelineCore

/// User, privilege and token statements, handed to the configured `UserAdministration` and
/// answered in InfluxDB 1.x's shapes (`SHOW USERS`: `user`, `admin`; `SHOW GRANTS`:
/// `database`, `privilege`).
extension QueryEngine {
    func runUserStatement(_ statement: Statement) throws -> [ResultSeries] {
        guard let users else {
            throw QueryError(.semantic, "users are not kept by this engine: run the statement against `chargeline serve`")
        }
        switch statement {
        case .createUser(let name, let password, let admin):
            try users.createUser(name, password: password, admin: admin)
        case .dropUser(let name):
            try users.dropUser(name)
        case .setPassword(let name, let password):
            try users.setPassword(name, password: password)
        case .grant(let privilege, let database, let user):
            try users.grant(privilege, database: database, to: user)
        case .revoke(let privilege, let database, let user):
            try users.revoke(privilege, database: database, from: user)
        case .showUsers:
            return [ResultSeries(name: "", columns: ["user", "admin"],
                                 values: users.users().map { [.string($0.name), .boolean($0.admin)] })]
        case .showGrants(let user):
            return [ResultSeries(name: "", columns: ["database", "privilege"],
                                 values: try users.grants(of: user).map { [.string($0.database), .string($0.privilege.rawValue)] })]
        case .createToken(let user):
            let (id, token) = try users.createToken(for: user)
            return [ResultSeries(name: "", columns: ["id", "user", "token"], values: [[.string(id), .string(user), .string(token)]])]
        case .showTokens:
            return [ResultSeries(name: "", columns: ["id", "user"], values: users.tokens().map { [.string($0.id), .string($0.user)] })]
        case .dropToken(let id):
            try users.dropToken(id)
        default:
            preconditionFailure("BUG: \(statement) is not a user statement")
        }
        return []
    }
}

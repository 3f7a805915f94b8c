public import ChargelineCore

/// Who sent a request, with the privileges the user held when it was authenticated.
public struct AuthenticatedUser: Sendable, Equatable {
    /// The user name (a token authenticates as its user).
    public let name: String
    /// Every privilege on every database, and the admin statements.
    public let admin: Bool
    /// Per-database grants.
    public let grants: [String: Privilege]

    /// A user.
    public init(name: String, admin: Bool, grants: [String: Privilege] = [:]) {
        self.name = name
        self.admin = admin
        self.grants = grants
    }

    /// Whether the user may do what `privilege` allows on `database`.
    public func may(_ privilege: Privilege, on database: String) -> Bool {
        admin || (grants[database]?.covers(privilege) ?? false)
    }
}

/// What a user may do on one database, as InfluxDB 1.x grants it (`GRANT READ|WRITE|ALL ON db TO user`).
public enum Privilege: String, Sendable, Codable, Hashable, CaseIterable {
    case read = "READ"
    case write = "WRITE"
    case all = "ALL PRIVILEGES"

    /// Whether holding `self` allows what `needed` allows (`ALL` covers both).
    public func covers(_ needed: Privilege) -> Bool {
        self == .all || self == needed
    }

    /// `self` with `other` added (READ + WRITE = ALL).
    public func adding(_ other: Privilege) -> Privilege {
        self == other ? self : .all
    }

    /// `self` with `other` taken away; nil when nothing is left.
    public func removing(_ other: Privilege) -> Privilege? {
        switch (self, other) {
        case (_, .all): nil
        case (.all, .read): .write
        case (.all, .write): .read
        case (let a, let b): a == b ? nil : a
        }
    }
}

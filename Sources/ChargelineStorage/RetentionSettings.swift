import Foundation

/// Retention a database's InfluxQL DDL set (`CREATE DATABASE ... WITH DURATION`,
/// `CREATE/ALTER RETENTION POLICY`), overriding the configuration's `[retention]` for that
/// database. Persisted in the database folder as `RETENTION` (docs/format.md).
public struct RetentionSettings: Codable, Sendable, Equatable {
    /// Raw data retention (ns; 0 keeps it forever); nil: as configured.
    public var raw: Int64?
    /// Rollup rows' retention (ns; 0 keeps them forever); nil: as configured.
    public var rollup: Int64?

    public init(raw: Int64? = nil, rollup: Int64? = nil) {
        self.raw = raw
        self.rollup = rollup
    }

    /// `policy` with these settings applied (per-measurement raw overrides of the
    /// configuration still win for their measurements).
    public func applied(to policy: RetentionPolicy) -> RetentionPolicy {
        var p = policy
        if let raw { p.raw = raw == 0 ? nil : raw }
        if let rollup { p.rollup = rollup == 0 ? nil : rollup }
        return p
    }

    package static let fileName = "RETENTION"
    private static let file = ChecksummedJSONFile(magic: Array("CLRT".utf8), version: 1, what: "retention settings")

    package static func load(directory: String) throws -> RetentionSettings? {
        try file.load(RetentionSettings.self, directory: directory, name: fileName)
    }

    package func store(directory: String) throws {
        try RetentionSettings.file.store(self, directory: directory, name: RetentionSettings.fileName)
    }
}

/// The retention settings of each database, read from its folder on first use.
final class RetentionSettingsCache: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: [String: RetentionSettings?] = [:]

    /// The settings of the database in `directory` (nil when it has none).
    func settings(database: String, directory: String) throws -> RetentionSettings? {
        lock.lock()
        defer { lock.unlock() }
        if let s = loaded[database] { return s }
        let s = try RetentionSettings.load(directory: directory)
        loaded[database] = s
        return s
    }

    /// Forgets what was read for `database` (dropped).
    func forget(_ database: String) {
        lock.lock()
        defer { lock.unlock() }
        loaded[database] = nil
    }

    /// Persists `settings` for the database in `directory`, then serves them.
    func store(_ settings: RetentionSettings, database: String, directory: String) throws {
        lock.lock()
        defer { lock.unlock() }
        try settings.store(directory: directory)
        loaded[database] = settings
    }
}

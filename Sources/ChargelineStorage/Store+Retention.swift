import ChargelineCore

extension Store {
    /// The retention `database` runs under: the configuration's `[retention]` policy with what
    /// InfluxQL DDL persisted for the database (`RETENTION`) applied.
    /// - Throws: `ChargelineError` when the database's `RETENTION` file is damaged.
    public func retentionPolicy(for database: String) throws -> RetentionPolicy {
        let configured = options.retention.policy(for: database)
        guard hasDatabase(database),
              let settings = try retentionSettings.settings(database: database, directory: directory + "/" + database) else {
            return configured
        }
        return settings.applied(to: configured)
    }

    /// Sets (and persists, atomically) a database's raw and/or rollup retention; nil leaves a
    /// tier as it is, 0 keeps its data forever. Applied from the next retention run.
    /// - Throws: `ChargelineError` when the database does not exist, the store is read-only,
    ///   or the file cannot be written.
    public func setRetention(database: String, raw: Int64?, rollup: Int64?) throws {
        guard hasDatabase(database) else {
            throw ChargelineError(.notFound, databaseNotFoundMessage(database))
        }
        guard !readOnly else {
            throw ChargelineError(.closed, "the store is open read-only; cannot change the retention of \(database)")
        }
        let folder = directory + "/" + database
        var settings = try retentionSettings.settings(database: database, directory: folder) ?? RetentionSettings()
        if let raw { settings.raw = raw }
        if let rollup { settings.rollup = rollup }
        try retentionSettings.store(settings, database: database, directory: folder)
    }
}

extension Parser {
    /// After CREATE: `DATABASE db [WITH [DURATION d] [REPLICATION n] [SHARD DURATION d]
    /// [NAME rp]]` or `RETENTION POLICY rp ON db DURATION d REPLICATION n [SHARD DURATION d]
    /// [DEFAULT]`.
    mutating func create() throws -> Statement {
        if try accept("USER") { return try createUser() }
        if try accept("TOKEN") { return try createToken() }
        if try accept("DATABASE") {
            let name = try identifier("a database name after CREATE DATABASE")
            var spec: RetentionPolicySpec?
            if try accept("WITH") {
                let at = token.offset
                let s = try retentionOptions(allowName: true, allowDefault: false)
                guard s.duration != nil || s.replication != nil || s.shardDuration != nil || s.name != nil else {
                    throw QueryError(.syntax, "expected DURATION, REPLICATION, SHARD DURATION or NAME after WITH", offset: at)
                }
                spec = s
            }
            return .createDatabase(name, policy: spec)
        }
        if try accept("RETENTION") {
            try expect("POLICY", "after CREATE RETENTION")
            let (name, db, at) = try policyTarget("CREATE RETENTION POLICY")
            let spec = try retentionOptions(allowName: false, allowDefault: true)
            guard spec.duration != nil else { throw QueryError(.syntax, "expected DURATION in CREATE RETENTION POLICY, e.g. DURATION 30d REPLICATION 1", offset: token.offset) }
            return .createRetentionPolicy(name: name, database: db, spec, offset: at)
        }
        throw unexpected("DATABASE, RETENTION POLICY, USER or TOKEN after CREATE")
    }

    /// After ALTER: `RETENTION POLICY rp ON db [DURATION d] [REPLICATION n] [SHARD DURATION d]
    /// [DEFAULT]`.
    mutating func alter() throws -> Statement {
        try expect("RETENTION", "after ALTER (ALTER RETENTION POLICY rp ON db DURATION d)")
        try expect("POLICY", "after ALTER RETENTION")
        let (name, db, at) = try policyTarget("ALTER RETENTION POLICY")
        let spec = try retentionOptions(allowName: false, allowDefault: true)
        guard spec.duration != nil || spec.replication != nil || spec.shardDuration != nil || spec.makeDefault else {
            throw unexpected("DURATION, REPLICATION, SHARD DURATION or DEFAULT")
        }
        return .alterRetentionPolicy(name: name, database: db, spec, offset: at)
    }

    /// After DROP: `RETENTION POLICY rp ON db`, `USER name`, `TOKEN 'id'`, `DATABASE db`,
    /// `MEASUREMENT m`, `SERIES [FROM sources] [WHERE tags]` (`at`: the offset of DROP).
    mutating func drop(at: Int) throws -> Statement {
        if try accept("USER") { return .dropUser(try identifier("a user name after DROP USER")) }
        if try accept("TOKEN") { return .dropToken(try stringLiteral("the token id as a 'single-quoted' string after DROP TOKEN")) }
        if try accept("DATABASE") { return .dropDatabase(try identifier("a database name after DROP DATABASE")) }
        if try accept("MEASUREMENT") {
            let offset = token.offset
            return .dropMeasurement(try identifier("a measurement name after DROP MEASUREMENT"), offset: offset)
        }
        if try accept("SERIES") { return try deleteSeries(dropSeries: true, at: at) }
        guard try accept("RETENTION") else {
            throw unexpected("DATABASE, MEASUREMENT, SERIES, RETENTION POLICY, USER or TOKEN after DROP")
        }
        try expect("POLICY", "after DROP RETENTION")
        let (name, db, at) = try policyTarget("DROP RETENTION POLICY")
        return .dropRetentionPolicy(name: name, database: db, offset: at)
    }

    /// After `DROP SERIES` or `DELETE`: `[FROM sources] [WHERE condition]`, one of them at
    /// least (as InfluxDB 1.x requires).
    mutating func deleteSeries(dropSeries: Bool, at: Int) throws -> Statement {
        var sources: [Source] = []
        var condition: Expr?
        if try accept("FROM") { sources = try self.sources() }
        if try accept("WHERE") { condition = try expression() }
        if sources.isEmpty && condition == nil {
            throw QueryError(.syntax, "\(dropSeries ? "DROP SERIES" : "DELETE") needs a FROM or a WHERE clause (DROP DATABASE removes everything)", offset: at)
        }
        if sources.contains(where: { if case .subquery = $0 { true } else { false } }) {
            throw QueryError(.syntax, "\(dropSeries ? "DROP SERIES" : "DELETE") reads no subquery: name measurements in FROM", offset: at)
        }
        return .deleteSeries(sources: sources, condition: condition, dropSeries: dropSeries, offset: at)
    }

    /// `rp ON db`, with the offset of `rp`.
    private mutating func policyTarget(_ statement: String) throws -> (String, String, Int) {
        let at = token.offset
        let name = try identifier("a retention policy name after \(statement)")
        try expect("ON", "and a database after the retention policy name")
        let db = try identifier("a database name after ON")
        return (name, db, at)
    }

    /// DURATION, REPLICATION, SHARD DURATION, NAME and DEFAULT, in any order.
    private mutating func retentionOptions(allowName: Bool, allowDefault: Bool) throws -> RetentionPolicySpec {
        var s = RetentionPolicySpec()
        while true {
            if try accept("DURATION") {
                s.duration = try retentionDuration("a duration after DURATION, e.g. 30d or INF")
            } else if try accept("REPLICATION") {
                let at = token.offset
                s.replication = try integer("a replication factor after REPLICATION")
                if s.replication! < 1 { throw QueryError(.syntax, "REPLICATION must be at least 1", offset: at) }
            } else if try accept("SHARD") {
                try expect("DURATION", "after SHARD")
                s.shardDuration = try retentionDuration("a duration after SHARD DURATION, e.g. 1d")
            } else if allowName, try accept("NAME") {
                s.name = try identifier("a retention policy name after NAME")
            } else if allowDefault, try accept("DEFAULT") {
                s.makeDefault = true
            } else {
                return s
            }
        }
    }

    /// A positive duration, or INF (0: forever), as InfluxDB reads retention durations.
    private mutating func retentionDuration(_ what: String) throws -> Int64 {
        if try accept("INF") { return 0 }
        let at = token.offset
        let d = try duration(what)
        guard d >= 0 else { throw QueryError(.syntax, "a retention duration cannot be negative", offset: at) }
        return d
    }
}

import ChargelineCore

/// One parsed statement (names unresolved).
enum Statement: Sendable {
    case select(SelectStatement)
    case showDatabases
    /// `CREATE DATABASE db [WITH ...]`.
    case createDatabase(String, policy: RetentionPolicySpec?)
    /// `CREATE RETENTION POLICY rp ON db ...` (`offset`: of `rp`).
    case createRetentionPolicy(name: String, database: String, RetentionPolicySpec, offset: Int)
    /// `ALTER RETENTION POLICY rp ON db ...`.
    case alterRetentionPolicy(name: String, database: String, RetentionPolicySpec, offset: Int)
    /// `DROP RETENTION POLICY rp ON db`.
    case dropRetentionPolicy(name: String, database: String, offset: Int)
    case showRetentionPolicies(database: String?)
    case showMeasurements(ShowFilter)
    case showTagKeys(ShowFilter)
    /// `SHOW TAG VALUES [FROM ...] WITH KEY (= | != | =~ | !~ | IN) ...`.
    case showTagValues(ShowFilter, keyOp: String, keys: [String], keyRegex: String?)
    case showFieldKeys(ShowFilter)
    case showSeries(ShowFilter)
    /// `SHOW SILENT SERIES [FROM ...] [WHERE tags] FOR <d> [GROUP BY tags]` (Chargeline).
    case showSilent(ShowFilter, threshold: Int64, groupBy: [String])
    /// `SHOW SERIES|MEASUREMENT|TAG KEY|TAG VALUES|FIELD KEY [EXACT] CARDINALITY ...`: the
    /// number of what the SHOW statement inside lists (counted exactly either way).
    indirect case showCardinality(Statement, exact: Bool)
    /// `EXPLAIN [ANALYZE] SELECT ...`.
    case explain(SelectStatement, analyze: Bool)
    /// `SHOW QUERIES`.
    case showQueries
    /// `SHOW DIAGNOSTICS`.
    case showDiagnostics
    /// `SHOW STATS [FOR 'module']`.
    case showStats(module: String?)
    /// `KILL QUERY qid` (`offset`: of qid).
    case killQuery(UInt64, offset: Int)
    /// `CREATE USER name WITH PASSWORD 'p' [WITH ALL PRIVILEGES]`.
    case createUser(name: String, password: String, admin: Bool)
    /// `DROP USER name`.
    case dropUser(String)
    /// `SET PASSWORD FOR name = 'p'`.
    case setPassword(user: String, password: String)
    /// `GRANT READ|WRITE|ALL ON db TO user`, or `GRANT ALL PRIVILEGES TO user` (database nil:
    /// the admin privilege).
    case grant(Privilege, database: String?, user: String)
    /// `REVOKE READ|WRITE|ALL ON db FROM user`, or `REVOKE ALL PRIVILEGES FROM user` (database
    /// nil: the admin privilege).
    case revoke(Privilege, database: String?, user: String)
    /// `SHOW USERS`.
    case showUsers
    /// `SHOW GRANTS FOR user`.
    case showGrants(user: String)
    /// `CREATE TOKEN FOR user` (Chargeline): a bearer token that authenticates as `user`.
    case createToken(user: String)
    /// `SHOW TOKENS` (Chargeline): token ids and their users, never the secrets.
    case showTokens
    /// `DROP TOKEN 'id'` (Chargeline).
    case dropToken(String)
    /// `DROP DATABASE db`.
    case dropDatabase(String)
    /// `DROP MEASUREMENT m` (`offset`: of `m`).
    case dropMeasurement(String, offset: Int)
    /// `DROP SERIES [FROM ...] [WHERE tags]` (`dropSeries` true) or `DELETE [FROM ...] [WHERE
    /// tags AND time]`; `offset`: of the statement's first word.
    case deleteSeries(sources: [Source], condition: Expr?, dropSeries: Bool, offset: Int)
}

extension Statement {
    /// Whether the statement's text holds a password, which must not be shown (SHOW QUERIES, logs).
    var carriesPassword: Bool {
        switch self {
        case .createUser, .setPassword: true
        default: false
        }
    }
}

/// The common tail of SHOW statements.
struct ShowFilter: Sendable {
    var database: String?
    var sources: [Source] = []
    var condition: Expr?
    /// `WITH MEASUREMENT =~ /re/` or `= name` (SHOW MEASUREMENTS).
    var measurementName: String?
    var measurementRegex: String?
    var limit = 0
    var offset = 0
}

/// A FROM source. `retentionPolicy` is the `rp` of `"rp"."m"` / `"db"."rp"."m"` (nil when not
/// written): `autogen` is the raw data, the rollup's name (`"1h"`) its rollup rows. `database`
/// is the `db` of `"db"."rp"."m"` or `"db".."m"` (nil: the request's database).
enum Source: Sendable {
    case measurement(String, retentionPolicy: String?, offset: Int, database: String?)
    case regex(String, retentionPolicy: String?, offset: Int, database: String?)
    indirect case subquery(SelectStatement)
}

/// One SELECT item: an expression and its alias.
struct SelectField: Sendable {
    var expr: Expr
    var alias: String?
}

/// How GROUP BY time() fills empty buckets.
enum Fill: Sendable, Equatable {
    case null, none, previous, linear
    case number(Double)
}

/// Chargeline's windows beside GROUP BY time(): consecutive rows grouped by a field's value,
/// or runs where a condition held for at least a duration.
enum WindowSpec: Sendable {
    /// `GROUP BY state(field)`.
    case state(field: String, offset: Int)
    /// `GROUP BY episode(condition, minDuration)`.
    case episode(condition: Expr, minDuration: Int64)
}

/// A SELECT statement as written.
struct SelectStatement: Sendable {
    var fields: [SelectField] = []
    var sources: [Source] = []
    var condition: Expr?
    /// `GROUP BY time(interval, offset)`.
    var interval: Int64?
    var intervalOffset: Int64 = 0
    var groupByTags: [String] = []
    var groupByAll = false
    var groupByRegex: [String] = []
    var window: WindowSpec?
    var fill: Fill = .null
    var having: Expr?
    var descending = false
    var limit = 0
    var offset = 0
    var slimit = 0
    var soffset = 0
    var timezone: String?
    /// Where SELECT begins (for messages about the whole statement).
    var startOffset = 0
}

/// The settings of a retention policy statement; nil where not written.
struct RetentionPolicySpec: Sendable, Equatable {
    /// `NAME rp` of CREATE DATABASE ... WITH.
    var name: String?
    /// ns; 0 for INF (forever).
    var duration: Int64?
    var replication: Int?
    var shardDuration: Int64?
    /// `DEFAULT`.
    var makeDefault = false
}

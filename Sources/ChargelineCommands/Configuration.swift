import ArgumentParser
import ChargelineCore
import ChargelineStorage
import Foundation
import TOMLKit

/// The optional configuration file (`--config chargeline.toml`). Every key is optional; what
/// is absent keeps its default (see docs/operations.md and `chargeline.example.toml`):
///
/// ```toml
/// [storage]
/// fsync = "always"            # always | never | an interval such as "100ms"
/// index_cache_mb = 2048       # parsed segment indexes kept in memory (least recently used dropped)
/// max_open_databases = 256    # databases open at once; the others are closed until next used
/// database_idle_close = "15m" # close a database nobody used for this long ("0s": never)
/// max_series_per_database = 1000000 # new series past this are refused per point (0: no limit)
///
/// [rollup]
/// enabled = true
/// grace = "10m"               # materialise an hour once it is complete plus this delay
/// interval = "1m"             # how often serve runs the scheduler
/// counters = ["energy"]       # counter fields: also keep increase() with reset handling
///
/// [retention]                 # defaults for every database; absent = keep forever
/// raw = "7d"
/// rollup = "365d"
/// interval = "1h"
///
/// [retention.databases.telemetry]
/// raw = "14d"
/// [retention.databases.telemetry.measurements]
/// debug = "1d"
///
/// [report]                    # scheduled daily reports in serve (off without folder)
/// folder = "/var/lib/chargeline/reports"
/// formats = ["csv"]           # csv, json, html
/// time_zone = "Asia/Shanghai" # default: the machine's
/// level = "gun"               # gun, pile or station
/// database = "chargeline"
/// max_gap = "5m"
/// interval = "1m"             # how often serve checks for closed days and late data
///
/// [backup]                    # S3 targets of backup/restore; the AWS_* variables win
/// endpoint = "http://127.0.0.1:8333"   # AWS_ENDPOINT_URL
/// region = "us-east-1"                 # AWS_REGION
/// access_key_id = "..."                # AWS_ACCESS_KEY_ID
/// secret_access_key = "..."            # AWS_SECRET_ACCESS_KEY
///
/// [http]                      # serve's HTTP API (flags override)
/// max_connection_limit = 7500 # default: from the open-file limit, half kept for storage
/// header_timeout = "10s"      # a request head must be complete this long after its first byte
/// body_timeout = "30s"        # a body pausing this long closes the connection
/// idle_timeout = "2m"         # a keep-alive connection without a request this long is closed
/// auth_enabled = false        # users and privileges as InfluxDB 1.x (serve --auth-enabled)
/// auto_create = true          # a write creates its database; false: 404 database not found
/// max_databases = 100         # most databases writes may create (absent: no limit)
/// max_values_per_point = 1000 # fields per line-protocol point, HTTP and TCP (0: 65,535)
///
/// [query]                     # per-request query budget (flags override; 0: no limit)
/// max_values = 10000000    # values (rows x columns) all statements of a request may produce
/// max_select_buckets = 1000000 # GROUP BY time() buckets per series
/// max_select_series = 0       # series one SELECT may read
/// max_statements = 100        # statements per request
/// max_response_bytes = 268435456 # bytes of one /query answer
///
/// [line_protocol]             # serve's line-protocol TCP listener
/// max_connection_limit = 2500 # default: from the open-file limit
///
/// [tls]                       # TLS on the listeners (flags override); off without certificate
/// certificate = "/etc/chargeline/tls.crt"   # --tls-cert; InfluxDB's https-certificate
/// private_key = "/etc/chargeline/tls.key"   # --tls-key; InfluxDB's https-private-key
/// listeners = ["http", "line_protocol", "ocpp"]  # --tls-listeners; add "ykc" for piles that can
/// ```
struct Configuration {
    var options = StorageOptions.chargeline()
    var report = ReportSection()
    /// The `[backup]` section as the environment variables it stands in for
    /// (`AWS_ENDPOINT_URL`, ...): used where the environment has no value.
    var backup: [String: String] = [:]
    var http = HTTPSection()
    /// The `[query]` section: key -> value (`queryKeys`).
    var query: [String: Int] = [:]
    /// The keys of `[query]`, each a whole number, 0 for no limit.
    static let queryKeys = ["max_values", "max_select_buckets", "max_select_series", "max_statements", "max_response_bytes"]
    /// `[line_protocol] max_connection_limit`.
    var lineProtocolMaxConnections: Int?
    var tls = TLSSection()

    /// The `[tls]` section (every key optional).
    struct TLSSection {
        var certificate: String?
        var privateKey: String?
        var listeners: [String]?
    }

    /// The `[http]` section (every key optional; durations in nanoseconds).
    struct HTTPSection {
        var maxConnections: Int?
        var headerTimeout: Int64?
        var bodyTimeout: Int64?
        var idleTimeout: Int64?
        var authEnabled: Bool?
        var autoCreate: Bool?
        var maxDatabases: Int?
        var maxValuesPerPoint: Int?
    }

    /// The `[report]` section (every key optional).
    struct ReportSection {
        var folder: String?
        var formats: [String]?
        var timeZone: String?
        var level: String?
        var database: String?
        var maxGap: String?
        var interval: Int64?
    }

    /// Reads `path`; errors name the key and what is accepted.
    static func load(_ path: String) throws -> Configuration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ChargelineError(.notFound, "cannot read the configuration file \(path): \(error.localizedDescription)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ChargelineError(.badInput, "\(path):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        } catch {
            throw ChargelineError(.badInput, "\(path): \(error)")
        }
        var c = Configuration()
        try c.apply(table, path: path, text: text)
        return c
    }

    private mutating func apply(_ t: TOMLTable, path: String, text: String) throws {
        func fail(_ key: String, _ what: String) -> ChargelineError {
            let at = ConfigurationKeyLocator.line(of: key, in: text).map { ":\($0)" } ?? ""
            return ChargelineError(.badInput, "\(path)\(at): \(key): \(what)")
        }
        /// Rejects keys of `table` (at dotted `prefix`) not in `known`: a misspelt key would
        /// otherwise be ignored and its default used without a word.
        func onlyKnown(_ table: TOMLTable, _ prefix: String, _ known: [String]) throws {
            for k in table.keys.sorted() where !known.contains(k) {
                throw fail("\(prefix).\(k)", "unknown key (known: \(known.joined(separator: ", ")))")
            }
        }
        func duration(_ v: (any TOMLValueConvertible)?, _ key: String) throws -> Int64? {
            guard let v else { return nil }
            guard let s = v.string else { throw fail(key, "expected a duration string such as \"7d\" or \"10m\"") }
            if s.isEmpty || s == "inf" || s == "forever" { return nil }
            do { return try TimeParser.duration(s) } catch { throw fail(key, "\(error)") }
        }
        let known = ["storage", "rollup", "retention", "report", "backup", "http", "line_protocol", "query", "tls"]
        for key in t.keys.sorted() where !known.contains(key) { throw fail(key, "unknown section (known: \(known.joined(separator: ", ")))") }

        if let b = t["backup"]?.table {
            let variables = ["endpoint": "AWS_ENDPOINT_URL", "region": "AWS_REGION",
                             "access_key_id": "AWS_ACCESS_KEY_ID", "secret_access_key": "AWS_SECRET_ACCESS_KEY"]
            for key in b.keys {
                guard let variable = variables[key] else {
                    throw fail("backup.\(key)", "unknown key (known: \(variables.keys.sorted().joined(separator: ", ")))")
                }
                guard let value = b[key]?.string else { throw fail("backup.\(key)", "expected a string") }
                backup[variable] = value
            }
        }
        if let s = t["storage"]?.table {
            try onlyKnown(s, "storage", ["fsync", "index_cache_mb", "max_open_databases", "database_idle_close", "max_series_per_database"])
            if let f = s["fsync"] {
                guard let text = f.string, let p = FsyncPolicy(parsing: text) else { throw fail("storage.fsync", "always, never or an interval such as \"100ms\"") }
                options.fsync = p
            }
            if let c = s["index_cache_mb"] {
                guard let mb = c.int, mb >= 0 else { throw fail("storage.index_cache_mb", "a whole number of MiB, e.g. 2048") }
                options.indexCacheBytes = mb << 20
            }
            if let c = s["max_open_databases"] {
                guard let n = c.int, n > 0 else { throw fail("storage.max_open_databases", "a positive whole number, e.g. 256") }
                options.maxOpenDatabases = n
            }
            if let v = s["max_series_per_database"] {
                guard let n = v.int, n >= 0 else { throw fail("storage.max_series_per_database", "a whole number, 0 for no limit") }
                options.maxSeriesPerDatabase = n
            }
            if let v = s["database_idle_close"] {
                guard let text = v.string, let ns = try? TimeParser.duration(text), ns >= 0 else {
                    throw fail("storage.database_idle_close", "a duration such as \"5m\" (\"0s\": never close idle databases)")
                }
                options.databaseIdleClose = ns
            }
        }
        func positive(_ v: (any TOMLValueConvertible)?, _ key: String) throws -> Int? {
            guard let v else { return nil }
            guard let n = v.int, n > 0 else { throw fail(key, "a positive whole number") }
            return n
        }
        if let h = t["http"]?.table {
            try onlyKnown(h, "http", ["max_connection_limit", "header_timeout", "body_timeout", "idle_timeout", "auth_enabled", "auto_create", "max_databases", "max_values_per_point"])
            if let a = h["auto_create"] {
                guard let b = a.bool else { throw fail("http.auto_create", "true or false") }
                http.autoCreate = b
            }
            http.maxDatabases = try positive(h["max_databases"], "http.max_databases")
            if let v = h["max_values_per_point"] {
                guard let n = v.int, n >= 0 else { throw fail("http.max_values_per_point", "a whole number, 0 for the parser's bound (65,535)") }
                http.maxValuesPerPoint = n
            }
            if let a = h["auth_enabled"] {
                guard let b = a.bool else { throw fail("http.auth_enabled", "true or false") }
                http.authEnabled = b
            }
            http.maxConnections = try positive(h["max_connection_limit"], "http.max_connection_limit")
            // "0s" turns a timeout off.
            http.headerTimeout = try duration(h["header_timeout"], "http.header_timeout")
            http.bodyTimeout = try duration(h["body_timeout"], "http.body_timeout")
            http.idleTimeout = try duration(h["idle_timeout"], "http.idle_timeout")
        }
        if let q = t["query"]?.table {
            try onlyKnown(q, "query", Self.queryKeys)
            for key in Self.queryKeys {
                guard let v = q[key] else { continue }
                guard let n = v.int, n >= 0 else { throw fail("query.\(key)", "a whole number, 0 for no limit") }
                query[key] = n
            }
        }
        if let section = t["tls"]?.table {
            try onlyKnown(section, "tls", ["certificate", "private_key", "listeners"])
            for (key, path) in [("certificate", \TLSSection.certificate), ("private_key", \TLSSection.privateKey)] {
                guard let v = section[key] else { continue }
                guard let text = v.string, !text.isEmpty else { throw fail("tls.\(key)", "a file path (PEM)") }
                tls[keyPath: path] = text
            }
            if let v = section["listeners"] {
                guard let a = v.array, a.allSatisfy({ $0.string != nil }) else {
                    throw fail("tls.listeners", "an array such as [\"http\", \"line_protocol\", \"ocpp\"]")
                }
                tls.listeners = a.compactMap { $0.string }
            }
        }
        if let l = t["line_protocol"]?.table {
            try onlyKnown(l, "line_protocol", ["max_connection_limit"])
            lineProtocolMaxConnections = try positive(l["max_connection_limit"], "line_protocol.max_connection_limit")
        }
        if let r = t["rollup"]?.table {
            try onlyKnown(r, "rollup", ["enabled", "grace", "interval", "counters"])
            if let e = r["enabled"] {
                guard let b = e.bool else { throw fail("rollup.enabled", "true or false") }
                options.rollup.enabled = b
            }
            if let g = try duration(r["grace"], "rollup.grace") { options.rollup.grace = g }
            if let i = try duration(r["interval"], "rollup.interval") { options.rollup.interval = i }
            if let c = r["counters"] {
                guard let a = c.array else { throw fail("rollup.counters", "an array of field names") }
                options.rollup.counters = Set(a.compactMap { $0.string })
            }
        }
        if let r = t["report"]?.table {
            try onlyKnown(r, "report", ["folder", "formats", "time_zone", "level", "database", "max_gap", "interval"])
            func text(_ k: String) throws -> String? {
                guard let v = r[k] else { return nil }
                guard let s = v.string else { throw fail("report.\(k)", "expected a string") }
                return s
            }
            report.folder = try text("folder")
            report.timeZone = try text("time_zone")
            report.level = try text("level")
            report.database = try text("database")
            report.maxGap = try text("max_gap")
            if let f = r["formats"] {
                guard let a = f.array else { throw fail("report.formats", "an array such as [\"csv\", \"html\"]") }
                report.formats = a.compactMap { $0.string }
            }
            report.interval = try duration(r["interval"], "report.interval")
        }
        if let r = t["retention"]?.table {
            try onlyKnown(r, "retention", ["raw", "rollup", "interval", "measurements", "databases"])
            func policy(_ table: TOMLTable, _ prefix: String) throws -> RetentionPolicy {
                var p = RetentionPolicy()
                p.raw = try duration(table["raw"], prefix + ".raw")
                p.rollup = try duration(table["rollup"], prefix + ".rollup")
                if let m = table["measurements"]?.table {
                    for k in m.keys {
                        if let d = try duration(m[k], "\(prefix).measurements.\(k)") { p.measurements[k] = d }
                    }
                }
                return p
            }
            options.retention.defaultPolicy = try policy(r, "retention")
            if let i = try duration(r["interval"], "retention.interval") { options.retention.interval = i }
            if let dbs = r["databases"]?.table {
                for name in dbs.keys {
                    guard let dt = dbs[name]?.table else { throw fail("retention.databases.\(name)", "expected a table") }
                    try onlyKnown(dt, "retention.databases.\(name)", ["raw", "rollup", "measurements"])
                    var p = try policy(dt, "retention.databases.\(name)")
                    if dt["raw"] == nil { p.raw = options.retention.defaultPolicy.raw }
                    if dt["rollup"] == nil { p.rollup = options.retention.defaultPolicy.rollup }
                    options.retention.databases[name] = p
                }
            }
        }
    }
}

import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import Logging

/// What every HTTP connection's handler shares: the sink, the query handler, limits, counters.
struct HTTPAPI: Sendable {
    /// Sent as `X-Influxdb-Version` and by `/ping?verbose=true`. Clients check the major version
    /// to pick the 1.x API, so it stays `1.8.x` with a suffix saying what we are.
    static let version = "1.8.10-chargeline"

    let sink: any IngestSink
    let queryHandler: any QueryHandler
    /// Answers `/report/...`; nil: 404.
    let reportHandler: (any ReportHandler)?
    /// Answers `POST /api/v1/snapshot`; nil: 404.
    var snapshotHandler: (any SnapshotHandler)? = nil
    /// Answers `GET /api/v1/rules` and `/api/v1/alerts`; nil or empty: 404.
    var rules: RulesEndpoint? = nil
    let stats: StatsRecorder
    let maxBodySize: Int
    let logger: Logger
    /// Which gateway each YKC pile last logged in on (`POST /ykc/sessions`).
    let ykcSessions: YKCSessionDirectory
    /// Connected OCPP charge points (`POST /ocpp/trigger`), once the OCPP front-end runs.
    var chargePoints = ChargePointControlSlot()
    /// Whether storage is open (`/ready`; writes, queries and reports answer 503 until it is);
    /// nil: always ready.
    var readiness: DeferredBackend? = nil
    /// Most pile codes one `/ykc/sessions` call may claim (`ServerConfiguration.maxYKCClaimsPerCall`).
    var maxYKCClaims = 100_000
    /// Most fields per line-protocol point (`ServerConfiguration.maxValuesPerPoint`).
    var maxValuesPerPoint = LineProtocolParser.defaultMaxValuesPerPoint
    /// Bytes of a `/write` body parsed per piece handed to the sink (`ServerConfiguration.writePieceBytes`).
    var writePieceBytes = 256 << 10
    /// Authenticates and authorizes requests (auth-enabled); nil: every request is allowed.
    var authorizer: RequestAuthorizer? = nil
}

/// Where an HTTP request goes, decided from its head.
enum HTTPRoute {
    /// `POST /write`: parse the body and hand it to the sink.
    case write(database: String, precisionMultiplier: Int64)
    /// `GET|POST /query`: the URL parameters (a form body adds more at the end).
    case query(parameters: [String: String], formBody: Bool)
    /// `POST /ykc/sessions`: a gateway's pile logins; answered with the piles it must close.
    case ykcSessions(gateway: String)
    /// `POST /ocpp/trigger`: TriggerMessage to a connected charge point.
    case ocppTrigger(chargePoint: String, message: String, connectorId: Int?)
    /// `GET /report/<kind>`: a report (CSV, JSON or HTML) from the report handler.
    case report(kind: String, parameters: [String: String])
    /// `POST /api/v1/snapshot`: a consistent snapshot of the store, from the snapshot handler.
    case snapshot
    /// `GET /api/v1/rules`, `GET /api/v1/alerts`: the alert rules and alerts (Prometheus' shape).
    case rules(path: String)
    /// `GET /metrics`: the Prometheus text exposition.
    case metrics
    /// `GET /ready`: 200 once storage is open, 503 with what it waits for before.
    case ready
    /// `GET /ping`: 204 (200 with the version when verbose) once storage is open; 503 with the
    /// reason before, as InfluxDB 1.x, whose HTTP port opens only after its store (scripts and
    /// health checks wait for `/ping` before they write).
    case ping(verbose: Bool)
    /// Answer with this status and optional JSON once the request body has been discarded.
    case answer(status: Int, json: String?)
}

extension HTTPRoute {
    /// Routes a request by method, path and parameters.
    static func route(method: String, target: String, contentType: String?) -> HTTPRoute {
        let (path, params) = URLQuery.split(target: target)
        switch path {
        case "/write":
            guard method == "POST" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /write; use POST"))
            }
            guard let db = params["db"] else {
                return .answer(status: 400, json: JSON.error("database is required"))
            }
            if let problem = DatabaseName.problem(with: db) {
                return .answer(status: 400, json: JSON.error("invalid db parameter: \(problem)"))
            }
            if let refused = refuseRetentionPolicy(params["rp"] ?? "") {
                return refused
            }
            let precisionText = params["precision"] ?? ""
            guard let precision = TimePrecision.parse(precisionText) else {
                return .answer(status: 400, json: JSON.error(
                    "invalid precision \(JSON.quoteForMessage(precisionText)): use ns, u, ms, s, m or h"))
            }
            return .write(database: db, precisionMultiplier: precision.multiplier)
        case "/api/v2/write":
            return v2Write(method: method, params: params)
        case "/api/v1/snapshot":
            guard method == "POST" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /api/v1/snapshot; use POST"))
            }
            return .snapshot
        case "/api/v1/rules", "/api/v1/alerts":
            guard method == "GET" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on \(path); use GET"))
            }
            return .rules(path: path)
        case "/metrics":
            guard method == "GET" || method == "HEAD" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /metrics; use GET"))
            }
            return .metrics
        case "/ready":
            guard method == "GET" || method == "HEAD" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /ready; use GET"))
            }
            return .ready
        case "/health":
            guard method == "GET" || method == "HEAD" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /health; use GET"))
            }
            return .answer(status: 200, json: """
                {"name":"chargeline","message":"ready for queries and writes","status":"pass","checks":[],\
                "version":\(JSON.string(HTTPAPI.version))}
                """)
        case "/query":
            guard method == "GET" || method == "POST" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /query; use GET or POST"))
            }
            let isForm = method == "POST"
                && (contentType?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false)
            return .query(parameters: params, formBody: isForm)
        case "/ykc/sessions":
            guard method == "POST" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /ykc/sessions; use POST"))
            }
            guard let gateway = params["gateway"], !gateway.isEmpty, gateway.utf8.count <= 200 else {
                return .answer(status: 400, json: JSON.error("gateway is required: /ykc/sessions?gateway=<name of the gateway process>"))
            }
            return .ykcSessions(gateway: gateway)
        case "/ocpp/trigger":
            guard method == "POST" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /ocpp/trigger; use POST"))
            }
            guard let chargePoint = params["chargePoint"], !chargePoint.isEmpty, let message = params["message"] else {
                return .answer(status: 400, json: JSON.error(
                    "chargePoint and message are required: /ocpp/trigger?chargePoint=ID&message=MeterValues[&connectorId=N]"))
            }
            var connector: Int?
            if let text = params["connectorId"] {
                guard let c = Int(text), c >= 0 else {
                    return .answer(status: 400, json: JSON.error("connectorId must be a non-negative integer"))
                }
                connector = c
            }
            return .ocppTrigger(chargePoint: chargePoint, message: message, connectorId: connector)
        case "/ping":
            guard method == "GET" || method == "HEAD" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on /ping; use GET or HEAD"))
            }
            return .ping(verbose: params["verbose"].map({ $0 == "true" || $0 == "1" }) ?? false)
        case _ where path.hasPrefix("/report/"):
            guard method == "GET" else {
                return .answer(status: 405, json: JSON.error("method \(method) not allowed on \(path); use GET"))
            }
            return .report(kind: String(path.dropFirst("/report/".count)), parameters: params)
        default:
            return .answer(status: 404, json: JSON.error(
                "not found: \(JSON.quoteForMessage(path)); this server answers /write, /api/v2/write, /query, /ping, /health, /ready, /metrics, /report/daily, /api/v1/snapshot, /api/v1/rules, /api/v1/alerts, /ykc/sessions and /ocpp/trigger"))
        }
    }

    /// The `path` label for `chargeline_http_requests_total`: the route, never the raw path
    /// (which a client could make unbounded).
    static func metricsLabel(target: String) -> String {
        let path = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
        switch path {
        case "/write", "/api/v2/write", "/query", "/ping", "/health", "/ready", "/metrics", "/ykc/sessions", "/api/v1/snapshot",
             "/api/v1/rules", "/api/v1/alerts", "/ocpp/trigger": return path
        case _ where path.hasPrefix("/report/"): return "/report"
        default: return "other"
        }
    }

    /// `POST /api/v2/write?org=O&bucket=DB[/RP]&precision=ns|us|ms|s`, as InfluxDB 1.8's 2.x
    /// compatibility endpoint takes it (InfluxDB 2.x client libraries and Telegraf's
    /// `outputs.influxdb_v2`): the bucket names the database, a `/RP` suffix names the retention
    /// policy (Chargeline keeps one raw policy per database: `autogen` is accepted, any other is
    /// refused as on `/write`), `org`
    /// is accepted and not used. The `Authorization: Token ...` header is read by authentication,
    /// not here.
    static func v2Write(method: String, params: [String: String]) -> HTTPRoute {
        guard method == "POST" else {
            return .answer(status: 405, json: JSON.error("method \(method) not allowed on /api/v2/write; use POST"))
        }
        guard let bucket = params["bucket"], !bucket.isEmpty else {
            return .answer(status: 400, json: JSON.error("bucket is required: /api/v2/write?bucket=DATABASE[/RETENTION_POLICY]"))
        }
        let parts = bucket.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let db = parts.first ?? bucket
        if let problem = DatabaseName.problem(with: db) {
            return .answer(status: 400, json: JSON.error("invalid bucket parameter: \(problem)"))
        }
        if parts.count == 2, let refused = refuseRetentionPolicy(parts[1]) {
            return refused
        }
        let precisionText = params["precision"] ?? ""
        guard ["", "ns", "us", "ms", "s"].contains(precisionText), let precision = TimePrecision.parse(precisionText) else {
            return .answer(status: 400, json: JSON.error(
                "invalid precision \(JSON.quoteForMessage(precisionText)): use ns, us, ms or s"))
        }
        return .write(database: db, precisionMultiplier: precision.multiplier)
    }

    /// Points are written to `autogen`, the one raw policy of a database (`1h` holds the hourly
    /// rollups, computed from it). Another `rp` (Telegraf's `retention_policy`, a bucket's `/RP`)
    /// is refused as InfluxDB 1.x refuses a policy that does not exist: 500 `retention policy not
    /// found: RP` (Telegraf matches that text and drops the batch), rather than stored where the
    /// client did not ask. nil when the write may go ahead.
    static func refuseRetentionPolicy(_ rp: String) -> HTTPRoute? {
        guard !rp.isEmpty, rp != "autogen" else { return nil }
        return .answer(status: 500, json: JSON.error(
            "retention policy not found: \(rp) (points are written to autogen; rollups are computed from it)"))
    }
}

import ChargelineFrontEnd
public import ChargelineQuery

/// One `/query` request as the HTTP layer decoded it (URL parameters merged with a
/// form-encoded body; URL parameters win).
public struct QueryRequest: Sendable {
    /// The `q` parameter: one or more InfluxQL statements separated by `;`.
    public var statement: String
    /// The `db` parameter, if given.
    public var database: String?
    /// Every decoded parameter (`epoch`, `chunked`, `pretty`, `rp`, ...), `q` and `db` included.
    public var parameters: [String: String]
    /// Set by the HTTP layer when the client goes away before the answer; handlers that run
    /// long work stop it then (the answer is not delivered anyway).
    public var cancellation: QueryCancellation
    /// The databases SHOW DATABASES may list (auth on, a user without admin: those it holds a
    /// grant on); nil: all.
    public var visibleDatabases: Set<String>?

    /// A request.
    public init(statement: String, database: String?, parameters: [String: String] = [:],
                cancellation: QueryCancellation = QueryCancellation()) {
        self.statement = statement
        self.database = database
        self.parameters = parameters
        self.cancellation = cancellation
    }
}

/// The answer to a `QueryRequest`: an HTTP status and an InfluxDB 1.x shaped JSON body.
public struct QueryResponse: Sendable {
    /// HTTP status code, e.g. 200 or 400.
    public var status: Int
    /// The JSON body, e.g. `{"results":[{"statement_id":0}]}`; unused when `stream` is set.
    public var json: String
    /// A streamed body (`chunked=true`): the HTTP layer writes the head, calls this on the
    /// thread that called the completion, writes each piece `emit` receives as it comes
    /// (chunked transfer encoding), and ends the body when it returns. Nil: `json` is the body.
    public var stream: (@Sendable (_ emit: (String) -> Void) -> Void)?

    /// A response.
    public init(status: Int, json: String) {
        self.status = status
        self.json = json
    }

    /// A streamed response (see `stream`).
    public init(status: Int, stream: @escaping @Sendable (_ emit: (String) -> Void) -> Void) {
        self.status = status
        self.json = ""
        self.stream = stream
    }

    /// InfluxDB's error shape, `{"error":"<message>"}`, with `status` (400 unless told).
    public static func error(_ message: String, status: Int = 400) -> QueryResponse {
        QueryResponse(status: status, json: JSON.error(message))
    }
}

/// Answers `/query` (`EngineQueryHandler` in the product).
public protocol QueryHandler: Sendable {
    /// Answers `request`, calling `completion` exactly once on any thread. Must not block the
    /// caller's thread (an event loop): run long queries elsewhere and call back.
    func handle(_ request: QueryRequest, completion: @escaping @Sendable (QueryResponse) -> Void)
}

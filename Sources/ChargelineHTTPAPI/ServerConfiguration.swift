public import ChargelineFrontEnd

/// Everything `ChargelineServer` needs to know about its listeners and limits.
///
/// The defaults match InfluxDB 1.x so that existing clients and collectors (Telegraf,
/// influx CLI, client libraries) work unchanged.
public struct ServerConfiguration: Sendable {
    /// A host and port to listen on (the type every front-end shares; this name is kept for
    /// the HTTP API's callers).
    public typealias Endpoint = NetworkEndpoint

    /// The InfluxDB 1.x compatible HTTP API (`/write`, `/query`, `/ping`); `nil` disables it.
    /// Default `127.0.0.1:8086`, InfluxDB's HTTP port.
    public var http: Endpoint?
    /// The raw line-protocol TCP listener (newline-delimited points); `nil` disables it.
    /// Default `127.0.0.1:8089`, the port InfluxDB 1.x uses for its UDP/TCP line-protocol services.
    public var lineProtocol: Endpoint?
    /// Largest request body accepted, in bytes, applied both to the bytes on the wire and to a
    /// gzip body after decompression. Also the longest single line the TCP listener accepts.
    /// Default 25,000,000, InfluxDB 1.x's `max-body-size`.
    public var maxBodySize: Int
    /// The database that line-protocol TCP writes go to. Default `chargeline`.
    public var lineProtocolDatabase: String
    /// The TCP listener hands a batch to the sink after this many lines, even if more are
    /// buffered. Default 5,000, the batch size Telegraf and the InfluxDB client libraries use.
    public var lineProtocolBatchLines: Int
    /// The TCP listener hands a batch to the sink once this many bytes of complete lines are
    /// buffered. Default 1 MiB: large enough to amortise one WAL fsync, small enough that
    /// pausing a connection on it bounds memory.
    public var lineProtocolBatchBytes: Int
    /// Event-loop threads; `nil` means one per core (`System.coreCount`).
    public var threads: Int?
    /// How long `shutdown()` waits for connections with in-flight writes to finish before
    /// closing them anyway. Default 10 seconds.
    public var shutdownGracePeriodMilliseconds: Int64
    /// Most HTTP connections open at once; one more is answered 503 with `Retry-After` and
    /// closed. `nil`: computed from the open-file limit (`ConnectionCaps`), so that
    /// connections never take the descriptors storage needs.
    public var maxHTTPConnections: Int?
    /// Most line-protocol TCP connections open at once; one more is closed at once. `nil`:
    /// computed from the open-file limit (`ConnectionCaps`).
    public var maxLineProtocolConnections: Int?
    /// An HTTP request head must be complete this many seconds after its first byte arrives,
    /// or the connection is closed (slow-header attacks). Default 10; 0 disables it.
    public var headerTimeoutSeconds: Double
    /// While a request body is arriving, a pause of this many seconds with no byte closes the
    /// connection. Default 30; 0 disables it.
    public var bodyTimeoutSeconds: Double
    /// A keep-alive HTTP connection with no request for this many seconds is closed. Default
    /// 120; 0 disables it. Time spent answering a request (a long query) never counts.
    public var idleTimeoutSeconds: Double
    /// Most pile codes one `POST /ykc/sessions` call may claim; more answers 400 naming the
    /// quota, so one call cannot grow the session directory without bound. Default 100,000: five
    /// gateway processes' worth of piles at a 20,000 open-file limit, claimed at once after a
    /// restart. Not in the initializer: set it on the value.
    public var maxYKCClaimsPerCall = 100_000
    /// The certificate and key of the listeners that speak TLS (`ServerTLS.listeners`: the HTTP
    /// API is HTTPS with `.http`, the line-protocol listener TLS with `.lineProtocol`); nil:
    /// every listener is plain. Not in the initializer: set it on the value.
    public var tls: ServerTLS? = nil
    /// Most fields one line-protocol point may carry over HTTP and TCP (`max-values-per-point`);
    /// a line with more is refused (400 naming its line over HTTP; logged over TCP) and the
    /// rest of the batch stored. 0: only the parser's own bound, 65,535. Not in the
    /// initializer: set it on the value.
    public var maxValuesPerPoint = 1_000  // LineProtocolParser.defaultMaxValuesPerPoint
    /// An HTTP `/write` body larger than this is parsed and handed to the sink in pieces of
    /// whole lines, each as soon as it is parsed, so parsing the next piece, the WAL's write and
    /// sync of the previous one and the head taking the one before run at the same time on
    /// different cores; the response still waits for every piece to be durable. The first
    /// piece is an eighth of this (the head waits for its sync), the next ones double up to
    /// this. Default 256 KiB: a 5,000-line batch of telemetry (about 700 KB) makes five pieces,
    /// the later ones large enough to hold several points of each series for the head to apply
    /// together. Not in the initializer: set it on the value.
    public var writePieceBytes = 256 << 10

    /// A configuration; every parameter defaults to the InfluxDB-compatible value.
    public init(
        http: Endpoint? = Endpoint(host: "127.0.0.1", port: 8086),
        lineProtocol: Endpoint? = Endpoint(host: "127.0.0.1", port: 8089),
        maxBodySize: Int = 25_000_000,
        lineProtocolDatabase: String = "chargeline",
        lineProtocolBatchLines: Int = 5_000,
        lineProtocolBatchBytes: Int = 1 << 20,
        threads: Int? = nil,
        shutdownGracePeriodMilliseconds: Int64 = 10_000,
        maxHTTPConnections: Int? = nil,
        maxLineProtocolConnections: Int? = nil,
        headerTimeoutSeconds: Double = 10,
        bodyTimeoutSeconds: Double = 30,
        idleTimeoutSeconds: Double = 120
    ) {
        self.http = http
        self.lineProtocol = lineProtocol
        self.maxBodySize = maxBodySize
        self.lineProtocolDatabase = lineProtocolDatabase
        self.lineProtocolBatchLines = lineProtocolBatchLines
        self.lineProtocolBatchBytes = lineProtocolBatchBytes
        self.threads = threads
        self.shutdownGracePeriodMilliseconds = shutdownGracePeriodMilliseconds
        self.maxHTTPConnections = maxHTTPConnections
        self.maxLineProtocolConnections = maxLineProtocolConnections
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }
}

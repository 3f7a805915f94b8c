import ChargelineFrontEnd

/// The answer to a `GET /report/...` request: any content type (CSV, JSON, HTML).
public struct ReportResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// `{"error":"<message>"}` with `status` (400 unless told), as the rest of the API.
    public static func error(_ message: String, status: Int = 400) -> ReportResponse {
        ReportResponse(status: status, contentType: "application/json", body: Array(JSON.error(message).utf8))
    }
}

/// Answers `GET /report/<kind>` (e.g. `/report/daily`, docs/reports.md). The server knows
/// nothing of reports; `serve` plugs in a handler over the store.
public protocol ReportHandler: Sendable {
    /// Answers `kind` (the path after `/report/`) with the URL `parameters`, calling
    /// `completion` exactly once on any thread. Must not block the caller (an event loop).
    func handle(kind: String, parameters: [String: String], completion: @escaping @Sendable (ReportResponse) -> Void)
}

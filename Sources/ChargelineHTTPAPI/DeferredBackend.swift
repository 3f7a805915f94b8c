public import ChargelineCore
public import ChargelineFrontEnd

/// Stands in for storage while it opens, so the listeners bind (and `/health`, `/ready` and
/// `/metrics` answer) before the WAL is replayed, and a failure to bind is reported before
/// anything is written to the data directory.
///
/// Until `attach` is called the server is not ready: `/ready` answers 503 with what it waits
/// for, HTTP writes, queries and reports answer 503 with `Retry-After` (clients retry), and writes
/// from other listeners (line protocol over TCP) are held, each with its completion, and handed
/// to the real sink in order on `attach`; their connections read nothing more meanwhile (the
/// sink's back-pressure contract), so what is held is bounded by the connections. `fail` answers
/// every held write with the failure. Thread-safe.
public final class DeferredBackend: IngestSink, QueryHandler, ReportHandler, Sendable {
    private struct Backend: Sendable {
        let sink: any IngestSink
        let query: any QueryHandler
        let report: (any ReportHandler)?
    }

    private enum State {
        case waiting(reason: String, held: [(database: String, batch: WriteBatch, completion: @Sendable (WriteOutcome) -> Void)])
        case attached(Backend)
        case failed(String)
    }

    private let state: Locked<State>
    private let warnings = Locked<[String]>([])

    /// Not ready, waiting for `reason` (e.g. "opening the data directory").
    public init(waitingFor reason: String) {
        state = Locked(.waiting(reason: reason, held: []))
    }

    /// Says what the server waits for now (shown by `/ready`).
    public func waiting(for reason: String) {
        state.withLock { if case .waiting(_, let held) = $0 { $0 = .waiting(reason: reason, held: held) } }
    }

    /// Storage is open: held writes go to `sink` in the order they came, and from now on every
    /// call is forwarded. `warnings` (e.g. segments quarantined at start-up) are listed in
    /// `/ready`'s body: the server serves, but an operator should look.
    public func attach(sink: any IngestSink, queryHandler: any QueryHandler, reportHandler: (any ReportHandler)?,
                       warnings: [String] = []) {
        self.warnings.withLock { $0 = warnings }
        let held = state.withLock { s -> [(database: String, batch: WriteBatch, completion: @Sendable (WriteOutcome) -> Void)] in
            guard case .waiting(_, let held) = s else { return [] }
            s = .attached(Backend(sink: sink, query: queryHandler, report: reportHandler))
            return held
        }
        for write in held { sink.write(database: write.database, batch: write.batch, completion: write.completion) }
    }

    /// Storage could not be opened: held writes fail with `reason`, and so does every later call.
    public func fail(_ reason: String) {
        let held = state.withLock { s -> [(database: String, batch: WriteBatch, completion: @Sendable (WriteOutcome) -> Void)] in
            guard case .waiting(_, let held) = s else { return [] }
            s = .failed(reason)
            return held
        }
        for write in held { write.completion(WriteOutcome(failure: ChargelineError(.closed, reason))) }
    }

    /// Whether storage is attached.
    public var isReady: Bool {
        state.withLock { if case .attached = $0 { true } else { false } }
    }

    /// What `/ready` lists beside "ready" (set by `attach`).
    public var readyWarnings: [String] { warnings.withLock { $0 } }

    /// What the server waits for, or nil once ready.
    public var notReadyReason: String? {
        state.withLock { s in
            switch s {
            case .waiting(let reason, _): "starting: \(reason)"
            case .failed(let reason): "failed to start: \(reason)"
            case .attached: nil
            }
        }
    }

    private var backend: Backend? {
        state.withLock { if case .attached(let b) = $0 { b } else { nil } }
    }

    // MARK: IngestSink

    public func write(database: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        let (target, failure): ((any IngestSink)?, String?) = state.withLock { s in
            switch s {
            case .attached(let b): return (b.sink, nil)
            case .failed(let reason): return (nil, reason)
            case .waiting(let reason, var held):
                held.append((database, batch, completion))
                s = .waiting(reason: reason, held: held)
                return (nil, nil)
            }
        }
        if let target {
            target.write(database: database, batch: batch, completion: completion)
        } else if let failure {
            completion(WriteOutcome(failure: ChargelineError(.closed, failure)))
        }
    }

    public func databases() -> [String] { backend?.sink.databases() ?? [] }

    public func storedSeries(_ keys: [[UInt8]], field: String, database: String) -> Set<[UInt8]>? {
        backend?.sink.storedSeries(keys, field: field, database: database)
    }

    public func createDatabase(_ name: String) throws {
        guard let sink = backend?.sink else {
            throw ChargelineError(.closed, notReadyReason ?? "not ready; retry shortly")
        }
        try sink.createDatabase(name)
    }

    // MARK: QueryHandler

    public func handle(_ request: QueryRequest, completion: @escaping @Sendable (QueryResponse) -> Void) {
        guard let query = backend?.query else {
            completion(.error(notReadyReason ?? "not ready; retry shortly", status: 503))
            return
        }
        query.handle(request, completion: completion)
    }

    // MARK: ReportHandler

    public func handle(kind: String, parameters: [String: String], completion: @escaping @Sendable (ReportResponse) -> Void) {
        guard let backend else {
            completion(ReportResponse(status: 503, contentType: "application/json",
                                      body: Array(JSON.error(notReadyReason ?? "not ready; retry shortly").utf8)))
            return
        }
        guard let report = backend.report else {
            completion(ReportResponse(status: 404, contentType: "application/json",
                                      body: Array(JSON.error("reports are not served here").utf8)))
            return
        }
        report.handle(kind: kind, parameters: parameters, completion: completion)
    }
}

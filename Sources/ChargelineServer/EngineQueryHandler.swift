public import ChargelineQuery
import Dispatch
import Foundation

/// Answers `/query` with the query engine: InfluxDB 1.x JSON (`results`, `statement_id`,
/// `series`, errors in its shape), `params=` for bound parameters, `rp=` for the default
/// retention policy, `epoch=` for numeric times, `chunked=true` for one JSON
/// object per statement on its own line. Queries run on a global dispatch queue, never on the
/// event loop, and stop at the engine's timeout or when the request's `cancellation` is set
/// (the client disconnected).
public struct EngineQueryHandler: QueryHandler {
    public let engine: QueryEngine

    public init(engine: QueryEngine) {
        self.engine = engine
    }

    public func handle(_ request: QueryRequest, completion: @escaping @Sendable (QueryResponse) -> Void) {
        let engine = engine
        DispatchQueue.global(qos: .userInitiated).async {
            completion(Self.answer(request, engine: engine))
        }
    }

    static func answer(_ request: QueryRequest, engine: QueryEngine) -> QueryResponse {
        // As InfluxDB 1.x: h, m, s, ms and u divide; any other value (node-influx sends `n`,
        // some clients `ns`, `d` or `w`) gives nanoseconds rather than an error.
        var epoch = request.parameters["epoch"]
        if let e = epoch, e.isEmpty { epoch = nil }
        let results: [StatementResult]
        // Bound parameters (`params={"pile":"P000001"}` for `$pile`, as influxdb-python sends
        // them) and the default retention policy (`rp=`), as InfluxDB 1.x reads them.
        var parameters: [String: QueryParameter] = [:]
        do {
            if let text = request.parameters["params"], !text.isEmpty { parameters = try QueryParameter.parse(json: text) }
            results = try engine.execute(request.statement, database: request.database, cancellation: request.cancellation,
                                         parameters: parameters, retentionPolicy: request.parameters["rp"])
        } catch let e as QueryError {
            return .error(e.message)
        } catch {
            return .error("\(error)", status: 500)
        }
        let json = InfluxJSON(epoch: epoch, zone: QueryEngine.timezone(of: request.statement, parameters: parameters))
        if request.parameters["chunked"] == "true" {
            return QueryResponse(status: 200, json: results.map { "{\"results\":[" + json.statement($0) + "]}" }.joined(separator: "\n"))
        }
        return QueryResponse(status: 200, json: json.encode(results))
    }
}

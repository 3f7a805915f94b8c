import ChargelineFrontEnd
public import ChargelineQuery
import Dispatch
import Foundation

#if os(Linux)
/// glibc's `malloc_trim(3)`, which the Glibc module does not export (it lives in `<malloc.h>`).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif

/// Answers `/query` with the query engine: InfluxDB 1.x JSON (`results`, `statement_id`,
/// `series`, errors in its shape), `params=` for bound parameters, `rp=` for the default
/// retention policy, `epoch=` for numeric times. Queries run on a global dispatch
/// queue, never on the event loop, and stop at the engine's timeout or when the request's
/// `cancellation` is set (the client disconnected).
///
/// The answer is rendered statement by statement as the engine completes them, and never
/// grows past `QueryLimits.maxResponseBytes`: the statement that would pass it answers a
/// `max-response-bytes exceeded` error instead and the statements after it are cancelled.
/// With `chunked=true` the answer is streamed as InfluxDB streams it: one JSON object per
/// line, one per series (`"partial":true` on all but a statement's last), each written as
/// soon as its statement is complete, so only one statement's result is held at a time.
public struct EngineQueryHandler: QueryHandler {
    public let engine: QueryEngine

    public init(engine: QueryEngine) {
        self.engine = engine
    }

    public func handle(_ request: QueryRequest, completion: @escaping @Sendable (QueryResponse) -> Void) {
        let engine = engine
        DispatchQueue.global(qos: .userInitiated).async {
            if request.parameters["chunked"] == "true" {
                // The completion runs the stream: the query is over when it returns.
                completion(Self.streamed(request, engine: engine))
                Self.returnMemory()
            } else {
                let started = DispatchTime.now().uptimeNanoseconds
                let response = Self.answer(request, engine: engine)
                // A long query may have held much memory even when its answer is small (an
                // error at a limit): trim after it too.
                let large = response.json.utf8.count > Self.largeAnswerBytes
                    || DispatchTime.now().uptimeNanoseconds - started > Self.longQueryNanoseconds
                completion(response)
                if large { Self.returnMemory() }
            }
        }
    }

    /// As InfluxDB 1.x: h, m, s, ms and u divide; any other value (node-influx sends `n`,
    /// some clients `ns`, `d` or `w`) gives nanoseconds rather than an error.
    private static func renderer(_ request: QueryRequest, parameters: [String: QueryParameter]) -> InfluxJSON {
        var epoch = request.parameters["epoch"]
        if let e = epoch, e.isEmpty { epoch = nil }
        return InfluxJSON(epoch: epoch, zone: QueryEngine.timezone(of: request.statement, parameters: parameters))
    }

    /// Bound parameters (`params={"pile":"P000001"}` for `$pile`, as influxdb-python sends
    /// them), as InfluxDB 1.x reads them.
    private static func parameters(_ request: QueryRequest) throws -> [String: QueryParameter] {
        guard let text = request.parameters["params"], !text.isEmpty else { return [:] }
        return try QueryParameter.parse(json: text)
    }

    /// The error a statement answers in place of a result that would pass the response limit.
    private static func tooLarge(_ size: Int, limit: Int) -> String {
        "max-response-bytes exceeded: (\(size)/\(limit)): the answer would pass \(limit) bytes at this statement; "
            + "narrow the query, split it into several requests, or raise the limit (max_response_bytes)"
    }

    static func answer(_ request: QueryRequest, engine: QueryEngine) -> QueryResponse {
        let limit = engine.limits.maxResponseBytes
        var body = "{\"results\":["
        var count = 0
        do {
            let parameters = try parameters(request)
            let json = renderer(request, parameters: parameters)
            try engine.execute(request.statement, database: request.database, cancellation: request.cancellation,
                               parameters: parameters, retentionPolicy: request.parameters["rp"],
                               visibleDatabases: request.visibleDatabases) { r in
                var part = json.statement(r)
                let size = body.utf8.count + part.utf8.count + 2
                if limit > 0 && size > limit {
                    part = json.statement(StatementResult(statementID: r.statementID, error: tooLarge(size, limit: limit)))
                    request.cancellation.cancel(reason: "an earlier statement's answer passed max-response-bytes")
                }
                if count > 0 { body += "," }
                body += part
                count += 1
            }
        } catch let e as QueryError {
            return .error(e.message)
        } catch {
            return .error("\(error)", status: 500)
        }
        body += "]}"
        return QueryResponse(status: 200, json: body)
    }

    static func streamed(_ request: QueryRequest, engine: QueryEngine) -> QueryResponse {
        let parameters: [String: QueryParameter]
        do {
            parameters = try Self.parameters(request)
            try engine.validate(request.statement, parameters: parameters)
        } catch let e as QueryError {
            return .error(e.message)
        } catch {
            return .error("\(error)", status: 500)
        }
        let json = renderer(request, parameters: parameters)
        let limit = engine.limits.maxResponseBytes
        return QueryResponse(status: 200) { emit in
            var sent = 0
            var stopped = false
            func send(_ object: String) -> Bool {
                let line = "{\"results\":[" + object + "]}\n"
                sent += line.utf8.count
                if limit > 0 && sent > limit && !stopped { return false }
                emit(line)
                return true
            }
            func refuse(_ id: Int) {
                stopped = true
                request.cancellation.cancel(reason: "an earlier statement's answer passed max-response-bytes")
                _ = send(json.statement(StatementResult(statementID: id, error: tooLarge(sent, limit: limit))))
            }
            do {
                try engine.execute(request.statement, database: request.database, cancellation: request.cancellation,
                                   parameters: parameters, retentionPolicy: request.parameters["rp"],
                               visibleDatabases: request.visibleDatabases) { r in
                    if r.error != nil || r.series.isEmpty {
                        if !send(json.statement(r)) { refuse(r.statementID) }
                        return
                    }
                    for (i, s) in r.series.enumerated() {
                        var object = json.statement(StatementResult(statementID: r.statementID, series: [s]))
                        if i < r.series.count - 1 { object.insert(contentsOf: ",\"partial\":true", at: object.index(before: object.endIndex)) }
                        if !send(object) {
                            refuse(r.statementID)
                            return
                        }
                    }
                }
            } catch {
                // validate() passed, so only an unexpected failure lands here; the status is sent.
                emit(JSON.error("\(error)") + "\n")
            }
        }
    }

    /// Answers past this size hand memory back afterwards (`returnMemory`); small, quick ones
    /// do not pay for the trim (it walks the heap).
    static let largeAnswerBytes = 4 << 20
    /// Queries that ran longer than this (half a second) hand memory back afterwards too: the
    /// trim costs little beside them.
    static let longQueryNanoseconds: UInt64 = 500_000_000

    /// Hands freed heap pages back to the system: a large answer leaves hundreds of megabytes
    /// free in malloc's arenas, which an idle server would otherwise keep.
    private static func returnMemory() {
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
    }
}

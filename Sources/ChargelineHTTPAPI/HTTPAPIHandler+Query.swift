import ChargelineAuth
import ChargelineFrontEnd
import ChargelineQuery
import Dispatch
import NIOCore

extension HTTPAPIHandler {
    /// `GET|POST /query`: merges a form-encoded body into the URL parameters (URL wins, as in
    /// InfluxDB) and hands the statement to the configured `QueryHandler`.
    func handleQuery(parameters: [String: String], formBody: ByteBuffer?, context: ChannelHandlerContext) {
        var parameters = parameters
        if let formBody {
            let text = String(buffer: formBody)
            URLQuery.decodeForm(Substring(text), into: &parameters)
        }
        guard let statement = parameters["q"], !statement.isEmpty else {
            respond(status: 400, json: JSON.error("missing required parameter \"q\""), context: context)
            return
        }
        guard let authorizer = api.authorizer else {
            runQuery(statement, parameters: parameters, context: context)
            return
        }
        let credentials = Credentials.from(parameters: parameters, authorization: authorization)
        authenticate(credentials, authorizer: authorizer, context: context) { [self] identity in
            let bound = (try? QueryParameter.parse(json: parameters["params"] ?? "")) ?? [:]
            if let refusal = authorizer.authorizeQuery(identity, query: statement, database: parameters["db"], parameters: bound) {
                refuse(refusal, context: context)
            } else if case .user(let user) = identity, !user.admin {
                runQuery(statement, parameters: parameters, visibleDatabases: Set(user.grants.keys), context: context)
            } else {
                runQuery(statement, parameters: parameters, context: context)
            }
        }
    }

    /// Hands an authorized statement to the configured `QueryHandler` and answers with its response.
    private func runQuery(_ statement: String, parameters: [String: String], visibleDatabases: Set<String>? = nil,
                          context: ChannelHandlerContext) {
        var parameters = parameters
        // Credentials never reach the engine (SHOW QUERIES, logs).
        parameters["p"] = nil
        var request = QueryRequest(statement: statement, database: parameters["db"], parameters: parameters)
        request.visibleDatabases = visibleDatabases
        // Cancelled from `channelInactive` if the client goes away before the answer.
        runningQuery = request.cancellation
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let metrics = api.stats.metrics
        let started = DispatchTime.now().uptimeNanoseconds
        api.queryHandler.handle(request) { response in
            if let stream = response.stream {
                loop.execute {
                    let (handler, context) = bound.value
                    handler.startStreaming(status: response.status, contentType: "application/json", context: context)
                }
                stream { piece in
                    loop.execute {
                        let (handler, context) = bound.value
                        handler.streamChunk(piece, context: context)
                    }
                }
                loop.execute {
                    let (handler, context) = bound.value
                    handler.runningQuery = nil
                    handler.finishStreaming(context: context)
                }
            }
            if let metrics {
                let elapsed = DispatchTime.now().uptimeNanoseconds - started
                metrics.observeQuery(kind: Self.queryKind(statement), nanoseconds: Int64(clamping: elapsed))
                if response.status >= 400 {
                    metrics.countQueryRejected(reason: response.status >= 500 ? "error" : "bad_request")
                }
            }
            guard response.stream == nil else { return }
            loop.execute {
                let (handler, context) = bound.value
                handler.runningQuery = nil
                handler.respond(status: response.status, json: response.json, context: context)
            }
        }
    }

    /// The `kind` label of `chargeline_query_seconds`: the first statement's first keyword
    /// (`select`, `show`, `create`, ...), `other` past a short list.
    static func queryKind(_ statement: String) -> String {
        let word = statement.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
            .prefix { $0.isLetter }.lowercased()
        switch word {
        case "select", "show", "create", "drop", "delete", "alter", "grant", "revoke", "explain", "kill": return word
        default: return "other"
        }
    }

    /// `GET /report/<kind>`: hands the URL parameters to the configured `ReportHandler`.
    func handleReport(kind: String, parameters: [String: String], context: ChannelHandlerContext) {
        guard let reports = api.reportHandler else {
            respond(status: 404, json: JSON.error("reports are not served here (serve answers /report/daily)"), context: context)
            return
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        reports.handle(kind: kind, parameters: parameters) { response in
            loop.execute {
                let (handler, context) = bound.value
                let buffer = context.channel.allocator.buffer(bytes: response.body)
                handler.respond(status: response.status, body: (response.contentType, buffer), context: context)
            }
        }
    }
}

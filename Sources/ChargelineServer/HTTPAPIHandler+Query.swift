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
        let request = QueryRequest(statement: statement, database: parameters["db"], parameters: parameters)
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        api.queryHandler.handle(request) { response in
            loop.execute {
                let (handler, context) = bound.value
                handler.respond(status: response.status, json: response.json, context: context)
            }
        }
    }
}

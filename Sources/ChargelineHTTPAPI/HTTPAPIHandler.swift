import ChargelineAuth
import ChargelineCore
import ChargelineFrontEnd
import ChargelineQuery
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression

/// Serves the InfluxDB 1.x API on one HTTP connection, behind NIO's HTTP/1.1 server pipeline
/// (which delivers one request at a time) and `NIOHTTPRequestDecompressor` (gzip bodies).
///
/// Back-pressure: from the moment a request is handed to the sink or query handler until its
/// response is written, outbound `read` events are held here, so the connection reads nothing
/// more. A connection therefore never holds more than one body (at most `maxBodySize` bytes,
/// plus what one socket read delivered), and memory is bounded by connections x `maxBodySize`.
final class HTTPAPIHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        /// Waiting for a request head.
        case idle
        /// Collecting the body for `route`; `body` is nil when the route ignores the body.
        case receiving(route: HTTPRoute, body: ByteBuffer?)
        /// Handed to the sink or query handler; the response is not written yet.
        case waiting
        /// Already answered (413, bad gzip) before the body ended: discard the rest, then close.
        case discarding(bytes: Int)
        /// The channel is gone.
        case closed
    }

    let api: HTTPAPI
    var state = State.idle
    /// The query being answered, cancelled when the connection closes first.
    var runningQuery: QueryCancellation?
    private var readPending = false
    /// A streamed answer's head is written and its end is not.
    private var streaming = false
    private var keepAlive = true
    private var isHeadRequest = false
    private var requestVersion = HTTPVersion.http1_1
    private var requestEndSeen = false
    /// The `path` label of the current request in `chargeline_http_requests_total`.
    private var pathLabel = "other"
    /// The current request's `Authorization` header (read only when auth is on).
    var authorization: String?
    /// The current request's URL parameters (kept only when auth is on).
    var urlParameters: [String: String] = [:]

    init(api: HTTPAPI) {
        self.api = api
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): received(head: head, context: context)
        case .body(var chunk): received(body: &chunk, context: context)
        case .end: receivedEnd(context: context)
        }
    }

    private func received(head: HTTPRequestHead, context: ChannelHandlerContext) {
        keepAlive = head.isKeepAlive
        isHeadRequest = head.method == .HEAD
        requestVersion = head.version
        requestEndSeen = false
        pathLabel = HTTPRoute.metricsLabel(target: head.uri)
        context.triggerUserOutboundEvent(HTTPRequestPhase.headReceived, promise: nil)
        let route = HTTPRoute.route(method: head.method.rawValue, target: head.uri,
                                    contentType: head.headers.first(name: "content-type"))
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > api.maxBodySize {
            answerEarly(status: 413, json: JSON.error(tooLargeMessage), context: context)
            return
        }
        if let authorizer = api.authorizer, Self.needsAuthentication(route) {
            authorization = head.headers.first(name: "authorization")
            urlParameters = URLQuery.split(target: head.uri).1
            // No credentials at all (and none can come in a form body): refuse before the body.
            if case .query = route {} else if authorization == nil, urlParameters["u"] == nil, authorizer.users.hasAdmin {
                api.stats.metrics?.countAuthFailure(status: 401)
                answerEarly(status: 401, json: JSON.error(RequestAuthorizer.missing.message), context: context)
                return
            }
        }
        switch route {
        case .write, .query, .ykcSessions:
            let hint = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
            state = .receiving(route: route, body: context.channel.allocator.buffer(capacity: min(hint, api.maxBodySize)))
        case .answer, .ping, .report, .metrics, .ready, .snapshot, .rules, .ocppTrigger:
            state = .receiving(route: route, body: nil)
        }
    }

    private func received(body chunk: inout ByteBuffer, context: ChannelHandlerContext) {
        switch state {
        case .receiving(let route, var body?):
            // Drop our reference first so appending does not copy the buffer.
            state = .waiting
            if body.readableBytes + chunk.readableBytes > api.maxBodySize {
                answerEarly(status: 413, json: JSON.error(tooLargeMessage), context: context)
                return
            }
            body.writeBuffer(&chunk)
            state = .receiving(route: route, body: body)
        case .receiving(_, nil):
            break
        case .discarding(let bytes):
            // Bound the work spent on a body we already refused.
            if bytes + chunk.readableBytes > api.maxBodySize {
                state = .closed
                context.close(promise: nil)
            } else {
                state = .discarding(bytes: bytes + chunk.readableBytes)
            }
        case .idle, .waiting, .closed:
            break
        }
    }

    private func receivedEnd(context: ChannelHandlerContext) {
        requestEndSeen = true
        context.triggerUserOutboundEvent(HTTPRequestPhase.requestReceived, promise: nil)
        switch state {
        case .receiving(let route, let body):
            state = .waiting
            dispatch(route: route, body: body ?? ByteBuffer(), context: context)
        case .discarding:
            state = .closed
            context.close(promise: nil)
        case .idle, .waiting, .closed:
            break
        }
    }

    private func dispatch(route: HTTPRoute, body: ByteBuffer, context: ChannelHandlerContext) {
        switch route {
        case .write, .query, .ykcSessions, .report, .snapshot, .ocppTrigger, .ping:
            if let gate = api.readiness, let reason = gate.notReadyReason {
                respond(status: 503, json: JSON.error("\(reason); retry shortly"), context: context)
                return
            }
        case .answer, .metrics, .ready, .rules:
            break
        }
        if let authorizer = api.authorizer, Self.needsAuthentication(route), !isQuery(route) {
            let credentials = Credentials.from(parameters: urlParameters, authorization: authorization)
            authenticate(credentials, authorizer: authorizer, context: context) { [self] identity in
                if let refusal = authorize(route, identity: identity, authorizer: authorizer) {
                    refuse(refusal, context: context)
                } else {
                    serve(route: route, body: body, context: context)
                }
            }
            return
        }
        serve(route: route, body: body, context: context)
    }

    private func isQuery(_ route: HTTPRoute) -> Bool {
        if case .query = route { return true }
        return false
    }

    /// Answers an authorized request (`/query` checks its statements itself).
    private func serve(route: HTTPRoute, body: ByteBuffer, context: ChannelHandlerContext) {
        switch route {
        case .write(let database, let multiplier):
            handleWrite(database: database, precisionMultiplier: multiplier, body: body, context: context)
        case .query(let parameters, let formBody):
            handleQuery(parameters: parameters, formBody: formBody ? body : nil, context: context)
        case .ykcSessions(let gateway):
            handleYKCSessions(gateway: gateway, body: body, context: context)
        case .ocppTrigger(let chargePoint, let message, let connectorId):
            handleOCPPTrigger(chargePoint: chargePoint, message: message, connectorId: connectorId, context: context)
        case .answer(let status, let json):
            respond(status: status, json: json, context: context)
        case .ping(let verbose):
            respond(status: verbose ? 200 : 204, json: verbose ? "{\"version\":\(JSON.string(HTTPAPI.version))}" : nil,
                    context: context)
        case .report(let kind, let parameters):
            handleReport(kind: kind, parameters: parameters, context: context)
        case .snapshot:
            handleSnapshot(context: context)
        case .rules(let path):
            handleRules(path: path, context: context)
        case .ready:
            if let reason = api.readiness?.notReadyReason {
                respond(status: 503, json: "{\"status\":\"waiting\",\"reason\":\(JSON.string(reason))}", context: context)
            } else {
                let warnings = api.readiness?.readyWarnings ?? []
                respond(status: 200, json: warnings.isEmpty ? "{\"status\":\"ready\"}"
                            : "{\"status\":\"ready\",\"warnings\":[\(warnings.map(JSON.string).joined(separator: ","))]}", context: context)
            }
        case .metrics:
            guard let metrics = api.stats.metrics else {
                respond(status: 404, json: JSON.error("metrics are off on this server"), context: context)
                return
            }
            let text = metrics.scrape()
            respond(status: 200, body: ("text/plain; version=0.0.4; charset=utf-8", context.channel.allocator.buffer(bytes: text)),
                    context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .discarding = state { return }
        let receiving: Bool
        if case .receiving = state { receiving = true } else { receiving = false }
        if receiving, let error = error as? NIOHTTPDecompression.DecompressionError, error == .limit {
            answerEarly(status: 413, json: JSON.error(tooLargeMessage), context: context)
        } else if receiving,
            error is NIOHTTPDecompression.DecompressionError || error is NIOHTTPDecompression.ExtraDecompressionError
        {
            answerEarly(status: 400, json: JSON.error(
                "invalid gzip body (\(error)); send gzip data with Content-Encoding: gzip, or drop the header"),
                context: context)
        } else if error is HTTPParserError {
            // NIO's HTTPServerProtocolErrorHandler has written and flushed a 400 saying
            // `Connection: close`; nothing in NIO closes the socket after it, so close it here.
            state = .closed
            context.close(promise: nil)
        } else {
            api.logger.debug("closing HTTP connection after error", metadata: [
                "peer": "\(context.remoteAddress.map(String.init(describing:)) ?? "?")", "error": "\(error)",
            ])
            state = .closed
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        runningQuery?.cancel(reason: "the client closed the connection before the answer")
        runningQuery = nil
        context.fireChannelInactive()
    }

    // MARK: Outbound: read gating

    func read(context: ChannelHandlerContext) {
        if case .waiting = state {
            readPending = true
        } else {
            context.read()
        }
    }

    // MARK: Responding

    private var tooLargeMessage: String {
        "request body too large: the limit is \(api.maxBodySize) bytes; split the batch"
    }

    /// Answers before the request body has ended; the rest of the body is discarded and the
    /// connection closed when it ends, so a huge body is never buffered.
    private func answerEarly(status: Int, json: String, context: ChannelHandlerContext) {
        keepAlive = false
        state = requestEndSeen ? .closed : .discarding(bytes: 0)
        api.stats.countRequest(path: pathLabel, code: status)
        writeResponse(status: status, body: ("application/json", context.channel.allocator.buffer(string: json)), context: context)
    }

    /// Writes the response to the current request and, on keep-alive connections, resumes reading.
    func respond(status: Int, json: String?, headers: [(String, String)] = [], context: ChannelHandlerContext) {
        respond(status: status, body: json.map { ("application/json", context.channel.allocator.buffer(string: $0)) },
                headers: headers, context: context)
    }

    /// Writes the response (any content type) to the current request and, on keep-alive
    /// connections, resumes reading.
    func respond(status: Int, body: (contentType: String, bytes: ByteBuffer)?, headers extra: [(String, String)] = [],
                 context: ChannelHandlerContext) {
        guard case .waiting = state, !streaming else { return }
        api.stats.countRequest(path: pathLabel, code: status)
        // Set the state first: writing `.end` lets NIO's pipeline handler deliver the next
        // pipelined request re-entrantly, which moves the state on from `.idle`.
        state = keepAlive ? .idle : .closed
        writeResponse(status: status, body: body, extraHeaders: extra, context: context)
        if case .idle = state, readPending {
            readPending = false
            context.read()
        }
    }

    // MARK: Streamed responses

    /// Starts a streamed answer to the current request: the head, with no `Content-Length`
    /// (NIO's encoder frames the body with chunked transfer encoding on HTTP/1.1; an HTTP/1.0
    /// answer ends by closing). Reading stays held until `finishStreaming`.
    func startStreaming(status: Int, contentType: String, context: ChannelHandlerContext) {
        guard case .waiting = state, !streaming else { return }
        streaming = true
        api.stats.countRequest(path: pathLabel, code: status)
        if requestVersion.major == 1 && requestVersion.minor == 0 { keepAlive = false }
        var headers = responseHeaders(status: status)
        headers.add(name: "Content-Type", value: contentType)
        let head = HTTPResponseHead(version: requestVersion, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    /// Writes one piece of a streamed answer (dropped when the connection is gone).
    func streamChunk(_ text: String, context: ChannelHandlerContext) {
        guard case .waiting = state, streaming, !isHeadRequest else { return }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
    }

    /// Ends a streamed answer and, on keep-alive connections, resumes reading.
    func finishStreaming(context: ChannelHandlerContext) {
        guard case .waiting = state, streaming else { return }
        streaming = false
        state = keepAlive ? .idle : .closed
        writeEnd(context: context)
        if case .idle = state, readPending {
            readPending = false
            context.read()
        }
    }

    // MARK: Writing

    /// The headers every answer carries, with `Connection` as the connection will be.
    private func responseHeaders(status: Int, extraHeaders: [(String, String)] = []) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        headers.add(name: "X-Influxdb-Version", value: HTTPAPI.version)
        headers.add(name: "X-Influxdb-Build", value: "OSS")
        headers.add(name: "Request-Id", value: UUID().uuidString.lowercased())
        // Every 503 is temporary (starting, closing, the WAL cannot write): say when to retry.
        if status == 503 && !headers.contains(name: "Retry-After") { headers.add(name: "Retry-After", value: "1") }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if requestVersion.major == 1 && requestVersion.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        return headers
    }

    private func writeResponse(status: Int, body: (contentType: String, bytes: ByteBuffer)?, extraHeaders: [(String, String)] = [],
                               context: ChannelHandlerContext) {
        var headers = responseHeaders(status: status, extraHeaders: extraHeaders)
        var bodyBuffer: ByteBuffer? = nil
        if let (contentType, buffer) = body {
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(buffer.readableBytes))
            if !isHeadRequest { bodyBuffer = buffer }
        } else if status != 204 {
            headers.add(name: "Content-Length", value: "0")
        }
        let head = HTTPResponseHead(version: requestVersion, status: HTTPResponseStatus(statusCode: status),
                                    headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let bodyBuffer {
            context.write(wrapOutboundOut(.body(.byteBuffer(bodyBuffer))), promise: nil)
        }
        writeEnd(context: context)
    }

    /// Writes `.end` and closes afterwards when the answer said `Connection: close`.
    private func writeEnd(context: ChannelHandlerContext) {
        let closeAfter = !keepAlive && requestEndSeen
        // Before `.end`: writing it can deliver a pipelined request's head re-entrantly.
        if keepAlive { context.triggerUserOutboundEvent(HTTPRequestPhase.responseSent, promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if closeAfter { context.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension HTTPAPIHandler: Sendable {}

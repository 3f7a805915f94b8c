package import NIOCore
package import NIOHTTP1

/// A gateway's small HTTP API for operators (`gateway --http`): `GET /health` (alive),
/// `GET /ready` (`GatewayReadiness`) and `GET /metrics` (the Prometheus text exposition).
/// No request body is read into memory: bodies are discarded, the answer goes out at `.end`.
package final class GatewayHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// HTTP/1 request parts from NIO's server pipeline.
    package typealias InboundIn = HTTPServerRequestPart
    /// HTTP/1 response parts.
    package typealias OutboundOut = HTTPServerResponsePart

    /// What the routes read.
    package struct Sources: Sendable {
        /// The metrics scraped at `/metrics`.
        let metrics: ServerMetrics
        /// The current `/ready` answer.
        let readiness: @Sendable () -> GatewayReadiness

        /// The metrics and the `/ready` answer the routes read.
        package init(metrics: ServerMetrics, readiness: @escaping @Sendable () -> GatewayReadiness) {
            self.metrics = metrics
            self.readiness = readiness
        }
    }

    private let sources: Sources
    private var head: HTTPRequestHead?

    /// A handler answering from `sources`.
    package init(sources: Sources) {
        self.sources = sources
    }

    /// Remembers the head, discards the body, answers at `.end`.
    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
        case .body:
            break
        case .end:
            guard let h = head else { return }
            head = nil
            let (status, contentType, body) = answer(h)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(body.count))
            if !h.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .init(statusCode: status),
                                                                 headers: headers))), promise: nil)
            if h.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            let keepAlive = h.isKeepAlive
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }

    /// Status, content type and body for a request head.
    private func answer(_ h: HTTPRequestHead) -> (Int, String, [UInt8]) {
        let path = h.uri.firstIndex(of: "?").map { String(h.uri[..<$0]) } ?? h.uri
        let json = "application/json"
        guard ["/health", "/ready", "/metrics"].contains(path) else {
            return (404, json, Array(JSON.error("not found: \(JSON.quoteForMessage(path)); a gateway answers /health, /ready and /metrics").utf8))
        }
        guard h.method == .GET || h.method == .HEAD else {
            return (405, json, Array(JSON.error("method \(h.method.rawValue) not allowed on \(path); use GET").utf8))
        }
        switch path {
        case "/health":
            return (200, json, Array(#"{"name":"chargeline-gateway","status":"pass"}"#.utf8))
        case "/ready":
            let r = sources.readiness()
            return (r.status, json, Array(r.json.utf8))
        default:
            return (200, "text/plain; version=0.0.4; charset=utf-8", sources.metrics.scrape())
        }
    }
}

import NIOCore
import NIOHTTP1

/// Drops `Content-Encoding` from a request that carries no body, before
/// `NIOHTTPRequestDecompressor` sees it.
///
/// InfluxDB clients with compression on (influxdb-python's `gzip=True`, for one) send
/// `Content-Encoding: gzip` on every request, also on a bodiless `GET /ping` or `GET /query`.
/// The decompressor would treat the missing gzip stream as truncated data and the request would
/// be answered 400; InfluxDB answers it normally. A request has a body only when it says so with
/// `Content-Length` (non-zero) or `Transfer-Encoding` (RFC 9112, section 6.3), so only those keep
/// the header. Sits between `configureHTTPServerPipeline` and the decompressor; stateless.
final class EmptyBodyEncodingHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), head.headers.contains(name: "content-encoding"),
            !Self.hasBody(head.headers)
        else {
            context.fireChannelRead(data)
            return
        }
        head.headers.remove(name: "content-encoding")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// Whether the headers announce a body: a `Transfer-Encoding`, or a `Content-Length` other than 0.
    static func hasBody(_ headers: HTTPHeaders) -> Bool {
        if headers.contains(name: "transfer-encoding") { return true }
        guard let length = headers.first(name: "content-length") else { return false }
        // An unparsable length keeps the header: the request fails where it would have.
        return Int(length.filter { $0 != " " && $0 != "\t" }).map { $0 != 0 } ?? true
    }
}

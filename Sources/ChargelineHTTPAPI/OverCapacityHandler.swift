import ChargelineFrontEnd
import NIOCore

/// The whole pipeline of a connection accepted over its listener's cap: HTTP connections get
/// `503 Service Unavailable` with `Retry-After` and `Connection: close`; line-protocol
/// connections (`response == nil`) are closed at once.
///
/// The 503 is written as raw bytes before any request is read (a request is not needed to
/// refuse it). Closing a socket with unread input makes the kernel send a reset, which can
/// destroy the 503 before the client reads it; so after writing, the handler closes its
/// sending side, discards input, and closes fully when the client does or after `linger`.
final class OverCapacityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// A refused connection lingers this long at most: long enough for the client to read
    /// the 503, short enough that a flood of refused connections holds few descriptors.
    static let linger = TimeAmount.seconds(1)

    private let response: [UInt8]?

    /// `response`: the bytes to answer with, or nil to close at once.
    init(response: [UInt8]?) {
        self.response = response
    }

    /// The 503 an HTTP connection over the cap receives.
    static func httpResponse(limit: Int) -> [UInt8] {
        let body = JSON.error("too many open connections (the limit is \(limit)); retry shortly, or reuse connections")
        let head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
            + "Connection: close\r\nX-Influxdb-Version: \(HTTPAPI.version)\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        return Array((head + body).utf8)
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        guard let response else {
            context.close(promise: nil)
            return
        }
        let channel = context.channel
        channel.eventLoop.scheduleTask(in: Self.linger) { channel.close(promise: nil) }
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: response))).assumeIsolated().whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Discarded: the request is refused whatever it says.
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension OverCapacityHandler: Sendable {}

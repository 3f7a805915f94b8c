import NIOCore

/// Counts the bytes read from an HTTP connection (headers and bodies, before decompression)
/// into `ServerStats.bytesReceived`, once per read cycle rather than once per chunk.
final class ByteCountingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let stats: StatsRecorder
    private var pending = 0

    init(stats: StatsRecorder) {
        self.stats = stats
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += unwrapInboundIn(data).readableBytes
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pending > 0 {
            stats.countBytes(pending)
            pending = 0
        }
        context.fireChannelReadComplete()
    }
}

@available(*, unavailable)
extension ByteCountingHandler: Sendable {}

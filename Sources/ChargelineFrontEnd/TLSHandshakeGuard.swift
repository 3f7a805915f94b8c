import NIOCore
import NIOSSL
import NIOTLS

/// Sits right after `NIOSSLServerHandler` until the handshake completes: a handshake that
/// fails (a plain-text client, a client offering only TLS 1.0/1.1) or does not complete within
/// `ServerTLS.handshakeTimeout` is counted and logged by `ServerTLS`, and the connection is
/// closed. The error goes no further, so no protocol handler answers a client that never
/// spoke TLS: nothing is ever served in plain text on a TLS port. Once the handshake
/// completes the guard removes itself.
final class TLSHandshakeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let tls: ServerTLS
    private let listener: TLSListener
    private var timeout: Scheduled<Void>?
    private var state = State.handshaking

    private enum State { case handshaking, established, failed }

    init(tls: ServerTLS, listener: TLSListener) {
        self.tls = tls
        self.listener = listener
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            state = .established
            timeout?.cancel()
            timeout = nil
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .handshaking: fail(context, reason: "\(error)")
        case .established: context.fireErrorCaught(error)
        case .failed: break  // the connection is closing; its protocol handlers never saw it open
        }
    }

    private func startTimer(_ context: ChannelHandlerContext) {
        guard timeout == nil, state == .handshaking else { return }
        let limit = tls.handshakeTimeout
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: limit) {
            let (handler, context) = loopBound.value
            handler.fail(context, reason: "no TLS handshake within \(limit.nanoseconds / 1_000_000_000) s")
        }
    }

    private func fail(_ context: ChannelHandlerContext, reason: String) {
        guard state == .handshaking else { return }
        state = .failed
        timeout?.cancel()
        timeout = nil
        let peer = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        tls.recordFailure(listener: listener, peer: peer, reason: reason)
        context.close(promise: nil)
    }
}

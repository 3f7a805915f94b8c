import Logging
import NIOCore

/// Where the request on an HTTP connection stands. `HTTPAPIHandler` sends it towards the
/// socket as an outbound user event; `HTTPTimeoutHandler` consumes it.
enum HTTPRequestPhase: Sendable {
    /// A complete request head arrived; its body (if any) follows.
    case headReceived
    /// The whole request arrived; it is being answered.
    case requestReceived
    /// The answer is written and the connection stays open for the next request.
    case responseSent
}

/// Closes an HTTP connection that stalls: a request head not complete `header` after its first
/// byte, a body with no byte for `body`, a keep-alive connection with no request for `idle`.
/// While a request is being answered nothing is timed here (the query timeout covers it).
///
/// Sits at the byte level, first in the pipeline, so it sees every byte, including those of a
/// head the HTTP decoder has not finished; it learns where requests begin and end from
/// `HTTPRequestPhase` events. One timer per connection at a time, never one per read: the body
/// timer, when it fires, re-arms itself for what is left since the last byte.
final class HTTPTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The three timeouts; `nil` disables one.
    struct Timeouts: Sendable {
        var header: TimeAmount?
        var body: TimeAmount?
        var idle: TimeAmount?

        init(_ c: ServerConfiguration) {
            func amount(_ seconds: Double) -> TimeAmount? {
                seconds > 0 ? .nanoseconds(Int64(min(seconds, 1e9) * 1e9)) : nil
            }
            header = amount(c.headerTimeoutSeconds)
            body = amount(c.bodyTimeoutSeconds)
            idle = amount(c.idleTimeoutSeconds)
        }
    }

    private enum Phase {
        /// Between requests (or before the first): waiting for a first byte.
        case idle
        /// Bytes of a head arrived, not the whole head yet.
        case head
        /// Reading the body.
        case body
        /// Answering: untimed.
        case busy
    }

    private let timeouts: Timeouts
    private let stats: StatsRecorder
    private let logger: Logger
    private var phase = Phase.idle
    private var timer: Scheduled<Void>?
    private var lastRead = NIODeadline.now()
    private var started = false

    init(timeouts: Timeouts, stats: StatsRecorder, logger: Logger) {
        self.timeouts = timeouts
        self.stats = stats
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        enter(.idle, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        if case .idle = phase { enter(.head, context: context) }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? HTTPRequestPhase else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .headReceived: enter(.body, context: context)
        case .requestReceived: enter(.busy, context: context)
        case .responseSent: enter(.idle, context: context)
        }
        promise?.succeed(())
    }

    private func enter(_ next: Phase, context: ChannelHandlerContext) {
        phase = next
        timer?.cancel()
        timer = nil
        switch next {
        case .idle: arm(timeouts.idle, context: context)
        case .head: arm(timeouts.header, context: context)
        case .body: arm(timeouts.body, context: context)
        case .busy: break
        }
    }

    private func arm(_ amount: TimeAmount?, context: ChannelHandlerContext) {
        guard let amount else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: amount) {
            let (handler, context) = bound.value
            handler.fired(context: context)
        }
    }

    private func fired(context: ChannelHandlerContext) {
        timer = nil
        let name: String
        switch phase {
        case .busy:
            return
        case .idle:
            name = "idle"
        case .head:
            name = "header"
        case .body:
            // Re-arm for what is left since the last byte, if one came since the timer started.
            if let body = timeouts.body {
                let quietFor = NIODeadline.now() - lastRead
                if quietFor < body {
                    arm(body - quietFor, context: context)
                    return
                }
            }
            name = "body"
        }
        stats.countTimeout(phase: name)
        logger.debug("closing a stalled HTTP connection", metadata: [
            "timeout": "\(name)", "peer": "\(context.remoteAddress.map(String.init(describing:)) ?? "?")",
        ])
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTPTimeoutHandler: Sendable {}

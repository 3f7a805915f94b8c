import NIOCore

/// Closes silent connections: one repeating check per event loop over that loop's
/// connections, instead of one timer per connection (100,000 timers keep NIO's scheduled-task
/// heap busy re-sorting: it was the top item in the gateway's profile).
///
/// Loop-confined: `add`, `remove` and the sweep run only on `loop`.
final class YKCConnectionSweeper: @unchecked Sendable {
    let loop: any EventLoop
    private var handlers: [ObjectIdentifier: YKCChannelHandler] = [:]
    private var task: RepeatedTask?

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Starts sweeping every `period`.
    func start(period: TimeAmount) {
        task = loop.scheduleRepeatedTask(initialDelay: period, delay: period) { [self] _ in
            let now = NIODeadline.now()
            for handler in Array(handlers.values) { handler.checkTimeout(now: now) }
        }
    }

    func stop() { task?.cancel() }

    func add(_ handler: YKCChannelHandler) {
        loop.preconditionInEventLoop()
        handlers[ObjectIdentifier(handler)] = handler
    }

    func remove(_ handler: YKCChannelHandler) {
        loop.preconditionInEventLoop()
        handlers[ObjectIdentifier(handler)] = nil
    }
}

/// One sweeper per event loop of a group.
struct YKCSweepers: Sendable {
    private let byLoop: [ObjectIdentifier: YKCConnectionSweeper]

    init(group: any EventLoopGroup) {
        var map: [ObjectIdentifier: YKCConnectionSweeper] = [:]
        for loop in group.makeIterator() { map[ObjectIdentifier(loop)] = YKCConnectionSweeper(loop: loop) }
        byLoop = map
    }

    /// The sweeper of `loop`.
    func sweeper(for loop: any EventLoop) -> YKCConnectionSweeper {
        guard let s = byLoop[ObjectIdentifier(loop)] else { preconditionFailure("BUG: event loop outside the front-end's group") }
        return s
    }

    var all: [YKCConnectionSweeper] { Array(byLoop.values) }
}

import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP server on 127.0.0.1 that records every request body and answers 503 to the first
/// `failFirst` requests, 200 after: a stand-in for Alertmanager or a webhook.
final class FakeReceiver: @unchecked Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: (any Channel)?
    private let lock = NSLock()
    private var bodies: [(path: String, body: String)] = []
    private var failuresLeft: Int

    init(failFirst: Int = 0) throws {
        failuresLeft = failFirst
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.pipeline.configureHTTPServerPipeline().flatMap { ch.pipeline.addHandler(Handler(owner: self)) }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
    }

    var url: String { "http://127.0.0.1:\(channel!.localAddress!.port!)" }

    var received: [(path: String, body: String)] {
        lock.lock(); defer { lock.unlock() }
        return bodies
    }

    /// Waits up to `seconds` for `count` bodies.
    /// Waits (suspended, not blocking a thread: the notifier's own tasks need the executor's
    /// few threads) until `count` posts arrived or `seconds` passed.
    func wait(for count: Int, seconds: Double) async -> [(path: String, body: String)] {
        let deadline = Date().addingTimeInterval(seconds)
        while received.count < count && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return received
    }

    fileprivate func record(path: String, body: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if failuresLeft > 0 { failuresLeft -= 1; return false }
        bodies.append((path, body))
        return true
    }

    func close() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let owner: FakeReceiver
        var path = ""
        var body = ""

        init(owner: FakeReceiver) { self.owner = owner }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): path = h.uri; body = ""
            case .body(let b): body += String(buffer: b)
            case .end:
                let ok = owner.record(path: path, body: body)
                var headers = HTTPHeaders()
                headers.add(name: "content-length", value: "0")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: ok ? .ok : .serviceUnavailable, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}

import Dispatch
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One HTTPS connection to a storage node, driven blocking from the gateway's forwarder or
/// announcer thread (never from an event loop): `UpstreamHTTPClient`'s transport when the
/// upstream URL is `https://`. The TLS runs on NIO's shared event-loop group; bytes received
/// wait in an inbox the calling thread reads with a timeout.
final class UpstreamTLSConnection {
    private let channel: any Channel
    private let inbox: UpstreamInbox
    private let timeoutSeconds: Int

    private init(channel: any Channel, inbox: UpstreamInbox, timeoutSeconds: Int) {
        self.channel = channel
        self.inbox = inbox
        self.timeoutSeconds = timeoutSeconds
    }

    /// Connects and starts the handshake (completed by the first `send`).
    /// - Throws: what connecting or reading `tls`'s files throws.
    static func connect(host: String, port: Int, tls: UpstreamTLS, timeoutSeconds: Int) throws -> UpstreamTLSConnection {
        let context = try NIOSSLContext(configuration: tls.configuration())
        let pinned = try tls.pinnedCertificate()
        let inbox = UpstreamInbox()
        // SNI carries host names only (RFC 6066); for an IP literal NIOSSL checks the address.
        let serverName: String? = host.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } ? nil : host
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(Int64(timeoutSeconds)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler: NIOSSLClientHandler
                    if let pinned {
                        handler = try NIOSSLClientHandler(
                            context: context, serverHostname: serverName,
                            customVerificationCallback: { certificates, promise in
                                promise.succeed(certificates.first == pinned ? .certificateVerified : .failed)
                            })
                    } else {
                        handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHandler(UpstreamInboxHandler(inbox: inbox))
                }
            }
        let channel = try bootstrap.connect(host: host, port: port).wait()
        return UpstreamTLSConnection(channel: channel, inbox: inbox, timeoutSeconds: timeoutSeconds)
    }

    /// Writes `bytes` and waits until they are handed to the socket (after the handshake).
    /// - Throws: the handshake's or the write's error, or `ETIMEDOUT` after the timeout.
    func send(_ bytes: [UInt8]) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<Result<Void, any Error>?>(nil)
        channel.writeAndFlush(ByteBuffer(bytes: bytes)).whenComplete { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + .seconds(timeoutSeconds)) == .success else {
            close()
            throw POSIXError(.ETIMEDOUT)
        }
        if case .failure(let error)? = outcome.withLock({ $0 }) { throw inbox.failure ?? error }
    }

    /// Waits for bytes: returns them, or an empty array once the node closed the connection.
    /// - Throws: the connection's error (a failed handshake, a reset) or `ETIMEDOUT`.
    func receive() throws -> [UInt8] {
        try inbox.take(timeoutSeconds: timeoutSeconds)
    }

    /// Closes the connection (without waiting).
    func close() { channel.close(promise: nil) }
}

/// Bytes from the event loop to the waiting thread.
final class UpstreamInbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var bytes: [UInt8] = []
    private var closed = false
    private var error: (any Error)?

    /// The error that ended the connection, if any.
    var failure: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return error
    }

    func append(_ more: [UInt8]) {
        condition.lock()
        bytes += more
        condition.signal()
        condition.unlock()
    }

    func finish(_ failure: (any Error)?) {
        condition.lock()
        closed = true
        if error == nil { error = failure }
        condition.signal()
        condition.unlock()
    }

    func take(timeoutSeconds: Int) throws -> [UInt8] {
        let deadline = Date(timeIntervalSinceNow: TimeInterval(timeoutSeconds))
        condition.lock()
        defer { condition.unlock() }
        while bytes.isEmpty && !closed {
            guard condition.wait(until: deadline) else { throw POSIXError(.ETIMEDOUT) }
        }
        if !bytes.isEmpty {
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }
        if let error { throw error }
        return []
    }
}

/// Feeds an `UpstreamInbox` from the channel.
private final class UpstreamInboxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let inbox: UpstreamInbox

    init(inbox: UpstreamInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        inbox.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.finish(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.finish(error)
        context.close(promise: nil)
    }
}

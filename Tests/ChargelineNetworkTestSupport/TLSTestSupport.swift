package import Foundation
package import NIOCore
import NIOPosix
package import NIOSSL

/// Self-signed certificates made by `openssl req -x509 -newkey ec` in a temporary folder the
/// fixture removes.
package struct TLSFixture {
    /// The temporary folder holding the files.
    package let directory: URL

    /// Creates the folder.
    package init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chargeline-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// `name` inside the folder.
    package func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Makes `<name>.crt` and `<name>.key` (P-256, CN=localhost, SAN 127.0.0.1) and returns their paths.
    @discardableResult
    package func makeCertificate(_ name: String) throws -> (certificate: String, key: String) {
        let (certificate, key) = (path(name + ".crt"), path(name + ".key"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                             "-nodes", "-days", "2", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", certificate]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return (certificate, key)
    }

    /// Copies `source` over `destination` (a certificate renewed in place).
    package func replace(_ destination: String, with source: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try data.write(to: URL(fileURLWithPath: destination), options: .atomic)
    }

    /// Removes the folder and everything in it.
    package func remove() { try? FileManager.default.removeItem(at: directory) }

    /// The serial number of the first certificate in `path`, as the server reports it.
    package static func serial(of path: String) throws -> [UInt8] {
        try NIOSSLCertificate.fromPEMFile(path)[0].serialNumber
    }
}

/// What a client saw on one connection.
package struct TLSExchange {
    /// Every byte the server sent.
    package var bytes: [UInt8]
    /// The certificate the server presented, if TLS got that far.
    package var serverCertificate: NIOSSLCertificate?
    /// The first error the connection saw.
    package var error: (any Error)?
    /// `bytes` as UTF-8.
    package var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Connects to 127.0.0.1:`port` (over TLS when `tls` is given, else plain), sends `send`,
/// and collects what comes back until `until` holds or the server closes (`wait` at most).
/// Every caller waits for the server to answer or close, so `wait` only bounds a broken
/// server: 60 s, since a TLS handshake of a debug build beside the parallel suite on two cores
/// once took longer than the 5 s it was (an empty answer, no error).
/// `send` is written, and the watchdog started, on the event loop as the connection becomes
/// active, not after the test's task resumes: CPU-bound tests beside this one can keep Swift
/// Testing's two-thread pool from resuming it for longer than a server's login timeout (the
/// YKC listener closed such a connection "no login" after 30 s: an empty answer, no error).
package func exchange(port: Int, tls: TLSConfiguration?, send: [UInt8], wait: TimeAmount = .seconds(60),
              until: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }) async throws -> TLSExchange {
    let collector = ExchangeCollector(until: until, send: send)
    let context = try tls.map { try NIOSSLContext(configuration: $0) }
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let watchdog = channel.eventLoop.scheduleTask(in: wait) { channel.close(promise: nil) }
                channel.closeFuture.whenComplete { _ in watchdog.cancel() }
                if let context {
                    // Record the server's certificate, accept it (the test checks which one it is).
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(
                            context: context, serverHostname: nil,
                            customVerificationCallback: { certificates, promise in
                                collector.certificate.withLock { $0 = certificates.first }
                                promise.succeed(.certificateVerified)
                            }))
                }
                try channel.pipeline.syncOperations.addHandler(collector)
            }
        }
        .connect(host: "127.0.0.1", port: port).get()
    try? await channel.closeFuture.get()
    return TLSExchange(bytes: collector.bytes.withLock { $0 }, serverCertificate: collector.certificate.withLock { $0 },
                       error: collector.error.withLock { $0 })
}

/// A client configuration that checks nothing itself (the verification callback records the
/// certificate), offering TLS `minimum`...`maximum`.
package func clientTLS(minimum: TLSVersion = .tlsv12, maximum: TLSVersion? = nil) -> TLSConfiguration {
    var c = TLSConfiguration.makeClientConfiguration()
    c.certificateVerification = .noHostnameVerification
    c.minimumTLSVersion = minimum
    c.maximumTLSVersion = maximum
    return c
}

private final class ExchangeCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let bytes = LockedBox<[UInt8]>([])
    let certificate = LockedBox<NIOSSLCertificate?>(nil)
    let error = LockedBox<(any Error)?>(nil)
    let until: @Sendable ([UInt8]) -> Bool
    let send: [UInt8]

    init(until: @escaping @Sendable ([UInt8]) -> Bool, send: [UInt8]) {
        self.until = until
        self.send = send
    }

    func channelActive(context: ChannelHandlerContext) {
        // Before TLS completes its handshake, NIOSSL holds the bytes and sends them after it.
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: send)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let all = bytes.withLock { b -> [UInt8] in
            b += buffer.readBytes(length: buffer.readableBytes) ?? []
            return b
        }
        if until(all) { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.error.withLock { if $0 == nil { $0 = error } }
        context.close(promise: nil)
    }
}

/// A value behind a lock, for test handlers.
package final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    /// A box holding `value`.
    package init(_ value: Value) { self.value = value }
    /// Runs `body` on the value under the lock.
    package func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

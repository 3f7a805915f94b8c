#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ChargelineCore
package import NIOCore
package import NIOPosix

/// What every pile front-end (YKC, OCPP) does to start listening and batching, in one place.
package enum PileListener {
    /// Binds `bootstrap` to `endpoint`, with SO_REUSEPORT when several gateway processes share
    /// the port. On failure shuts `group` down and throws an error naming `what` listens and what
    /// to do.
    package static func bind(_ bootstrap: ServerBootstrap, endpoint: NetworkEndpoint, reusePort: Bool,
                             group: MultiThreadedEventLoopGroup, what: String) async throws -> any Channel {
        var bootstrap = bootstrap
        if reusePort {
            bootstrap = bootstrap.serverChannelOption(
                ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
        }
        do {
            return try await bootstrap.bind(host: endpoint.host, port: endpoint.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw ChargelineError(.io, "cannot listen for \(what) on \(endpoint): \(error); choose another "
                                  + "host/port or stop the process that holds it", cause: error)
        }
    }

    /// Flushes `batcher` every `milliseconds` on `loop`.
    package static func flushTask(on loop: any EventLoop, milliseconds: Int, _ batcher: TelemetryBatcher) -> RepeatedTask {
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(Int64(milliseconds)), delay: .milliseconds(Int64(milliseconds))) { _ in
            batcher.flush()
        }
    }
}

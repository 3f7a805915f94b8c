import ChargelineCore
import Foundation
package import Logging

/// Forwards a gateway's spool to its storage node, in order, on its own thread: reads up to
/// 1 MiB of records, POSTs them to `/write?db=...&precision=ns`, and moves the spool cursor
/// only when the node answers 204 (durable under the node's fsync policy). Anything else is
/// retried with back-off (100 ms doubling to 2 s, so a node that comes back is used within 2 s) while the front-end keeps answering piles
/// and spooling: the ingest channel is at-least-once, and a retried batch rewrites identical
/// points.
///
/// A `400` means the node parsed the batch and stored every good line (a bad line cannot
/// get better by retrying): it is logged with the node's message and the cursor moves on.
package final class GatewayForwarder: @unchecked Sendable {
    /// Counters, read by the gateway's periodic log.
    package struct Stats: Sendable, CustomStringConvertible {
        var batches = 0
        var bytes = 0
        var retries = 0
        var rejectedBatches = 0
        /// The counters as `key=value` pairs for the log.
        package var description: String {
            "forwardedBatches=\(batches) forwardedBytes=\(bytes) retries=\(retries) partiallyRejected=\(rejectedBatches)"
        }
    }

    /// Largest POST body: well under the node's default 25 MB limit, large enough for one
    /// WAL fsync to cover thousands of points.
    static let maxBodyBytes = 1 << 20

    private let spool: GatewaySpool
    private let client: UpstreamHTTPClient
    private let logger: Logger
    private let upstream: String
    private let state = Locked((stopping: false, stopped: false, stats: Stats()))
    private let done = DispatchSemaphore(value: 0)
    /// Told each outcome of a POST (`/ready`).
    private let health: GatewayUpstreamHealth?

    /// A forwarder reading `spool` and posting to `host:port` (with `token`, over `tls`),
    /// telling `health` each outcome. Call `start()` to begin.
    package init(spool: GatewaySpool, host: String, port: Int, token: String? = nil, tls: UpstreamTLS? = nil,
                 health: GatewayUpstreamHealth? = nil, logger: Logger) {
        self.spool = spool
        self.health = health
        self.client = UpstreamHTTPClient(host: host, port: port, token: token, tls: tls)
        self.logger = logger
        self.upstream = "\(host):\(port)"
    }

    /// The counters so far.
    package var stats: Stats { state.withLock { $0.stats } }

    /// Starts the forwarding thread.
    package func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "chargeline-forwarder"
        thread.start()
    }

    /// Asks the thread to stop once the spool is empty or `graceSeconds` passed, and waits.
    package func stop(graceSeconds: Double) {
        let deadline = Date().addingTimeInterval(graceSeconds)
        while spool.pendingBytes > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        state.withLock { $0.stopping = true }
        done.wait()
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func run() {
        var lastSync = Date()
        var down = false
        while !stopping {
            if Date().timeIntervalSince(lastSync) >= 1 {
                spool.sync()
                lastSync = Date()
            }
            let records = spool.read(maxBytes: Self.maxBodyBytes, timeout: 0.2)
            guard let last = records.last else { continue }
            var index = 0
            var failed = false
            while index < records.count && !failed {
                let database = records[index].database
                var body: [UInt8] = []
                var end = index
                while end < records.count && records[end].database == database && body.count < Self.maxBodyBytes {
                    body += records[end].lineProtocol
                    end += 1
                }
                if !database.isEmpty && !body.isEmpty {
                    failed = !post(database: database, body: body, down: &down)
                }
                if !failed {
                    spool.acknowledge(through: records[end - 1].next)
                    index = end
                }
            }
            _ = last
        }
        spool.sync()
    }

    /// POSTs until it succeeds or the forwarder is stopping; returns whether it was delivered.
    private func post(database: String, body: [UInt8], down: inout Bool) -> Bool {
        var delay = 0.1
        while true {
            do {
                let path = "/write?db=\(database.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? database)&precision=ns"
                let response: UpstreamHTTPClient.Response
                do {
                    response = try client.post(path: path, body: body)
                } catch {
                    health?.failed("\(error)")
                    throw error
                }
                health?.answered(status: response.status)
                if response.status == 204 || response.status == 400 {
                    if down {
                        logger.notice("storage node reachable again; forwarding the spool", metadata: [
                            "upstream": "\(upstream)", "spooledBytes": "\(spool.pendingBytes)",
                        ])
                        down = false
                    }
                    if response.status == 400 {
                        logger.error("storage node rejected lines of a forwarded batch (good lines were stored)", metadata: [
                            "upstream": "\(upstream)", "message": "\(response.body.prefix(500))",
                        ])
                    }
                    state.withLock {
                        $0.stats.batches += 1
                        $0.stats.bytes += body.count
                        if response.status == 400 { $0.stats.rejectedBatches += 1 }
                    }
                    return true
                }
                throw ChargelineError(.io, "storage node answered \(response.status): \(response.body.prefix(200))")
            } catch {
                if !down {
                    logger.warning("storage node unreachable or failing; spooling telemetry on disk and retrying", metadata: [
                        "upstream": "\(upstream)", "error": "\(error)",
                    ])
                    down = true
                }
                state.withLock { $0.stats.retries += 1 }
                if stopping { return false }
                Thread.sleep(forTimeInterval: delay)
                delay = min(2, delay * 2)
            }
        }
    }
}

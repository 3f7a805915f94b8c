import ChargelineIngest
import Foundation
import NIOCore
import NIOPosix

/// What a worker reports back to the coordinator (one JSON line on stdout).
struct WorkerResult: Codable {
    var login: LatencyHistogram
    var heartbeat: LatencyHistogram
    var heartbeatSteady: LatencyHistogram
    var framesSent: Int
    var steadyFrames: Int
    var steadySeconds: Double
    var repliesReceived: Int
    var connects: Int
    var connectFailures: Int
    var logins: Int
    var loginsRejected: Int
    var disconnects: Int
    var transactionsSent: Int
    var transactionsAcked: Int
    var badFramesSent: Int
    var realtimeSent: Int
    /// OCPP only: MeterValues acknowledged (CALLRESULT).
    var realtimeAcked: Int? = nil
    var bmsSent: Int
    var rampSeconds: Double
    var rssKB: Int
    /// OCPP only: MeterValues reply latencies (whole run, after the ramp).
    var meterValues: LatencyHistogram? = nil
    var meterValuesSteady: LatencyHistogram? = nil
}

/// One simulator process: connects its share of the piles at the login rate from several
/// loopback source addresses, runs them for the duration, and reports.
final class SimWorker: @unchecked Sendable {
    let config: SimConfig
    let group: MultiThreadedEventLoopGroup
    let loop: any EventLoop
    let stats = SimStats()
    var encoder = YKCFrameEncoder()
    private var piles: [SimPile] = []
    private var nextToConnect = 0
    private var loggedInCount = 0
    private var stopping = false
    private let started = NIODeadline.now()
    /// 20 ms ticks: heartbeats leave within 20 ms of their phase.
    private static let tick = 0.02
    /// Wheel slots advanced so far.
    private var ticks = 0
    private lazy var heartbeats = SimWheel(interval: config.heartbeatSeconds, tick: Self.tick)
    private lazy var chargingReports = SimWheel(interval: config.realtimeSeconds, tick: Self.tick)
    private lazy var idleReports = SimWheel(interval: config.idleRealtimeSeconds, tick: Self.tick)

    /// Puts a logged-in pile on the heartbeat and report wheels.
    func schedule(_ pile: SimPile) {
        heartbeats.add(pile, epoch: pile.epoch)
        (pile.charging ? chargingReports : idleReports).add(pile, epoch: pile.epoch)
    }
    private var rampDone: NIODeadline?

    init(config: SimConfig) {
        self.config = config
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
    }

    func run() throws -> WorkerResult {
        let done = loop.makePromise(of: Void.self)
        try loop.submit { [self] in
            piles = (config.first..<config.end).map { SimPile(index: $0, config: config) }
            // The wheels turn by elapsed time: a tick that runs late advances several slots, so
            // a busy loop never stretches the 10 s heartbeat period.
            let wheelStart = NIODeadline.now()
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .nanoseconds(Int64(Self.tick * 1e9))) { [self] _ in
                let due = Int(Double((NIODeadline.now() - wheelStart).nanoseconds) / 1e9 / Self.tick)
                while ticks < due {
                    ticks += 1
                    heartbeats.advance { SimPileHandler.heartbeat($0, worker: self) }
                    chargingReports.advance { SimPileHandler.report($0, worker: self, seconds: config.realtimeSeconds) }
                    idleReports.advance { SimPileHandler.report($0, worker: self, seconds: config.idleRealtimeSeconds) }
                }
            }
            // Ramp: every 5 ms connect the piles due by now (by elapsed time, so a busy loop
            // catches up instead of falling behind, in bursts of at most 20 ms worth).
            let rampStart = NIODeadline.now()
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(5)) { [self] task in
                let elapsed = Double((NIODeadline.now() - rampStart).nanoseconds) / 1e9
                let due = min(piles.count, Int(elapsed * config.loginRate) + 1)
                var budget = max(1, Int(config.loginRate * 0.02))
                while nextToConnect < due && budget > 0 {
                    connect(piles[nextToConnect])
                    nextToConnect += 1
                    budget -= 1
                }
                if nextToConnect >= piles.count { task.cancel() }
            }
            // Finish `duration` after the ramp completed (or after a generous cap).
            loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .milliseconds(200)) { [self] task in
                let now = NIODeadline.now()
                if rampDone == nil && (loggedInCount >= piles.count - piles.filter(\.silent).count / 2 && nextToConnect >= piles.count) {
                    rampDone = now
                    stats.steady = true
                    stats.steadyStart = now
                }
                let rampLimit = Double(piles.count) / max(1, config.loginRate) * 3 + 60
                if rampDone == nil && now - started > .seconds(Int64(rampLimit)) {
                    rampDone = now
                    stats.steady = true
                    stats.steadyStart = now
                }
                if let r = rampDone, now - r >= .nanoseconds(Int64(config.duration * 1e9)) {
                    task.cancel()
                    stopping = true
                    for p in piles { p.channel?.close(promise: nil) }
                    loop.scheduleTask(in: .milliseconds(300)) { done.succeed() }
                }
            }
        }.wait()
        try done.futureResult.wait()
        let result = try loop.submit { [self] in
            WorkerResult(
                login: stats.login, heartbeat: stats.heartbeat, heartbeatSteady: stats.heartbeatSteady,
                framesSent: stats.framesSent, steadyFrames: stats.steadyFrames,
                steadySeconds: stats.steadyStart.map { Double((NIODeadline.now() - $0).nanoseconds) / 1e9 } ?? 0,
                repliesReceived: stats.repliesReceived, connects: stats.connects, connectFailures: stats.connectFailures,
                logins: stats.logins, loginsRejected: stats.loginsRejected, disconnects: stats.disconnects,
                transactionsSent: stats.transactionsSent, transactionsAcked: stats.transactionsAcked,
                badFramesSent: stats.badFramesSent, realtimeSent: stats.realtimeSent, bmsSent: stats.bmsSent,
                rampSeconds: rampDone.map { Double(($0 - started).nanoseconds) / 1e9 } ?? -1, rssKB: Self.rssKB())
        }.wait()
        try? group.syncShutdownGracefully()
        return result
    }

    func loggedIn(_ pile: SimPile) { loggedInCount += 1 }

    /// The target, resolved once (`connect(host:port:)` would run getaddrinfo and Happy
    /// Eyeballs for every pile, which slowed the login ramp more than the front-end did).
    private lazy var target: SocketAddress? = try? SocketAddress.makeAddressResolvingHost(config.host, port: config.port)
    private lazy var sourceAddresses: [SocketAddress] = (1...max(1, config.sources)).compactMap {
        try? SocketAddress(ipAddress: "127.0.0.\($0)", port: 0)
    }

    private func connect(_ pile: SimPile) {
        let source = "127.0.0.\(1 + pile.index % max(1, config.sources))"
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // IP_BIND_ADDRESS_NO_PORT (24): bind only the source address and let connect()
            // pick the port. Without it bind(port 0) searches the port range linearly against
            // every socket bound to the address, quadratic in piles (it was 95 % of the
            // simulator's CPU during a 15,000-pile ramp).
            .channelOption(ChannelOptions.Types.SocketOption(level: .ip, name: .init(rawValue: 24)), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SimPileHandler(pile: pile, worker: self))
                }
            }
        let bound = sourceAddresses.isEmpty ? bootstrap : bootstrap.bind(to: sourceAddresses[pile.index % sourceAddresses.count])
        let connecting = target.map { bound.connect(to: $0) } ?? bound.connect(host: config.host, port: config.port)
        connecting.whenFailure { [self] error in
            stats.connectFailures += 1
            if stats.connectFailures <= 5 || stats.connectFailures % 1000 == 0 {
                FileHandle.standardError.write(Data("pilesim: connect from \(source) failed: \(error)\n".utf8))
            }
            reconnectLater(pile)
        }
    }

    /// Reconnects a pile 2-5 s after it lost its connection (what firmware does).
    func reconnectLater(_ pile: SimPile) {
        guard !stopping else { return }
        let delay = Int64(2000 + pile.random.next() % 3000)
        loop.scheduleTask(in: .milliseconds(delay)) { [self] in
            if !stopping { connect(pile) }
        }
    }

    static func rssKB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}

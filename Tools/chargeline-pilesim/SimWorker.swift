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
    var bmsSent: Int
    var rampSeconds: Double
    var rssKB: Int
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
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .nanoseconds(Int64(Self.tick * 1e9))) { [self] _ in
                heartbeats.advance { SimPileHandler.heartbeat($0, worker: self) }
                chargingReports.advance { SimPileHandler.report($0, worker: self, seconds: config.realtimeSeconds) }
                idleReports.advance { SimPileHandler.report($0, worker: self, seconds: config.idleRealtimeSeconds) }
            }
            // Ramp: every 10 ms connect the piles due by now.
            var credit = 0.0
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(10)) { [self] task in
                credit += config.loginRate / 100
                while credit >= 1 && nextToConnect < piles.count {
                    connect(piles[nextToConnect])
                    nextToConnect += 1
                    credit -= 1
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

    private func connect(_ pile: SimPile) {
        let source = "127.0.0.\(1 + pile.index % max(1, config.sources))"
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SimPileHandler(pile: pile, worker: self))
                }
            }
        let bound = (try? SocketAddress(ipAddress: source, port: 0)).map { bootstrap.bind(to: $0) } ?? bootstrap
        bound.connect(host: config.host, port: config.port).whenFailure { [self] error in
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

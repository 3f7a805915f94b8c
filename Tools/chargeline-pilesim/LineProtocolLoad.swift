import Foundation
import NIOCore
import NIOPosix

/// `--protocol lp`: this worker's guns send one line of telemetry each every
/// `--realtime-seconds` over 4 TCP connections to the line-protocol listener, in writes of
/// `--lp-batch` lines. Reported as lines/s (line protocol has no replies to time).
struct LineProtocolLoad {
    let config: SimConfig
    let batch: Int

    func run() throws -> WorkerResult {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let channels = try (0..<4).map { i in
            try ClientBootstrap(group: group)
                .bind(to: try SocketAddress(ipAddress: "127.0.0.\(1 + i % max(1, config.sources))", port: 0))
                .connect(host: config.host, port: config.port).wait()
        }
        var random = Xoshiro(seed: config.seed &+ UInt64(config.first))
        var sent = 0
        let start = Date()
        var round = 0
        var volts = [Double](repeating: 380, count: config.end - config.first)
        while Date().timeIntervalSince(start) < config.duration {
            let roundStart = Date()
            var text = ""
            var lines = 0
            for (k, gun) in (config.first..<config.end).enumerated() {
                volts[k] += random.nextDouble() - 0.5
                let t = Int64(Date().timeIntervalSince1970 * 1e9)
                text += "telemetry,station=S\(gun / 20),pile=P\(gun / 2),gun=\(gun % 2 + 1) voltage=\(String(format: "%.1f", volts[k])),current=\(String(format: "%.1f", 100 + random.nextDouble() * 20)),temperature=35.5,soc=\(50 + gun % 40)i,energy=\(round),status=3i \(t)\n"
                lines += 1
                if lines == batch || k == config.end - config.first - 1 {
                    var buffer = channels[0].allocator.buffer(capacity: text.utf8.count)
                    buffer.writeString(text)
                    try channels[(sent / batch) % channels.count].writeAndFlush(buffer).wait()
                    sent += lines
                    text = ""
                    lines = 0
                }
            }
            round += 1
            let elapsed = Date().timeIntervalSince(roundStart)
            if elapsed < config.realtimeSeconds { Thread.sleep(forTimeInterval: config.realtimeSeconds - elapsed) }
        }
        for c in channels { try? c.close().wait() }
        let seconds = Date().timeIntervalSince(start)
        return WorkerResult(login: LatencyHistogram(), heartbeat: LatencyHistogram(), heartbeatSteady: LatencyHistogram(),
                            framesSent: sent, steadyFrames: sent, steadySeconds: seconds, repliesReceived: 0, connects: 4,
                            connectFailures: 0, logins: 0, loginsRejected: 0, disconnects: 0, transactionsSent: 0,
                            transactionsAcked: 0, badFramesSent: 0, realtimeSent: 0, bmsSent: 0, rampSeconds: 0, rssKB: SimWorker.rssKB())
    }
}

import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import Foundation
import Logging
import NIOCore

/// Tells the storage node which piles logged in on this gateway and closes the connections
/// of piles that have since logged in on another gateway (`POST /ykc/sessions`, see
/// `YKCSessionDirectory`). Runs on its own thread with its own connection to the node, every
/// 250 ms, so a pile that moves to another gateway process loses its old connection within
/// about half a second instead of at the heartbeat timeout.
///
/// While the node is unreachable claims wait (the old connection then goes at its heartbeat
/// timeout, as before); a node that restarted is recognised by its new `boot` identifier and
/// is sent every current session again.
final class YKCSessionAnnouncer: @unchecked Sendable {
    /// Claims per request: 20,000 codes are ~300 KB.
    static let maxClaimsPerRequest = 20_000
    static let period = 0.25

    private struct Answer: Decodable {
        var boot: String
        var evict: [String]
    }

    /// This gateway's name at the node: unique per process start.
    let name: String
    private let sessions: YKCSessionTable
    private let client: UpstreamHTTPClient
    private let logger: Logger
    private let stopping = Locked(false)
    private let done = DispatchSemaphore(value: 0)
    /// Piles closed because they logged in on another gateway.
    let evicted = Locked(0)

    /// Told each outcome of a call (`/ready`: the node is checked every 250 ms this way).
    private let health: GatewayUpstreamHealth?

    init(sessions: YKCSessionTable, host: String, port: Int, token: String? = nil, tls: UpstreamTLS? = nil,
         health: GatewayUpstreamHealth? = nil, logger: Logger) {
        self.sessions = sessions
        self.health = health
        self.client = UpstreamHTTPClient(host: host, port: port, timeoutSeconds: 10, token: token, tls: tls)
        self.logger = logger
        let host = ProcessInfo.processInfo.hostName
        self.name = "\(host)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "chargeline-sessions"
        thread.start()
    }

    func stop() {
        stopping.withLock { $0 = true }
        done.wait()
    }

    private func run() {
        var boot: String? = nil
        var claimAll = false
        var delay = Self.period
        var unsupportedLogged = false
        while !stopping.withLock({ $0 }) {
            let (claims, through) = sessions.takeClaims(limit: Self.maxClaimsPerRequest, all: claimAll)
            var body: [UInt8] = []
            body.reserveCapacity(claims.count * 15)
            for claim in claims {
                body += Array(YKCBytes.packedText(claim.pile, digits: 14).utf8)
                body.append(UInt8(ascii: "\n"))
            }
            do {
                let path = "/ykc/sessions?gateway=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)"
                let response: UpstreamHTTPClient.Response
                do {
                    response = try client.post(path: path, body: body)
                } catch {
                    health?.failed("\(error)")
                    throw error
                }
                health?.answered(status: response.status)
                guard response.status == 200 else {
                    sessions.requeue(claims)
                    if response.status == 404 && !unsupportedLogged {
                        unsupportedLogged = true
                        logger.warning("storage node does not track pile sessions (no /ykc/sessions); a pile that moves to another gateway keeps its old connection until the heartbeat timeout")
                    }
                    delay = response.status == 404 ? 30 : min(2, delay * 2)
                    sleep(delay)
                    continue
                }
                let answer = try JSONDecoder().decode(Answer.self, from: Data(response.body.utf8))
                claimAll = boot != nil && boot != answer.boot
                if claimAll {
                    logger.notice("storage node restarted; claiming this gateway's piles again", metadata: ["piles": "\(sessions.count)"])
                }
                boot = answer.boot
                var closed = 0
                for text in answer.evict {
                    guard let code = UInt64(text, radix: 16), let channel = sessions.evict(code, through: through) else { continue }
                    channel.pipeline.fireUserInboundEventTriggered(YKCReplacedEvent())
                    closed += 1
                }
                if closed > 0 {
                    evicted.withLock { $0 += closed }
                    logger.info("closed connections of piles that logged in on another gateway", metadata: ["piles": "\(closed)"])
                }
                delay = Self.period
                if claims.count < Self.maxClaimsPerRequest && !claimAll { sleep(delay) }
            } catch {
                sessions.requeue(claims)
                delay = min(2, delay * 2)
                sleep(delay)
            }
        }
    }

    /// Sleeps up to `seconds`, waking early when stopping.
    private func sleep(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !stopping.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.05) }
    }
}

public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// Sends alerts to receivers (Alertmanager API v2, plain webhooks) on its own tasks, so a slow
/// or down receiver never blocks evaluation: `send` only queues. Each receiver has a queue of
/// at most `maxQueued` bodies (the oldest is dropped past it, and counted) and one task that
/// posts them in order, retrying a failed post with back-off (1 s doubling to 30 s, at most
/// `maxAttempts` tries). Thread-safe.
public final class AlertNotifier: Sendable {
    /// Where alerts go.
    public struct Receiver: Sendable, Equatable {
        public enum Kind: String, Sendable { case alertmanager, webhook }
        public var kind: Kind
        /// For Alertmanager its base URL (`http://host:9093`); for a webhook the URL posted to.
        public var url: String

        public init(kind: Kind, url: String) {
            self.kind = kind
            self.url = url
        }

        /// The URL posted to.
        var endpoint: String {
            switch kind {
            case .alertmanager:
                let base = url.hasSuffix("/") ? String(url.dropLast()) : url
                return base.hasSuffix("/api/v2/alerts") ? base : base + "/api/v2/alerts"
            case .webhook: return url
            }
        }
    }

    /// Bodies queued per receiver before the oldest is dropped.
    public static let maxQueued = 256
    /// Tries per body before it is given up (logged).
    public static let maxAttempts = 8

    private let queues: [(Receiver, AsyncStream<String>.Continuation)]
    private let tasks: [Task<Void, Never>]
    private let counters = Counters()

    /// Starts one sending task per receiver.
    public init(receivers: [Receiver], logger: Logger, client: HTTPClient = .shared) {
        var queues: [(Receiver, AsyncStream<String>.Continuation)] = []
        var tasks: [Task<Void, Never>] = []
        let counters = counters
        for r in receivers {
            let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(Self.maxQueued))
            queues.append((r, continuation))
            tasks.append(Task.detached {
                for await body in stream {
                    await Self.deliver(body, to: r, client: client, logger: logger, counters: counters)
                }
            })
        }
        self.queues = queues
        self.tasks = tasks
    }

    /// Queues `alerts` for every receiver; returns at once.
    public func send(_ alerts: [AlertPayload.Alert]) {
        guard !alerts.isEmpty else { return }
        let am = queues.contains { $0.0.kind == .alertmanager } ? AlertPayload.alertmanager(alerts) : ""
        let hook = queues.contains { $0.0.kind == .webhook } ? AlertPayload.webhook(alerts) : ""
        for (r, q) in queues {
            if case .dropped = q.yield(r.kind == .alertmanager ? am : hook) { counters.add(dropped: 1) }
        }
    }

    /// Bodies delivered, given up after retries, and dropped from full queues.
    public var statistics: (sent: Int, failed: Int, dropped: Int) { counters.read() }

    /// Stops queuing; queued bodies are still tried until `timeout` seconds have passed.
    public func shutdown(timeout: Double = 5) async {
        for (_, q) in queues { q.finish() }
        let tasks = tasks
        let drained = Task { for t in tasks { await t.value } }
        let deadline = Task { try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9)); for t in tasks { t.cancel() } }
        await drained.value
        deadline.cancel()
    }

    private static func deliver(_ body: String, to r: Receiver, client: HTTPClient, logger: Logger, counters: Counters) async {
        var delay: UInt64 = 1_000_000_000
        for attempt in 1...maxAttempts {
            if Task.isCancelled { break }
            do {
                var request = HTTPClientRequest(url: r.endpoint)
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.headers.add(name: "user-agent", value: "chargeline-alerts")
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                guard (200..<300).contains(response.status.code) else {
                    throw RuleQueryError(message: "HTTP \(response.status.code)")
                }
                counters.add(sent: 1)
                return
            } catch {
                logger.warning("alert notification to \(r.endpoint) failed (try \(attempt) of \(maxAttempts)): \(error); retrying in \(delay / 1_000_000_000) s")
                if attempt == maxAttempts { break }
                try? await Task.sleep(nanoseconds: delay)
                delay = min(delay * 2, 30_000_000_000)
            }
        }
        counters.add(failed: 1)
        logger.error("gave up sending alerts to \(r.endpoint) after \(maxAttempts) tries; the next evaluation re-sends firing alerts")
    }
}

/// Delivery counters (thread-safe).
final class Counters: @unchecked Sendable {
    private let lock = NSLock()
    private var sent = 0, failed = 0, dropped = 0

    func add(sent s: Int = 0, failed f: Int = 0, dropped d: Int = 0) {
        lock.lock(); sent += s; failed += f; dropped += d; lock.unlock()
    }

    func read() -> (sent: Int, failed: Int, dropped: Int) {
        lock.lock(); defer { lock.unlock() }
        return (sent, failed, dropped)
    }
}

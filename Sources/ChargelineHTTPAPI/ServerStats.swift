import ChargelineFrontEnd

/// A snapshot of the server's counters since it started (the CLI prints these).
public struct ServerStats: Sendable, Equatable, CustomStringConvertible {
    /// HTTP requests answered (any path, any status).
    public var requests: Int = 0
    /// Points the sink confirmed stored (HTTP and TCP).
    public var pointsWritten: Int = 0
    /// Field values in those points.
    public var valuesWritten: Int = 0
    /// Lines that did not parse plus points the sink refused (HTTP and TCP).
    public var linesRejected: Int = 0
    /// Request-body and TCP bytes received, as sent on the wire (before gzip decompression).
    public var bytesReceived: Int = 0
    /// Connections refused because their listener was at its cap (HTTP and TCP).
    public var connectionsRefused: Int = 0
    /// HTTP connections closed for a header, body or idle timeout.
    public var connectionsTimedOut: Int = 0

    /// All-zero counters.
    public init() {}

    /// One line of `name=value` pairs, for logs and the CLI.
    public var description: String {
        "requests=\(requests) points=\(pointsWritten) values=\(valuesWritten) "
            + "rejectedLines=\(linesRejected) bytesReceived=\(bytesReceived) "
            + "connectionsRefused=\(connectionsRefused) connectionsTimedOut=\(connectionsTimedOut)"
    }
}

/// The live, thread-safe counters behind `ChargelineServer.stats`. Updated from every event
/// loop; one uncontended lock per request or batch, never per point.
final class StatsRecorder: Sendable {
    private let state = Locked(ServerStats())
    /// The Prometheus side of the same counts, labelled; nil when metrics are off.
    let metrics: ServerMetrics?

    init(metrics: ServerMetrics? = nil) {
        self.metrics = metrics
    }

    /// A consistent copy of all counters.
    var snapshot: ServerStats { state.withLock { $0 } }

    func countRequest(path: String, code: Int) {
        state.withLock { $0.requests += 1 }
        metrics?.countRequest(path: path, code: code)
    }
    /// A connection accepted over its listener's cap (`listener`: `http` or `line_protocol`).
    func countRefused(listener: String) {
        state.withLock { $0.connectionsRefused += 1 }
        metrics?.counter("chargeline_connections_refused_total", [("listener", listener)]).increment()
    }
    /// An HTTP connection closed by a timeout (`phase`: `header`, `body` or `idle`).
    func countTimeout(phase: String) {
        state.withLock { $0.connectionsTimedOut += 1 }
        metrics?.counter("chargeline_http_timeouts_total", [("timeout", phase)]).increment()
    }
    func countBytes(_ n: Int) { state.withLock { $0.bytesReceived += n } }
    /// `n` lines or points refused; `reason` is `parse` (did not parse), `refused` (the store
    /// refused the point, e.g. a field type conflict), `failed` (the write failed) or
    /// `too_long` (a TCP line over the limit).
    func countRejected(protocol name: String, reason: String, lines n: Int) {
        guard n > 0 else { return }
        state.withLock { $0.linesRejected += n }
        metrics?.countRejected(protocol: name, reason: reason, count: n)
    }
    func countStored(protocol name: String, database: String, points: Int, values: Int) {
        state.withLock {
            $0.pointsWritten += points
            $0.valuesWritten += values
        }
        metrics?.countStored(protocol: name, database: database, points: points, values: values)
    }
}

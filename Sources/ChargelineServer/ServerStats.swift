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

    /// All-zero counters.
    public init() {}

    /// One line of `name=value` pairs, for logs and the CLI.
    public var description: String {
        "requests=\(requests) points=\(pointsWritten) values=\(valuesWritten) "
            + "rejectedLines=\(linesRejected) bytesReceived=\(bytesReceived)"
    }
}

/// The live, thread-safe counters behind `ChargelineServer.stats`. Updated from every event
/// loop; one uncontended lock per request or batch, never per point.
final class StatsRecorder: Sendable {
    private let state = Locked(ServerStats())

    /// A consistent copy of all counters.
    var snapshot: ServerStats { state.withLock { $0 } }

    func countRequest() { state.withLock { $0.requests += 1 } }
    func countBytes(_ n: Int) { state.withLock { $0.bytesReceived += n } }
    func countRejected(lines n: Int) {
        guard n > 0 else { return }
        state.withLock { $0.linesRejected += n }
    }
    func countStored(points: Int, values: Int) {
        state.withLock {
            $0.pointsWritten += points
            $0.valuesWritten += values
        }
    }
}

import ChargelineFrontEnd

/// Counters of an OCPP front-end since start.
public struct OCPPStats: Sendable, Equatable, CustomStringConvertible {
    /// WebSocket connections open now.
    public var connections = 0
    /// Most connections open at once.
    public var peakConnections = 0
    /// Handshakes refused: wrong path, no `ocpp1.6` subprotocol, bad credentials, invalid id.
    public var handshakesRefused = 0
    /// BootNotifications answered Accepted, Pending and Rejected.
    public var bootsAccepted = 0
    public var bootsPending = 0
    public var bootsRejected = 0
    /// CALLs received, and CALLERRORs answered.
    public var calls = 0
    public var callErrors = 0
    /// Connections closed because the same charge point connected again.
    public var replaced = 0
    /// Points confirmed by the sink, and points lost.
    public var pointsStored = 0
    public var pointsDropped = 0
    /// Of `pointsDropped`, those refused by `max-series-per-database`.
    public var pointsOverSeriesQuota = 0

    /// All zero.
    public init() {}

    public var description: String {
        "connections=\(connections) peak=\(peakConnections) refused=\(handshakesRefused) boots=\(bootsAccepted)/"
            + "\(bootsPending)/\(bootsRejected) calls=\(calls) callErrors=\(callErrors) replaced=\(replaced) "
            + "pointsStored=\(pointsStored) pointsDropped=\(pointsDropped) pointsOverSeriesQuota=\(pointsOverSeriesQuota)"
    }
}

/// The live counters shared by every connection of a front-end.
final class OCPPStatsRecorder: TelemetryCounters {
    private let state = Locked(OCPPStats())

    var snapshot: OCPPStats { state.withLock { $0 } }

    func update(_ body: (inout OCPPStats) -> Void) { state.withLock { body(&$0) } }

    func connectionOpened() {
        state.withLock {
            $0.connections += 1
            $0.peakConnections = max($0.peakConnections, $0.connections)
        }
    }

    func pointsStored(_ count: Int) { update { $0.pointsStored += count } }

    func pointsDropped(_ count: Int) { update { $0.pointsDropped += count } }

    func pointsOverSeriesQuota(_ count: Int) { update { $0.pointsOverSeriesQuota += count } }
}

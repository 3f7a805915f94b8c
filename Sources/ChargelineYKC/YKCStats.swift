import ChargelineFrontEnd

/// Counters of a YKC front-end since start.
public struct YKCStats: Sendable, Equatable, CustomStringConvertible {
    /// Pile connections open now.
    public var connections = 0
    /// Highest number of connections open at once.
    public var peakConnections = 0
    /// Logins accepted.
    public var logins = 0
    /// Logins rejected (unknown pile under `reject`).
    public var loginsRejected = 0
    /// Connections closed because the same pile logged in on a new one.
    public var replaced = 0
    /// Connections closed for missed heartbeats or no login.
    public var timeouts = 0
    /// Good frames received.
    public var frames = 0
    /// Good frames received by frame type (index: the type byte, e.g. 0x13 realtime data);
    /// `frames` is their sum.
    public var framesByType = [Int](repeating: 0, count: 256)
    /// Replies sent.
    public var replies = 0
    /// Bad input: bad CRC, bad length, garbage, unknown type, undecodable payload.
    public var badFrames = 0
    /// Points handed to the sink and confirmed.
    public var pointsStored = 0
    /// Points lost: the sink failed, or the buffer for a slow sink was full.
    public var pointsDropped = 0
    /// Of `pointsDropped`, those refused by `max-series-per-database`.
    public var pointsOverSeriesQuota = 0
    /// Accepts that failed because the process ran out of file descriptors.
    public var acceptFailures = 0

    /// All zero.
    public init() {}

    public var description: String {
        "connections=\(connections) peak=\(peakConnections) logins=\(logins) rejected=\(loginsRejected) "
            + "replaced=\(replaced) timeouts=\(timeouts) frames=\(frames) replies=\(replies) badFrames=\(badFrames) "
            + "pointsStored=\(pointsStored) pointsDropped=\(pointsDropped) acceptFailures=\(acceptFailures)"
    }
}

/// The live counters, shared by every connection of a front-end.
final class YKCStatsRecorder: TelemetryCounters {
    private let state = Locked(YKCStats())

    var snapshot: YKCStats { state.withLock { $0 } }

    func update(_ body: (inout YKCStats) -> Void) { state.withLock { body(&$0) } }

    func connectionOpened() {
        state.withLock {
            $0.connections += 1
            $0.peakConnections = max($0.peakConnections, $0.connections)
        }
    }

    /// One good frame of `type` received.
    func frameReceived(type: UInt8) {
        state.withLock {
            $0.frames += 1
            $0.framesByType[Int(type)] += 1
        }
    }

    func pointsStored(_ count: Int) { update { $0.pointsStored += count } }

    func pointsDropped(_ count: Int) { update { $0.pointsDropped += count } }

    func pointsOverSeriesQuota(_ count: Int) { update { $0.pointsOverSeriesQuota += count } }
}

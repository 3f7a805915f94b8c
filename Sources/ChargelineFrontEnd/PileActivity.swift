/// When one kind of frame (telemetry or heartbeats) last arrived on a connection, sampled for
/// `pile_state`: at most one point per `period` while frames keep coming, and one more, stamped
/// with the newest frame, once they have stopped for a period (or the connection ends), so the
/// stored "last telemetry"/"last heartbeat" is exact for a pile that went quiet.
///
/// Times are wall-clock nanoseconds. Loop-confined, like the handler (YKC or OCPP) that owns it.
package struct PileActivity: Sendable {
    /// Frames since the last sample.
    private var pending = 0
    /// The newest pending frame's time.
    private var newest: Int64 = 0
    /// The last sample's time (`Int64.min`: none on this connection yet).
    private var sampled = Int64.min
    /// The sampling period (ns).
    package let period: Int64

    /// Samples at most once per `periodSeconds` while frames keep coming.
    package init(periodSeconds: Int) {
        period = Int64(max(0, periodSeconds)) * 1_000_000_000
    }

    /// A frame arrived at `now`; returns the sample to write (frame count, time) when one is due.
    package mutating func frame(at now: Int64) -> (count: Int, time: Int64)? {
        pending += 1
        newest = now
        guard sampled == .min || now &- sampled >= period else { return nil }
        return take()
    }

    /// The sample of frames not yet written, once none has come for a period (`force`: now,
    /// when the connection ends).
    package mutating func quiet(at now: Int64, force: Bool = false) -> (count: Int, time: Int64)? {
        guard pending > 0, force || now &- newest >= period else { return nil }
        return take()
    }

    private mutating func take() -> (count: Int, time: Int64) {
        defer { pending = 0; sampled = newest }
        return (pending, newest)
    }
}

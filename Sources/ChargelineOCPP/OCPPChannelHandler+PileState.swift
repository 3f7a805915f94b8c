import ChargelineFrontEnd
import ChargelineIngest

/// `pile_state` for a charge point, as the YKC front-end writes it for a pile (docs/schema.md):
/// the registry baseline at its first boot when none is stored, `connected=1 event="login"`
/// when a booted charge point is connected (an accepted BootNotification, or a connection of a
/// charge point that booted earlier in this process), sampled `telemetry` (MeterValues,
/// StatusNotification, StopTransaction) and `heartbeats` activity, each connector's `status`
/// when it changes, and at the end `connected=0` with why, each connector's status 0. Times
/// are the central system's receive times. Runs on the connection's event loop.
extension OCPPChannelHandler {
    /// The charge point is booted on this connection: its login, and its baseline when its
    /// state is not stored yet. Once per connection.
    func recordLogin() {
        guard booted, !loggedIn else { return }
        loggedIn = true
        let now = WallClock.nowNanoseconds()
        let key = keys.pileState
        let fresh = shared.baselines.insert(id, key: key)
        shared.batcher.add { b in
            if fresh { YKCPileStateWriter.addRegistered(pileKey: key, timestamp: now, to: &b) }
            YKCPileStateWriter.addLogin(pileKey: key, timestamp: now, to: &b)
        }
    }

    /// A message carrying telemetry arrived.
    func recordTelemetry() {
        guard loggedIn, let t = telemetryActivity.frame(at: WallClock.nowNanoseconds()) else { return }
        let key = keys.pileState
        shared.batcher.add { YKCPileStateWriter.addTelemetry(frames: t.count, pileKey: key, timestamp: t.time, to: &$0) }
    }

    /// A Heartbeat arrived.
    func recordHeartbeat() {
        guard loggedIn, let h = heartbeatActivity.frame(at: WallClock.nowNanoseconds()) else { return }
        let key = keys.pileState
        shared.batcher.add { YKCPileStateWriter.addHeartbeats(h.count, pileKey: key, timestamp: h.time, to: &$0) }
    }

    /// Connector `gun` reported status `code` (the gun codes of docs/schema.md): written when
    /// it differs from the last one written on this connection.
    func recordStatus(gun: Int, code: UInt8) {
        guard loggedIn, stateStatus[gun] != code else { return }
        stateStatus[gun] = code
        let now = WallClock.nowNanoseconds()
        let k = keys.gun(gun)
        shared.batcher.add { YKCPileStateWriter.addStatus(code, keys: k, timestamp: now, to: &$0) }
    }

    /// Activity that has stopped for a sample period: its last sample, stamped with the last
    /// message (called every period by the connection's timer).
    func recordQuiet() {
        guard loggedIn else { return }
        let now = WallClock.nowNanoseconds()
        let t = telemetryActivity.quiet(at: now), h = heartbeatActivity.quiet(at: now)
        guard t != nil || h != nil else { return }
        let key = keys.pileState
        shared.batcher.add { b in
            if let t { YKCPileStateWriter.addTelemetry(frames: t.count, pileKey: key, timestamp: t.time, to: &b) }
            if let h { YKCPileStateWriter.addHeartbeats(h.count, pileKey: key, timestamp: h.time, to: &b) }
        }
    }
}

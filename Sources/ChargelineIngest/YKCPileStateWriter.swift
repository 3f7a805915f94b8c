public import ChargelineCore

/// Points of the `pile_state` measurement (docs/schema.md): one point per transition of a
/// pile's state as the front-end sees it, so "which piles are connected, since when, when did
/// each last send telemetry or a heartbeat, what is each gun doing" is a query over stored data
/// (`SELECT latest(*) FROM pile_state GROUP BY station, pile, gun`).
///
/// Every field is either something the pile sent (a status code, a count of its frames) or an
/// event the front-end observed (a login, a connection that ended); nothing is filled in for
/// a pile that said nothing. Pile-level points go to `YKCSeriesKeys.pileState(pileText:info:)`,
/// gun status to `YKCSeriesKeys.pileState`.
public enum YKCPileStateWriter {
    private static func name(_ s: StaticString) -> UnsafeRawBufferPointer { YKCTelemetryWriter.name(s) }

    private static func addEvent(_ event: String, _ b: inout WriteBatchBuilder) {
        var event = event
        event.withUTF8 { b.addString(name: name("event"), UnsafeRawBufferPointer($0)) }
    }

    /// A pile the registry lists (written when the front-end starts, and for piles a registry
    /// reload adds) or an unlisted pile's first login in this process: `event="registered"`,
    /// `telemetry=0`. The zero count is the baseline "known since, no telemetry yet" from which a
    /// pile that never sends telemetry is found silent; no `connected` field, since the pile
    /// may be connected to another gateway process.
    public static func addRegistered(pileKey: [UInt8], timestamp: Int64, to b: inout WriteBatchBuilder) {
        YKCTelemetryWriter.withKey(pileKey, &b) { b in
            addEvent("registered", &b)
            b.addInteger(name: name("telemetry"), 0)
            b.endPoint(timestamp: timestamp)
        }
    }

    /// A pile logged in: `connected=1`, `event="login"`.
    public static func addLogin(pileKey: [UInt8], timestamp: Int64, to b: inout WriteBatchBuilder) {
        YKCTelemetryWriter.withKey(pileKey, &b) { b in
            b.addInteger(name: name("connected"), 1)
            addEvent("login", &b)
            b.endPoint(timestamp: timestamp)
        }
    }

    /// A logged-in pile's connection ended: `connected=0`, `event` = why (`closed`, `timeout`,
    /// `replaced`, `error`, `shutdown`), as in `connection`.
    public static func addDisconnect(reason: String, pileKey: [UInt8], timestamp: Int64, to b: inout WriteBatchBuilder) {
        YKCTelemetryWriter.withKey(pileKey, &b) { b in
            b.addInteger(name: name("connected"), 0)
            addEvent(reason, &b)
            b.endPoint(timestamp: timestamp)
        }
    }

    /// `frames` telemetry frames (0x13, 0x23, 0x25) arrived, the newest at `timestamp`:
    /// `telemetry=<frames>`. Its time is the pile's last telemetry.
    public static func addTelemetry(frames: Int, pileKey: [UInt8], timestamp: Int64, to b: inout WriteBatchBuilder) {
        YKCTelemetryWriter.withKey(pileKey, &b) { b in
            b.addInteger(name: name("telemetry"), Int64(frames))
            b.endPoint(timestamp: timestamp)
        }
    }

    /// `beats` heartbeats (0x03) arrived, the newest at `timestamp`: `heartbeats=<beats>`.
    /// Its time is the pile's last heartbeat.
    public static func addHeartbeats(_ beats: Int, pileKey: [UInt8], timestamp: Int64, to b: inout WriteBatchBuilder) {
        YKCTelemetryWriter.withKey(pileKey, &b) { b in
            b.addInteger(name: name("heartbeats"), Int64(beats))
            b.endPoint(timestamp: timestamp)
        }
    }

    /// A gun's 0x13 status changed (or was first seen after login): `status` with the
    /// protocol's codes (0 offline, 1 fault, 2 idle, 3 charging); `0` for each gun with a known
    /// status when its pile's connection ends. The point's time is "since when".
    public static func addStatus(_ status: UInt8, keys: YKCSeriesKeys, timestamp: Int64, to b: inout WriteBatchBuilder) {
        YKCTelemetryWriter.withKey(keys.pileState, &b) { b in
            b.addInteger(name: name("status"), Int64(status))
            b.endPoint(timestamp: timestamp)
        }
    }
}

import ChargelineCore

/// The canonical series keys one gun's points go to, built once per gun per session (and
/// again after a registry reload), so writing a point copies bytes instead of building a key.
///
/// Tags: `station`, `pile`, `gun` (as line-protocol telemetry uses them) plus the registry's
/// `operator`, `model` and `rated_kw` when set. See docs/schema.md.
public struct YKCSeriesKeys: Sendable {
    /// `telemetry,...,gun=N,...`: 0x13 data, heartbeat gun state, offline status.
    public let telemetry: [UInt8]
    /// `bms,...`: 0x23 and 0x25 data.
    public let bms: [UInt8]
    /// `transaction,...`: 0x3B records.
    public let transaction: [UInt8]
    /// `pile_state,...,gun=N,...`: the gun's status transitions (`YKCPileStateWriter`).
    public let pileState: [UInt8]

    /// Keys for gun `gun` of pile `pileText` with registry tags `info`.
    public init(pileText: String, gun: Int, info: YKCPileInfo) {
        var tags = info.tags
        tags["pile"] = pileText
        tags["gun"] = String(gun)
        telemetry = SeriesKey.make(measurement: "telemetry", tags: tags)
        bms = SeriesKey.make(measurement: "bms", tags: tags)
        transaction = SeriesKey.make(measurement: "transaction", tags: tags)
        pileState = SeriesKey.make(measurement: "pile_state", tags: tags)
    }

    /// The `connection` series of a pile (no gun tag): login and disconnect events.
    public static func connection(pileText: String, info: YKCPileInfo) -> [UInt8] {
        var tags = info.tags
        tags["pile"] = pileText
        return SeriesKey.make(measurement: "connection", tags: tags)
    }

    /// The pile-level `pile_state` series of a pile (no gun tag): registration, login,
    /// disconnect, telemetry and heartbeat activity (`YKCPileStateWriter`).
    public static func pileState(pileText: String, info: YKCPileInfo) -> [UInt8] {
        var tags = info.tags
        tags["pile"] = pileText
        return SeriesKey.make(measurement: "pile_state", tags: tags)
    }
}

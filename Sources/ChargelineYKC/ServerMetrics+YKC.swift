public import ChargelineFrontEnd

extension ServerMetrics {
    /// Sets the YKC metrics from a front-end's counters (read at scrape time, so the frame
    /// path only bumps its own counters): connections, logins by result, frames by type
    /// (`type="0x13"`: the frame's type byte; only types seen so far), bad frames, and the
    /// points it stored into `database`.
    public func record(ykc stats: YKCStats, database: String) {
        setGauge("chargeline_ykc_connections", to: Double(stats.connections))
        advanceCounter("chargeline_ykc_logins_total", [("result", "accepted")], to: stats.logins)
        advanceCounter("chargeline_ykc_logins_total", [("result", "rejected")], to: stats.loginsRejected)
        for (type, count) in stats.framesByType.enumerated() where count > 0 {
            advanceCounter("chargeline_ykc_frames_total", [("type", Self.frameTypeLabel(UInt8(type)))], to: count)
        }
        advanceCounter("chargeline_ykc_bad_frames_total",
                       to: stats.badFrames)
        advanceCounter("chargeline_ingest_points_total", [("protocol", "ykc"), ("db", database)], to: stats.pointsStored)
        // Points the series quota refused count under their own reason, not also as dropped.
        advanceCounter("chargeline_ingest_rejected_total", [("protocol", "ykc"), ("reason", "dropped")],
                       to: stats.pointsDropped - stats.pointsOverSeriesQuota)
        advanceCounter("chargeline_ingest_rejected_total", [("protocol", "ykc"), ("reason", "max_series")], to: stats.pointsOverSeriesQuota)
    }

    /// The `type` label of a YKC frame type byte: "0x" and two upper-case hex digits, as the
    /// protocol document and the bad-frame log name them.
    static func frameTypeLabel(_ type: UInt8) -> String {
        let hex = String(type, radix: 16, uppercase: true)
        return type < 0x10 ? "0x0" + hex : "0x" + hex
    }
}

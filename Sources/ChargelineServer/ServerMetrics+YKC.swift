extension ServerMetrics {
    /// Sets the YKC metrics from a front-end's counters (read at scrape time, so the frame
    /// path only bumps its own counters): connections, logins by result, frames, bad frames,
    /// and the points it stored into `database`.
    public func record(ykc stats: YKCStats, database: String) {
        setGauge("chargeline_ykc_connections", to: Double(stats.connections))
        advanceCounter("chargeline_ykc_logins_total", [("result", "accepted")], to: stats.logins)
        advanceCounter("chargeline_ykc_logins_total", [("result", "rejected")], to: stats.loginsRejected)
        advanceCounter("chargeline_ykc_frames_total", to: stats.frames)
        advanceCounter("chargeline_ykc_bad_frames_total",
                       to: stats.badFrames)
        advanceCounter("chargeline_ingest_points_total", [("protocol", "ykc"), ("db", database)], to: stats.pointsStored)
        advanceCounter("chargeline_ingest_rejected_total", [("protocol", "ykc"), ("reason", "dropped")], to: stats.pointsDropped)
    }
}

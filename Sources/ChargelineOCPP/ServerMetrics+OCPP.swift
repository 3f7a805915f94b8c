public import ChargelineFrontEnd

extension ServerMetrics {
    /// Sets the OCPP metrics from a front-end's counters (read at scrape time, so the message
    /// path only bumps its own counters): connections, refused handshakes, BootNotifications by
    /// answer, CALLs and CALLERRORs, connections replaced by a reconnect of the same charge
    /// point, and the points it stored into `database`.
    public func record(ocpp stats: OCPPStats, database: String) {
        setGauge("chargeline_ocpp_connections", to: Double(stats.connections))
        advanceCounter("chargeline_ocpp_handshakes_refused_total", to: stats.handshakesRefused)
        advanceCounter("chargeline_ocpp_boots_total", [("result", "accepted")], to: stats.bootsAccepted)
        advanceCounter("chargeline_ocpp_boots_total", [("result", "pending")], to: stats.bootsPending)
        advanceCounter("chargeline_ocpp_boots_total", [("result", "rejected")], to: stats.bootsRejected)
        advanceCounter("chargeline_ocpp_calls_total", to: stats.calls)
        advanceCounter("chargeline_ocpp_call_errors_total", to: stats.callErrors)
        advanceCounter("chargeline_ocpp_replaced_total", to: stats.replaced)
        advanceCounter("chargeline_ingest_points_total", [("protocol", "ocpp"), ("db", database)], to: stats.pointsStored)
        advanceCounter("chargeline_ingest_rejected_total", [("protocol", "ocpp"), ("reason", "dropped")],
                       to: stats.pointsDropped - stats.pointsOverSeriesQuota)
        advanceCounter("chargeline_ingest_rejected_total", [("protocol", "ocpp"), ("reason", "max_series")], to: stats.pointsOverSeriesQuota)
    }
}

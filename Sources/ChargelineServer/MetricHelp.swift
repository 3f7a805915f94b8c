/// The help text of every metric the server names, in one place: the registry refuses (and
/// stops the process on) two different texts for one name, so no call site writes its own.
enum MetricHelp {
    static func text(_ name: String) -> String { table[name] ?? name }

    static let table: [String: String] = [
        "chargeline_wal_fsync_seconds": "Time of each fdatasync of a WAL segment.",
        "chargeline_flush_seconds": "Time of each flush of an in-memory head to segments.",
        "chargeline_compaction_seconds": "Time of each compaction of one partition.",
        "chargeline_build_info": "Always 1; the version label names the running build.",
        "chargeline_connections_refused_total": "Connections refused because their listener was at its cap, by listener.",
        "chargeline_http_connections": "HTTP connections open now.",
        "chargeline_http_timeouts_total": "HTTP connections closed because a request head, a body or the next request did not come in time, by timeout.",
        "chargeline_line_protocol_connections": "Line-protocol TCP connections open now.",
        "chargeline_disk_bytes": "Bytes on disk, by database and kind (segments, rollups, wal).",
        "chargeline_head_bytes": "Bytes the in-memory heads hold.",
        "chargeline_head_series": "Series in the in-memory heads.",
        "chargeline_head_values": "Values in the in-memory heads (not yet in segments).",
        "chargeline_http_requests_total": "HTTP requests answered, by route and status code.",
        "chargeline_quota_refusals_total": "Requests refused by a quota (auto_create off, max_databases, max_ykc_claims), by quota.",
        "chargeline_auth_failures_total": "HTTP requests refused with auth on: 401 (no or wrong credentials), 403 (a privilege missing).",
        "chargeline_ingest_points_total": "Points stored, by ingest protocol and database.",
        "chargeline_ingest_rejected_total": "Lines or points refused, by ingest protocol and reason.",
        "chargeline_ingest_values_total": "Field values stored, by ingest protocol and database.",
        "chargeline_queries_rejected_total": "Queries refused, by reason (bad_request, error).",
        "chargeline_query_seconds": "Time to answer a /query request, by its first statement's kind.",
        "chargeline_retention_dropped_bytes_total": "Bytes retention has dropped, by database.",
        "chargeline_rollup_lag_seconds": "Seconds between now and the rollup watermark (hours before it are rolled up).",
        "chargeline_quarantined_segments": "Damaged segment files moved to <db>/quarantine/ (at start-up or by chargeline repair), by database; their rows are not served. See chargeline verify.",
        "chargeline_rollup_stale_buckets": "Hourly rollup buckets marked stale by late data and not yet recomputed.",
        "chargeline_spool_bytes": "Gateway: bytes of telemetry spooled on disk and not yet acknowledged by the storage node.",
        "chargeline_spool_oldest_seconds": "Gateway: age of the oldest telemetry in the spool not yet acknowledged by the storage node (0 when empty).",
        "chargeline_upstream_up": "Gateway: 1 while the storage node answers, 0 while it is unreachable or refuses the gateway.",
        "chargeline_segments": "Raw segment files, by database.",
        "chargeline_wal_bytes": "WAL bytes on disk, all databases.",
        "chargeline_ykc_bad_frames_total": "YKC input refused: bad CRC or length, garbage, unknown type, undecodable payload.",
        "chargeline_ykc_connections": "YKC pile connections open now.",
        "chargeline_ykc_frames_total": "Well-formed YKC frames received.",
        "chargeline_ykc_logins_total": "YKC logins, by result (accepted, rejected).",
    ]
}

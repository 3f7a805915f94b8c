import ChargelineFrontEnd
import ChargelineStorage
import Foundation

/// Sets the storage gauges of `/metrics` from `Store.statistics()` at each scrape.
enum StoreMetrics {
    /// Registers the collector on `metrics`.
    static func register(store: Store, on metrics: ServerMetrics) {
        // Storage's timers exist from the start, so a dashboard sees 0 rather than no series.
        for name in StorageMetricNames.timers {
            metrics.registerTimer(name)
        }
        metrics.addCollector { metrics in collect(store.statistics(), now: Date().timeIntervalSince1970, into: metrics) }
    }

    static func collect(_ databases: [DatabaseStatistics], now: Double, into metrics: ServerMetrics) {
        var series = 0, values = 0, bytes = 0, wal = 0
        for db in databases {
            series += db.headSeries
            values += db.headValues
            bytes += db.headBytes
            wal += db.walBytes
            let label = [("db", db.name)]
            metrics.setGauge("chargeline_segments", label, to: Double(db.segments))
            metrics.setGauge("chargeline_quarantined_segments", label, to: Double(db.quarantinedSegments))
            for (kind, size) in [("segments", db.segmentBytes), ("rollups", db.rollupBytes), ("wal", db.walBytes)] {
                metrics.setGauge("chargeline_disk_bytes", [("db", db.name), ("kind", kind)], to: Double(size))
            }
            metrics.setGauge("chargeline_rollup_stale_buckets", label,
                             to: Double(db.rollupStaleBuckets))
            if let watermark = db.rollupWatermark {
                metrics.setGauge("chargeline_rollup_lag_seconds", label,
                                 to: max(0, now - Double(watermark) / 1e9))
            }
            metrics.advanceCounter("chargeline_retention_dropped_bytes_total", label, to: db.retentionDroppedBytes)
        }
        metrics.setGauge("chargeline_head_series", to: Double(series))
        metrics.setGauge("chargeline_head_values", to: Double(values))
        metrics.setGauge("chargeline_head_bytes", to: Double(bytes))
        metrics.setGauge("chargeline_wal_bytes", to: Double(wal))
    }
}

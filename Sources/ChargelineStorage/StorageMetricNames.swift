import CoreMetrics

/// The names under which storage records its timings through `StorageOptions.metricsFactory`
/// (all durations, in seconds once exposed). Every name storage records lives here.
package enum StorageMetricNames {
    /// Each `fdatasync` of a WAL segment.
    package static let walFsync = "chargeline_wal_fsync_seconds"
    /// Each flush of a frozen head to segments (write, manifest swap, WAL trim).
    package static let flush = "chargeline_flush_seconds"
    /// Each compaction of one partition (retention rewrites included).
    package static let compaction = "chargeline_compaction_seconds"

    /// Every timer above, so an exporter can show each (at zero) before its first event.
    package static let timers = [walFsync, flush, compaction]

    /// Records `nanoseconds` under `label` when `options` has a factory. For rare events
    /// (flushes, compactions): it looks the timer up each time.
    static func record(_ label: String, nanoseconds: Int64, options: StorageOptions) {
        guard let factory = options.metricsFactory else { return }
        CoreMetrics.Timer(label: label, factory: factory).recordNanoseconds(nanoseconds)
    }
}

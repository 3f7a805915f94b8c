import ChargelineCore
public import CoreMetrics
public import Prometheus

/// The server's Prometheus metrics: counters the request and ingest paths bump, gauges the
/// scrape refreshes, and the text exposition at `GET /metrics`.
///
/// Cheap on hot paths: a counter is an atomic add, and labelled counters are looked up once
/// per request or batch (a dictionary under one short lock), never per point.
/// Thread-safe.
public final class ServerMetrics: Sendable {
    /// The registry everything here (and storage's timers, through a
    /// `PrometheusMetricsFactory` on it) is kept in.
    public let registry: PrometheusCollectorRegistry
    /// Called at the start of each scrape, to set gauges from other parts (storage, YKC).
    private let collectors = Locked<[@Sendable (ServerMetrics) -> Void]>([])
    private let counters = Locked<[String: Prometheus.Counter]>([:])
    /// The totals `advanceCounter` last raised each counter to.
    private let advanced = Locked<[String: Int]>([:])
    private let querySeconds = Locked<[String: DurationHistogram]>([:])
    private let process: ProcessMetrics

    /// Buckets for request and storage durations: 0.5 ms to 60 s.
    public static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// A registry with `chargeline_build_info{version}` = 1 and the process metrics.
    public init(version: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        registry.makeGauge(descriptor: Self.descriptor("chargeline_build_info"), labels: [("version", version)]).set(to: 1)
        process = ProcessMetrics(registry: registry)
    }

    /// A factory for storage's timers (swift-metrics API) that records into this registry.
    public var metricsFactory: any MetricsFactory {
        ChargelineMetricsFactory(registry: registry)
    }

    /// The registry's descriptor for `name`: the full name, with its `MetricHelp` text.
    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: MetricHelp.text(name))
    }

    /// Makes the duration histogram `name` (no labels) now, so it is exposed at zero before
    /// its first event; `metricsFactory`'s timers then record into it.
    public func registerTimer(_ name: String) {
        _ = registry.makeDurationHistogram(descriptor: Self.descriptor(name), buckets: Self.durationBuckets)
    }

    /// Adds a function each scrape calls first, to set gauges from its own state.
    public func addCollector(_ collector: @escaping @Sendable (ServerMetrics) -> Void) {
        collectors.withLock { $0.append(collector) }
    }

    /// The Prometheus text exposition of every metric, after running the collectors.
    public func scrape() -> [UInt8] {
        process.update()
        for collector in collectors.withLock({ $0 }) { collector(self) }
        return registry.emitToBuffer()
    }

    // MARK: Counters and gauges by name

    /// The counter `name{labels}`, made on first use.
    public func counter(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Counter {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        if let c = counters.withLock({ $0[key] }) { return c }
        let c = registry.makeCounter(descriptor: Self.descriptor(name), labels: labels)
        counters.withLock { $0[key] = c }
        return c
    }

    /// Sets the gauge `name{labels}` (made on first use; the registry keeps one per labels).
    public func setGauge(_ name: String, _ labels: [(String, String)] = [], to value: Double) {
        registry.makeGauge(descriptor: Self.descriptor(name), labels: labels).set(to: value)
    }

    /// Raises the counter `name{labels}` to `total` if `total` is higher: for totals another
    /// part keeps (YKC front-ends, storage's persisted figures), read at scrape time.
    public func advanceCounter(_ name: String, _ labels: [(String, String)] = [], to total: Int) {
        let c = counter(name, labels)
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let delta = advanced.withLock { seen -> Int in
            let d = total - (seen[key] ?? 0)
            if d > 0 { seen[key] = total }
            return d
        }
        if delta > 0 { c.increment(by: Int64(delta)) }
    }

    // MARK: The request and ingest paths

    /// One request refused by authentication (401) or authorization (403):
    /// `chargeline_auth_failures_total{code}`.
    package func countAuthFailure(status: Int) {
        counter("chargeline_auth_failures_total", [("code", String(status))]).increment()
    }

    /// One write refused by a quota: `chargeline_quota_refusals_total{quota}`.
    public func countQuotaRefusal(quota: String) {
        counter("chargeline_quota_refusals_total", [("quota", quota)]).increment()
    }

    /// One HTTP request answered: `chargeline_http_requests_total{path, code}`.
    package func countRequest(path: String, code: Int) {
        counter("chargeline_http_requests_total", [("path", path), ("code", String(code))]).increment()
    }

    /// Points stored: `chargeline_ingest_points_total` and `..._values_total` {protocol, db}.
    package func countStored(protocol name: String, database: String, points: Int, values: Int) {
        guard points > 0 else { return }
        counter("chargeline_ingest_points_total", [("protocol", name), ("db", database)]).increment(by: Int64(points))
        counter("chargeline_ingest_values_total", [("protocol", name), ("db", database)]).increment(by: Int64(values))
    }

    /// Lines or points refused: `chargeline_ingest_rejected_total{protocol, reason}`.
    package func countRejected(protocol name: String, reason: String, count: Int) {
        guard count > 0 else { return }
        counter("chargeline_ingest_rejected_total", [("protocol", name), ("reason", reason)]).increment(by: Int64(count))
    }

    /// One `/query` request answered in `nanoseconds`: `chargeline_query_seconds{kind}`.
    package func observeQuery(kind: String, nanoseconds: Int64) {
        let histogram = querySeconds.withLock { cache in
            if let h = cache[kind] { return h }
            let h = registry.makeDurationHistogram(
                descriptor: Self.descriptor("chargeline_query_seconds"), labels: [("kind", kind)], buckets: Self.durationBuckets)
            cache[kind] = h
            return h
        }
        histogram.record(.nanoseconds(nanoseconds))
    }

    /// A query refused before or while running: `chargeline_queries_rejected_total{reason}`.
    package func countQueryRejected(reason: String) {
        counter("chargeline_queries_rejected_total", [("reason", reason)]).increment()
    }
}

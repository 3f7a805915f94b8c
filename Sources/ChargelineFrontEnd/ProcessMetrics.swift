import Foundation
import Prometheus

/// The standard `process_*` metrics Prometheus' own client libraries export (resident memory,
/// CPU seconds, open files and their limit, start time), read from `/proc/self` at each scrape.
/// On a system without `/proc` they stay at 0.
final class ProcessMetrics: Sendable {
    private let residentMemory: Gauge
    private let virtualMemory: Gauge
    private let openFiles: Gauge
    private let maxFiles: Gauge
    private let startTime: Gauge
    private let cpuSeconds: Counter
    /// CPU time already added to `cpuSeconds` (clock ticks).
    private let cpuTicksSeen = Locked<Int>(0)

    init(registry: PrometheusCollectorRegistry) {
        residentMemory = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "process_resident_memory_bytes", unitName: "", helpText: "Resident memory size in bytes."))
        virtualMemory = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "process_virtual_memory_bytes", unitName: "", helpText: "Virtual memory size in bytes."))
        openFiles = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "process_open_fds", unitName: "", helpText: "Number of open file descriptors."))
        maxFiles = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "process_max_fds", unitName: "", helpText: "Maximum number of open file descriptors (soft limit)."))
        startTime = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "process_start_time_seconds", unitName: "", helpText: "Start time of the process since the Unix epoch in seconds."))
        cpuSeconds = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "process_cpu_seconds_total", unitName: "", helpText: "Total user and system CPU time spent in seconds."))
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maxFiles.set(to: Double(limit.rlim_cur)) }
        startTime.set(to: Self.startTimeSeconds() ?? Date().timeIntervalSince1970)
    }

    /// Reads `/proc/self/stat` and `/proc/self/fd` into the metrics.
    func update() {
        openFiles.set(to: Double((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0))
        guard let fields = Self.statFields() else { return }
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        // Fields after the command name, counted from 3 as in proc(5): utime 14, stime 15,
        // vsize 23, rss 24 (pages).
        func field(_ n: Int) -> Int { n - 3 < fields.count ? Int(fields[n - 3]) ?? 0 : 0 }
        virtualMemory.set(to: Double(field(23)))
        residentMemory.set(to: Double(field(24)) * page)
        let ticks = field(14) + field(15)
        let delta = cpuTicksSeen.withLock { seen -> Int in
            let d = ticks - seen
            if d > 0 { seen = ticks }
            return d
        }
        if delta > 0 { cpuSeconds.increment(by: Double(delta) / Double(sysconf(Int32(_SC_CLK_TCK)))) }
    }

    /// `/proc/self/stat` split after the command name (which may hold spaces), from field 3 on.
    private static func statFields() -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Boot time plus the process' start (field 22, clock ticks after boot).
    private static func startTimeSeconds() -> Double? {
        guard let fields = statFields(), fields.count > 19, let ticks = Double(fields[22 - 3]),
            let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return boot + ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

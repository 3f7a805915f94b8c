import ChargelineCore
import Foundation

/// `SHOW DIAGNOSTICS` and `SHOW STATS [FOR 'module']`: a small subset of InfluxDB 1.x's, in its
/// shape (one series per module, named after it), holding only what Chargeline measures.
extension MetadataExecutor {
    func diagnostics() -> [ResultSeries] {
        let info = ProcessInfo.processInfo
        let now = Date()
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "other"
        #endif
        let uptime = Int64(now.timeIntervalSince(engine.started) * 1e9)
        return [
            ResultSeries(name: "network", columns: ["hostname"], values: [[.string(info.hostName)]]),
            ResultSeries(name: "runtime", columns: ["arch", "cpus", "os"],
                         values: [[.string(arch), .integer(Int64(info.activeProcessorCount)), .string(info.operatingSystemVersionString)]]),
            ResultSeries(name: "system", columns: ["PID", "currentTime", "started", "uptime"],
                         values: [[.integer(Int64(info.processIdentifier)), .string(CivilTime(nanoseconds: Int64(now.timeIntervalSince1970 * 1e9)).rfc3339),
                                   .string(CivilTime(nanoseconds: Int64(engine.started.timeIntervalSince1970 * 1e9)).rfc3339),
                                   .string(Self.goDuration(uptime))]]),
        ]
    }

    func stats(module: String?) -> [ResultSeries] {
        var out: [ResultSeries] = []
        if module == nil || module == "database" {
            for s in engine.store.statistics() {
                out.append(ResultSeries(name: "database", tags: [.init("database", s.name)],
                                        columns: ["headSeries", "headValues", "headBytes", "walBytes", "segments", "segmentBytes",
                                                  "rollupSegments", "rollupBytes", "rollupStaleBuckets", "retentionDroppedBytes"],
                                        values: [[s.headSeries, s.headValues, s.headBytes, s.walBytes, s.segments, s.segmentBytes,
                                                  s.rollupSegments, s.rollupBytes, s.rollupStaleBuckets, s.retentionDroppedBytes].map { .integer(Int64($0)) }]))
            }
        }
        if module == nil || module == "queryExecutor" {
            out.append(ResultSeries(name: "queryExecutor", columns: ["queriesActive"], values: [[.integer(Int64(engine.running.list().count))]]))
        }
        return out
    }
}

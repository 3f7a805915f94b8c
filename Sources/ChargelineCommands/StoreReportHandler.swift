import ChargelineHTTPAPI
import ChargelineReports
import ChargelineStorage
import Dispatch
import Foundation

/// Answers `GET /report/daily` from the store, off the event loop (a report reads a day of
/// rollups, or of raw data where they do not cover it).
struct StoreReportHandler: ReportHandler {
    let store: Store

    func handle(kind: String, parameters: [String: String], completion: @escaping @Sendable (ReportResponse) -> Void) {
        guard kind == "daily" else {
            completion(.error("unknown report \(kind); this server answers /report/daily", status: 404))
            return
        }
        DispatchQueue.global().async { [store] in
            let query: DailyReportQuery
            do {
                query = try DailyReportQuery.parse(parameters)
            } catch {
                completion(.error("\(error)"))
                return
            }
            do {
                completion(ReportResponse(status: 200, contentType: query.contentType, body: try query.run(store: store)))
            } catch {
                completion(.error("\(error)", status: 500))
            }
        }
    }
}

/// Runs the scheduled export (`DailyReportExporter`) every `interval` on its own thread.
final class ReportExportService: @unchecked Sendable {
    private let exporter: DailyReportExporter
    private let interval: Double
    private let log: @Sendable (String, Bool) -> Void
    private let cond = NSCondition()
    private var stopping = false
    private var running = false

    init(exporter: DailyReportExporter, intervalSeconds: Double, log: @escaping @Sendable (String, Bool) -> Void) {
        self.exporter = exporter
        self.interval = intervalSeconds
        self.log = log
    }

    func start() {
        running = true
        let t = Thread { [self] in
            while true {
                cond.lock()
                if !stopping { _ = cond.wait(until: Date(timeIntervalSinceNow: interval)) }
                let stop = stopping
                cond.unlock()
                if stop { break }
                do {
                    for a in try exporter.tick() where a.kind != .unchanged {
                        log("report \(a.kind.rawValue): \(exporter.options.folder)/\(a.file)", false)
                    }
                } catch {
                    log("scheduled report export failed: \(error); it is retried at the next interval", true)
                }
            }
            cond.lock(); running = false; cond.broadcast(); cond.unlock()
        }
        t.name = "chargeline-report-export"
        t.start()
    }

    /// Stops the thread and waits for a tick in progress to finish.
    func stop() {
        cond.lock()
        stopping = true
        cond.broadcast()
        while running { cond.wait() }
        cond.unlock()
    }
}

import ChargelineHTTPAPI
import ChargelineStorage
import Dispatch
import Foundation
import Logging

/// Answers `POST /api/v1/snapshot` with `Store.snapshot()` (a folder under
/// `DATA/.snapshots/`), off the event loop. `serve` binds before the store is open, so the
/// store is attached later; until then the server's readiness gate answers 503.
final class StoreSnapshotHandler: SnapshotHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var store: Store?
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Serves snapshots of `store` from now on.
    func attach(_ store: Store) {
        lock.lock(); defer { lock.unlock() }
        self.store = store
    }

    func takeSnapshot(completion: @escaping @Sendable (ReportResponse) -> Void) {
        lock.lock()
        let store = self.store
        lock.unlock()
        guard let store else {
            completion(.error("the store is not open yet; retry shortly", status: 503))
            return
        }
        DispatchQueue.global().async { [logger] in
            do {
                var report = try store.snapshot()
                // Absolute, so a backup started from another working directory finds it.
                if !report.path.hasPrefix("/") {
                    report.path = FileManager.default.currentDirectoryPath + "/" + report.path
                }
                logger.info("snapshot \(report.id): \(report.files) files, \(report.bytes) bytes in \(Terminal.format(report.milliseconds, 1)) ms at \(report.path)")
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                completion(ReportResponse(status: 200, contentType: "application/json", body: Array(try encoder.encode(report))))
            } catch {
                logger.error("snapshot failed: \(error)")
                completion(.error("snapshot failed: \(error)", status: 500))
            }
        }
    }
}

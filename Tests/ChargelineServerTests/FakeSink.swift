import ChargelineCore
import ChargelineServer
import Foundation

/// An in-memory `IngestSink` that records batches and can delay completions, refuse points or fail.
final class FakeSink: IngestSink, @unchecked Sendable {
    struct Point: Equatable {
        var key: String
        var timestamp: Int64
        var fields: [String: FieldValue]
    }

    private let lock = NSLock()
    private var _writes: [(database: String, batch: WriteBatch)] = []
    private var _held: [@Sendable () -> Void] = []
    private var _databases: Set<String> = []
    /// When set, completions wait for `release()`.
    var delayCompletions: Bool {
        get { lock.withLock { _delay } }
        set { lock.withLock { _delay = newValue } }
    }
    private var _delay = false
    /// Point indices (per batch) to refuse, with the message.
    var reject: [Int: String] {
        get { lock.withLock { _reject } }
        set { lock.withLock { _reject = newValue } }
    }
    private var _reject: [Int: String] = [:]
    /// When set, every write fails with this.
    var failure: ChargelineError? {
        get { lock.withLock { _failure } }
        set { lock.withLock { _failure = newValue } }
    }
    private var _failure: ChargelineError?

    var writeCount: Int { lock.withLock { _writes.count } }
    var writes: [(database: String, batch: WriteBatch)] { lock.withLock { _writes } }

    /// Every point written so far, decoded.
    var points: [Point] {
        var out: [Point] = []
        for (_, batch) in writes {
            batch.forEachPoint { p in
                var fields: [String: FieldValue] = [:]
                p.forEachField { fields[$0.nameString] = $0.value }
                out.append(Point(key: String(decoding: p.seriesKey, as: UTF8.self), timestamp: p.timestamp, fields: fields))
            }
        }
        return out
    }

    func write(database: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        let outcome: WriteOutcome
        let delay: Bool
        lock.lock()
        _writes.append((database, batch))
        _databases.insert(database)
        if let failure = _failure {
            outcome = WriteOutcome(failure: failure)
        } else {
            outcome = WriteOutcome(rejected: _reject.filter { $0.key < batch.pointCount }.sorted { $0.key < $1.key }
                .map { (pointIndex: $0.key, message: $0.value) })
        }
        delay = _delay
        if delay { _held.append { completion(outcome) } }
        lock.unlock()
        if !delay { completion(outcome) }
    }

    /// Completes every held write (on this thread).
    func release() {
        let held = lock.withLock {
            defer { _held = [] }
            return _held
        }
        for complete in held { complete() }
    }

    func databases() -> [String] { lock.withLock { Array(_databases) } }

    func createDatabase(_ name: String) throws {
        _ = lock.withLock { _databases.insert(name) }
    }
}

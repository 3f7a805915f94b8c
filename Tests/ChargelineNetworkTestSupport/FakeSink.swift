package import ChargelineCore
import ChargelineFrontEnd
import Foundation

/// An in-memory `IngestSink` that records batches and can delay completions, refuse points or fail.
package final class FakeSink: IngestSink, @unchecked Sendable {
    /// One written point, decoded.
    package struct Point: Equatable {
        package var key: String
        package var timestamp: Int64
        package var fields: [String: FieldValue]

        /// A point.
        package init(key: String, timestamp: Int64, fields: [String: FieldValue]) {
            self.key = key
            self.timestamp = timestamp
            self.fields = fields
        }
    }

    /// A sink with nothing written, completing at once.
    package init() {}

    private let lock = NSLock()
    private var _writes: [(database: String, batch: WriteBatch)] = []
    private var _held: [@Sendable () -> Void] = []
    private var _databases: Set<String> = []
    /// When set, completions wait for `release()`.
    package var delayCompletions: Bool {
        get { lock.withLock { _delay } }
        set { lock.withLock { _delay = newValue } }
    }
    private var _delay = false
    /// Point indices (per batch) to refuse, with the message.
    package var reject: [Int: String] {
        get { lock.withLock { _reject } }
        set { lock.withLock { _reject = newValue } }
    }
    private var _reject: [Int: String] = [:]
    /// When set, every write fails with this.
    package var failure: ChargelineError? {
        get { lock.withLock { _failure } }
        set { lock.withLock { _failure = newValue } }
    }
    private var _failure: ChargelineError?

    /// Batches written so far.
    package var writeCount: Int { lock.withLock { _writes.count } }
    /// Every batch written so far, with its database.
    package var writes: [(database: String, batch: WriteBatch)] { lock.withLock { _writes } }

    /// Every point written so far, decoded.
    package var points: [Point] {
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

    package func write(database: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
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
    package func release() {
        let held = lock.withLock {
            defer { _held = [] }
            return _held
        }
        for complete in held { complete() }
    }

    package func databases() -> [String] { lock.withLock { Array(_databases) } }

    package func createDatabase(_ name: String) throws {
        _ = lock.withLock { _databases.insert(name) }
    }
}

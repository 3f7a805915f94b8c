package import ChargelineCore
package import Logging
import Dispatch
import NIOCore

/// What a `TelemetryBatcher` counts: points the sink confirmed and points lost. Each
/// front-end (YKC, OCPP) keeps its own counters.
package protocol TelemetryCounters: Sendable {
    /// `count` points were confirmed by the sink.
    func pointsStored(_ count: Int)
    /// `count` points were lost: the sink failed or refused them, or the buffer was full.
    func pointsDropped(_ count: Int)
    /// `count` points were refused by `max-series-per-database` (also counted as dropped).
    func pointsOverSeriesQuota(_ count: Int)
}

/// Collects the points every connection of a pile front-end (YKC, OCPP) decodes and hands them to the sink in batches, at
/// least every `flushMilliseconds`, so pile replies never wait for storage.
///
/// - Connections add points under one lock (one acquisition per frame, none per field).
/// - At most `maxInFlight` batches are at the sink; while the sink is slower than the piles,
///   points accumulate up to `maxBufferedBytes`, then new points are dropped and counted
///   (logged at most every 10 s). A gateway's sink is its spool, which answers at disk speed.
/// - `add(_:onDurable:)` flushes at once and calls back when the batch holding the point is
///   confirmed (or failed): the 0x40 transaction acknowledgement waits for that.
package final class TelemetryBatcher: Sendable {
    private struct State {
        var builder = WriteBatchBuilder(reservingCapacity: 64 << 10)
        var callbacks: [@Sendable (Bool) -> Void] = []
        var inFlight = 0
        var dropped = 0
        var lastDropLog: NIODeadline = .distantPast
        var closed = false
    }

    /// Two batches at the sink: one being made durable while the next gathers (group commit).
    private static let maxInFlight = 2

    private let state = Locked(State())
    private let sink: any IngestSink
    private let database: String
    private let maxBufferedBytes: Int
    private let stats: any TelemetryCounters
    private let label: String
    private let logger: Logger
    private let idle = Locked<[@Sendable () -> Void]>([])
    /// Where batches are handed to the sink, in the order they were taken.
    private let writer = DispatchQueue(label: "chargeline.telemetry-batcher")

    /// A batcher writing to `database` through `sink`; `label` names the front-end in logs ("YKC", "OCPP").
    package init(sink: any IngestSink, database: String, maxBufferedBytes: Int, stats: any TelemetryCounters,
                 label: String, logger: Logger) {
        self.label = label
        self.sink = sink
        self.database = database
        self.maxBufferedBytes = maxBufferedBytes
        self.stats = stats
        self.logger = logger
    }

    /// Adds the points `body` writes (it must complete every point it begins).
    /// - Returns: false when they were dropped because the buffer is full.
    @discardableResult
    package func add(_ body: (inout WriteBatchBuilder) -> Void) -> Bool {
        let dropped = state.withLock { s -> Int in
            guard s.builder.byteCount < maxBufferedBytes else {
                var scratch = WriteBatchBuilder()
                body(&scratch)
                s.dropped += scratch.count
                return scratch.count
            }
            body(&s.builder)
            return 0
        }
        guard dropped == 0 else {
            stats.pointsDropped(dropped)
            reportDrops()
            return false
        }
        return true
    }

    /// Adds points and flushes now; `onDurable(true)` once the sink confirmed them,
    /// `onDurable(false)` if they were dropped or the sink failed.
    package func add(_ body: (inout WriteBatchBuilder) -> Void, onDurable: @escaping @Sendable (Bool) -> Void) {
        let accepted = state.withLock { s -> Bool in
            guard s.builder.byteCount < maxBufferedBytes else { return false }
            body(&s.builder)
            s.callbacks.append(onDurable)
            return true
        }
        if accepted { flush() } else { onDurable(false) }
    }

    /// Hands what has gathered to the sink unless `maxInFlight` batches are already there.
    package func flush() {
        let taken = state.withLock { s -> (WriteBatch, [@Sendable (Bool) -> Void])? in
            guard s.builder.count > 0, s.inFlight < Self.maxInFlight else { return nil }
            s.inFlight += 1
            let batch = s.builder.finish()
            let callbacks = s.callbacks
            s.callbacks = []
            return (batch, callbacks)
        }
        guard let (batch, callbacks) = taken else { return }
        // The sink's write runs on the batcher's own queue: applying a batch to the head,
        // opening a database or waiting for room in the WAL must not hold up the event loop
        // (flush runs on it, from the flush task and for transaction records) whose piles wait
        // for their replies.
        writer.async { [self] in write(batch, callbacks) }
    }

    private func write(_ batch: WriteBatch, _ callbacks: [@Sendable (Bool) -> Void]) {
        sink.write(database: database, batch: batch) { [self] outcome in
            let ok = outcome.failure == nil
            if let failure = outcome.failure {
                logger.error("\(label) telemetry: sink failed, batch lost", metadata: [
                    "points": "\(batch.pointCount)", "error": "\(failure)",
                ])
                stats.pointsDropped(batch.pointCount)
            } else {
                for (index, message) in outcome.rejected.prefix(10) {
                    logger.warning("\(label) telemetry: store refused point", metadata: ["index": "\(index)", "error": "\(message)"])
                }
                if let drop = outcome.seriesQuotaDrop {
                    logger.warning("\(label) telemetry: store refused points", metadata: ["error": "\(drop.message)"])
                    stats.pointsOverSeriesQuota(drop.points)
                }
                stats.pointsStored(outcome.pointsStored(of: batch.pointCount))
                let lost = outcome.rejected.count + (outcome.seriesQuotaDrop?.points ?? 0)
                if lost > 0 { stats.pointsDropped(lost) }
            }
            for callback in callbacks { callback(ok) }
            let (more, waiters) = state.withLock { s -> (Bool, [@Sendable () -> Void]) in
                s.inFlight -= 1
                let drained = s.inFlight == 0 && s.builder.count == 0
                return (s.builder.count > 0 && s.inFlight == 0, drained ? idle.withLock { w in defer { w = [] }; return w } : [])
            }
            for waiter in waiters { waiter() }
            if more { flush() }
        }
    }

    /// Flushes everything and calls `done` once nothing is buffered or in flight.
    package func drain(_ done: @escaping @Sendable () -> Void) {
        let empty = state.withLock { s -> Bool in
            if s.inFlight == 0 && s.builder.count == 0 { return true }
            idle.withLock { $0.append(done) }
            return false
        }
        if empty { done() } else { flush() }
    }

    private func reportDrops() {
        let report = state.withLock { s -> Int? in
            let now = NIODeadline.now()
            guard now - s.lastDropLog > .seconds(10) else { return nil }
            s.lastDropLog = now
            defer { s.dropped = 0 }
            return s.dropped
        }
        guard let count = report else { return }
        logger.error("\(label) telemetry: the sink is behind and the buffer is full; dropping points", metadata: [
            "dropped": "\(count)", "limitBytes": "\(maxBufferedBytes)",
        ])
    }
}

package import ChargelineCore
import Dispatch

/// The gateway's `IngestSink`: renders each batch as line protocol and appends it to the
/// spool. Completion comes right after the append's `pwrite`, so pile replies that wait for
/// durability (0x40) wait for the local disk, never for the storage node.
///
/// The encoding and the `pwrite` run on one serial queue of their own, in the order batches
/// arrive, not on the event loop that flushes the batcher: a `pwrite` that waits on page
/// writeback would otherwise delay every heartbeat reply of the piles on that loop.
package struct SpoolSink: IngestSink {
    let spool: GatewaySpool
    private let queue = DispatchQueue(label: "chargeline.spool-append")

    /// A sink appending to `spool`.
    package init(spool: GatewaySpool) {
        self.spool = spool
    }

    /// Appends `batch` as line protocol on the sink's queue; `completion` runs after the append.
    package func write(database: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
        let spool = self.spool
        queue.async {
            var body: [UInt8] = []
            body.reserveCapacity(batch.bytes.count + batch.bytes.count / 2)
            LineProtocolEncoder.append(batch, to: &body)
            do {
                try spool.append(database: database, lineProtocol: body)
                completion(WriteOutcome())
            } catch let error as ChargelineError {
                completion(WriteOutcome(failure: error))
            } catch {
                completion(WriteOutcome(failure: ChargelineError(.io, "spool append failed: \(error)", cause: error)))
            }
        }
    }

    /// None: a spool holds no databases (the storage node does).
    package func databases() -> [String] { [] }

    /// Nothing to create: the storage node creates databases as writes reach it.
    package func createDatabase(_ name: String) throws {}
}

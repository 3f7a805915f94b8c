import ChargelineCore

/// The gateway's `IngestSink`: renders each batch as line protocol and appends it to the
/// spool. Completion comes right after the append's `pwrite`, so pile replies that wait for
/// durability (0x40) wait for the local disk, never for the storage node.
struct SpoolSink: IngestSink {
    let spool: GatewaySpool

    func write(database: String, batch: WriteBatch, completion: @escaping @Sendable (WriteOutcome) -> Void) {
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

    func databases() -> [String] { [] }

    func createDatabase(_ name: String) throws {}
}

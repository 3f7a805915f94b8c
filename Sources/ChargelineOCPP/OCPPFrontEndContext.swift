import ChargelineFrontEnd
import Logging

/// What every connection of one OCPP front-end shares.
struct OCPPFrontEndContext: Sendable {
    let configuration: OCPPConfiguration
    let directory: YKCPileDirectory
    let sessions: OCPPSessionTable
    let ledger: OCPPTransactionLedger
    let batcher: TelemetryBatcher
    let stats: OCPPStatsRecorder
    /// Charge points whose `pile_state` baseline is dealt with.
    let baselines: PileStateBaselines<String>
    let logger: Logger
}

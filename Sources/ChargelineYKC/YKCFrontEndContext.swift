import ChargelineFrontEnd
import ChargelineIngest
import Logging

/// What every YKC connection of one front-end shares.
struct YKCFrontEndContext: Sendable {
    let configuration: YKCConfiguration
    let directory: YKCPileDirectory
    let sessions: YKCSessionTable
    let batcher: TelemetryBatcher
    let stats: YKCStatsRecorder
    let sweepers: YKCSweepers
    let known: PileStateBaselines<UInt64>
    let logger: Logger
}

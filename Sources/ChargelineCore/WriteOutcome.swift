/// The result of storing a `WriteBatch`: points refused (field type conflicts), points the
/// series quota dropped, and, when the batch was not stored at all, the failure.
public struct WriteOutcome: Sendable {
    /// Points refused, by index in the batch (in batch order), with the reason.
    public var rejected: [(pointIndex: Int, message: String)]
    /// Set when nothing was stored (disk error, store closed).
    public var failure: ChargelineError?
    /// Points refused because they would have created a series past `max-series-per-database`
    /// (counted, not in `rejected`); nil when none was.
    public var seriesQuotaDrop: SeriesQuotaDrop?

    public init(rejected: [(pointIndex: Int, message: String)] = [], failure: ChargelineError? = nil,
                seriesQuotaDrop: SeriesQuotaDrop? = nil) {
        self.rejected = rejected
        self.failure = failure
        self.seriesQuotaDrop = seriesQuotaDrop
    }

    /// Points of a batch of `pointCount` points that were stored.
    public func pointsStored(of pointCount: Int) -> Int {
        failure != nil ? 0 : pointCount - rejected.count - (seriesQuotaDrop?.points ?? 0)
    }
}

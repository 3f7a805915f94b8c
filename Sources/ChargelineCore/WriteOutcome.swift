/// The result of storing a `WriteBatch`: points refused (field type conflicts) and, when the
/// batch was not stored at all, the failure.
public struct WriteOutcome: Sendable {
    /// Points refused, by index in the batch (in batch order), with the reason.
    public var rejected: [(pointIndex: Int, message: String)]
    /// Set when nothing was stored (disk error, store closed).
    public var failure: ChargelineError?

    public init(rejected: [(pointIndex: Int, message: String)] = [], failure: ChargelineError? = nil) {
        self.rejected = rejected
        self.failure = failure
    }
}

public import ChargelineCore

/// Requests the central system sends to connected charge points on behalf of the HTTP API
/// (`POST /ocpp/trigger`). The server knows nothing of OCPP; `serve` attaches the OCPP
/// front-end to `ChargelineServer.chargePoints` once it runs.
public protocol ChargePointControl: Sendable {
    /// Sends TriggerMessage for `message` (e.g. `MeterValues`, `StatusNotification`) to
    /// `chargePoint`, optionally for one connector, and calls `completion` exactly once, on any
    /// thread, with the status the charge point answered (`Accepted`, `Rejected`,
    /// `NotImplemented`) or the failure (`.notFound` when it is not connected).
    func trigger(chargePoint: String, message: String, connectorId: Int?,
                 completion: @escaping @Sendable (Result<String, ChargelineError>) -> Void)
}

/// Where the HTTP API finds the `ChargePointControl`, attached after the server started.
public final class ChargePointControlSlot: Sendable {
    private let current = Locked<(any ChargePointControl)?>(nil)

    /// An empty slot: `/ocpp/...` answers 404 until something is attached.
    public init() {}

    /// Attaches (or, with nil, detaches) the control.
    public func attach(_ control: (any ChargePointControl)?) { current.withLock { $0 = control } }

    /// The control attached now.
    public var control: (any ChargePointControl)? { current.withLock { $0 } }
}

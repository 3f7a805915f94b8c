import ChargelineFrontEnd

/// Answers `GET /api/v1/rules` and `GET /api/v1/alerts` in Prometheus' JSON shape. The server
/// knows nothing of rules: serve plugs in its rule manager.
public protocol RulesHandler: Sendable {
    /// The JSON body for `path` (`/api/v1/rules` or `/api/v1/alerts`). Called off the event
    /// loop; must not block long.
    func rulesAPI(path: String) -> String
}

/// Where `/api/v1/rules` and `/api/v1/alerts` go: empty (404, "no rules file") until serve
/// attaches its rule manager once storage is open. Thread-safe.
public final class RulesEndpoint: Sendable {
    private let handler = Locked<(any RulesHandler)?>(nil)

    public init() {}

    /// From now on the endpoint answers with `h`.
    public func attach(_ h: any RulesHandler) { handler.withLock { $0 = h } }

    /// The handler, nil before `attach`.
    var current: (any RulesHandler)? { handler.withLock { $0 } }
}

/// The points of one write that `max-series-per-database` refused: each would have created a
/// series past the database's quota. They are not listed one by one (an attack sends millions),
/// only counted, as InfluxDB 1.x does.
public struct SeriesQuotaDrop: Sendable, Equatable {
    /// Points refused.
    public var points: Int
    /// Field values those points carried.
    public var values: Int
    /// The quota (`max-series-per-database`).
    public var limit: Int

    public init(points: Int, values: Int, limit: Int) {
        self.points = points
        self.values = values
        self.limit = limit
    }

    /// InfluxDB 1.x's words for it, which clients match on:
    /// `max-series-per-database limit exceeded: (1000000) dropped=49`.
    public var message: String { "max-series-per-database limit exceeded: (\(limit)) dropped=\(points)" }
}

/// A transaction the central system handed an id to, as StartTransaction told it.
package struct OCPPTransaction: Sendable, Equatable {
    /// The id answered to StartTransaction.
    package var id: Int64
    /// The charge point that started it.
    package var chargePoint: String
    /// Its connector.
    package var connector: Int
    /// The idTag that started it.
    package var idTag: String?
    /// The meter register at the start, Wh (nil for a transaction known only from its stop).
    package var meterStart: Int64?
    /// The start time, ns since the epoch.
    package var startTime: Int64?

    package init(id: Int64, chargePoint: String, connector: Int, idTag: String?, meterStart: Int64?, startTime: Int64?) {
        self.id = id
        self.chargePoint = chargePoint
        self.connector = connector
        self.idTag = idTag
        self.meterStart = meterStart
        self.startTime = startTime
    }
}

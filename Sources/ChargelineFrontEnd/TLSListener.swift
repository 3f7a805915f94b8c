/// The listeners TLS can be switched on for, by the name flags and the `[tls] listeners` key use.
public enum TLSListener: String, Sendable, CaseIterable, Hashable {
    /// The HTTP API (InfluxDB `/write`, `/query`, `/metrics`, everything on that port): HTTPS.
    case http
    /// The raw line-protocol TCP listener.
    case lineProtocol = "line_protocol"
    /// OCPP charge points: `wss://`, security profile 2.
    case ocpp
    /// YKC piles. Off by default: most piles cannot speak TLS.
    case ykc

    /// What TLS covers when the listeners are not named: every listener but YKC.
    public static let defaults: Set<TLSListener> = [.http, .lineProtocol, .ocpp]
}

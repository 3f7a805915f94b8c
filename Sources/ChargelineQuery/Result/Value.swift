/// One cell of a result: InfluxDB's JSON value kinds plus `time`, which renders as RFC 3339 or
/// as an epoch number depending on the request.
public enum Value: Sendable, Equatable, Hashable {
    case null
    case float(Double)
    case integer(Int64)
    case unsigned(UInt64)
    case boolean(Bool)
    case string(String)
    /// A timestamp (ns since the epoch).
    case time(Int64)

    /// Numbers as `Double` (booleans and strings are nil).
    var number: Double? {
        switch self {
        case .float(let v): v
        case .integer(let v): Double(v)
        case .unsigned(let v): Double(v)
        default: nil
        }
    }

    var isNull: Bool { if case .null = self { return true } else { return false } }
}

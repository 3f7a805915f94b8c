/// The type of a field value, as in InfluxDB 1.x. The raw value is stored on disk (WAL
/// records, segment block headers, the manifest schema): never renumber a case.
public enum FieldType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// IEEE-754 binary64.
    case float = 0
    /// Signed 64-bit integer (line protocol `1i`).
    case integer = 1
    /// Unsigned 64-bit integer (line protocol `1u`).
    case unsigned = 2
    /// `true`/`false`.
    case boolean = 3
    /// UTF-8 bytes (line protocol `"..."`).
    case string = 4

    /// The name InfluxDB uses in `SHOW FIELD KEYS` and error messages.
    public var description: String {
        switch self {
        case .float: "float"
        case .integer: "integer"
        case .unsigned: "unsigned"
        case .boolean: "boolean"
        case .string: "string"
        }
    }
}

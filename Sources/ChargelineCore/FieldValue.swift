/// One typed field value. Used on read paths and in tests; the write hot path moves raw
/// bytes through `WriteBatch` instead and never builds these.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case float(Double)
    case integer(Int64)
    case unsigned(UInt64)
    case boolean(Bool)
    case string(String)

    /// The type tag of this value.
    public var type: FieldType {
        switch self {
        case .float: .float
        case .integer: .integer
        case .unsigned: .unsigned
        case .boolean: .boolean
        case .string: .string
        }
    }

    /// Numeric (float, integer, unsigned) values as `Double`; `nil` for the rest.
    public var doubleValue: Double? {
        switch self {
        case .float(let v): v
        case .integer(let v): Double(v)
        case .unsigned(let v): Double(v)
        case .boolean, .string: nil
        }
    }

    /// Builds a value from its type and its 64-bit payload as stored in `WriteBatch` and in
    /// column blocks (float bits, two's-complement integer, unsigned, 0/1 for booleans).
    public init(type: FieldType, bits: UInt64) {
        switch type {
        case .float: self = .float(Double(bitPattern: bits))
        case .integer: self = .integer(Int64(bitPattern: bits))
        case .unsigned: self = .unsigned(bits)
        case .boolean: self = .boolean(bits != 0)
        case .string: preconditionFailure("BUG: string values carry bytes, not bits")
        }
    }

    /// Line-protocol rendering (`1.5`, `3i`, `3u`, `true`, `"text"`).
    public var description: String {
        switch self {
        case .float(let v): "\(v)"
        case .integer(let v): "\(v)i"
        case .unsigned(let v): "\(v)u"
        case .boolean(let v): v ? "true" : "false"
        case .string(let v): "\"" + v.replacingBackslashEscapes() + "\""
        }
    }

    /// Exact equality that also treats two NaNs with the same bit pattern as equal, so a
    /// round trip can be checked bit for bit.
    public func isIdentical(to other: FieldValue) -> Bool {
        if case .float(let a) = self, case .float(let b) = other {
            return a.bitPattern == b.bitPattern
        }
        return self == other
    }
}

extension String {
    fileprivate func replacingBackslashEscapes() -> String {
        var out = ""
        for ch in self {
            if ch == "\"" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}

import ChargelineCore
package import Foundation

/// A CALL's or CALLRESULT's JSON object with checked accessors: a missing required field
/// throws OccurenceConstraintViolation, a wrong JSON type TypeConstraintViolation, a value
/// outside its set or too long PropertyConstraintViolation, each naming the field's path.
package struct OCPPPayload {
    /// The decoded object.
    package let object: [String: Any]
    /// Where it sits (`MeterValues.meterValue[0]`), for error messages.
    package let path: String

    /// Wraps `object`, found at `path`.
    package init(_ object: [String: Any], path: String) {
        self.object = object
        self.path = path
    }

    /// Whether a JSON number is really `true`/`false` (Foundation decodes both as NSNumber).
    static func isBoolean(_ n: NSNumber) -> Bool {
        n === kTrue || n === kFalse || String(cString: n.objCType) == "c"
    }
    private static let kTrue = NSNumber(value: true)
    private static let kFalse = NSNumber(value: false)

    private func missing(_ key: String) -> OCPPFailure {
        OCPPFailure(.occurenceConstraintViolation, "\(path).\(key) is required")
    }

    private func wrongType(_ key: String, _ expected: String) -> OCPPFailure {
        OCPPFailure(.typeConstraintViolation, "\(path).\(key) must be \(expected)")
    }

    /// A string field of at most `maxLength` characters; nil when absent.
    package func string(_ key: String, maxLength: Int = .max) throws(OCPPFailure) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let s = value as? String else { throw wrongType(key, "a string") }
        guard s.count <= maxLength else {
            throw OCPPFailure(.propertyConstraintViolation, "\(path).\(key) is longer than \(maxLength) characters")
        }
        return s
    }

    /// A required string field.
    package func requiredString(_ key: String, maxLength: Int = .max) throws(OCPPFailure) -> String {
        guard let s = try string(key, maxLength: maxLength) else { throw missing(key) }
        return s
    }

    /// A string field that must be one of `allowed`; nil when absent.
    package func enumeration(_ key: String, _ allowed: Set<String>) throws(OCPPFailure) -> String? {
        guard let s = try string(key) else { return nil }
        guard allowed.contains(s) else {
            throw OCPPFailure(.propertyConstraintViolation, "\(path).\(key) \"\(s)\" is not one of \(allowed.sorted().joined(separator: ", "))")
        }
        return s
    }

    /// An integer field; nil when absent.
    package func integer(_ key: String) throws(OCPPFailure) -> Int64? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let n = value as? NSNumber, !Self.isBoolean(n) else { throw wrongType(key, "an integer") }
        let d = n.doubleValue
        guard d.rounded() == d, abs(d) < 9.0e15 else { throw wrongType(key, "an integer") }
        return n.int64Value
    }

    /// A required integer field.
    package func requiredInteger(_ key: String) throws(OCPPFailure) -> Int64 {
        guard let n = try integer(key) else { throw missing(key) }
        return n
    }

    /// A date-time field (ISO 8601 / RFC 3339) as nanoseconds since the epoch; nil when absent.
    package func time(_ key: String) throws(OCPPFailure) -> Int64? {
        guard let s = try string(key) else { return nil }
        guard let ns = TimeParser.rfc3339(s) else {
            throw OCPPFailure(.propertyConstraintViolation, "\(path).\(key) \"\(s)\" is not an ISO 8601 date-time")
        }
        return ns
    }

    /// A required date-time field.
    package func requiredTime(_ key: String) throws(OCPPFailure) -> Int64 {
        guard let t = try time(key) else { throw missing(key) }
        return t
    }

    /// An array of objects; nil when absent.
    package func objects(_ key: String) throws(OCPPFailure) -> [OCPPPayload]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let array = value as? [Any] else { throw wrongType(key, "an array") }
        var out: [OCPPPayload] = []
        out.reserveCapacity(array.count)
        for (i, element) in array.enumerated() {
            guard let o = element as? [String: Any] else { throw wrongType("\(key)[\(i)]", "an object") }
            out.append(OCPPPayload(o, path: "\(path).\(key)[\(i)]"))
        }
        return out
    }

    /// A required, non-empty array of objects.
    package func requiredObjects(_ key: String) throws(OCPPFailure) -> [OCPPPayload] {
        guard let a = try objects(key) else { throw missing(key) }
        guard !a.isEmpty else { throw OCPPFailure(.occurenceConstraintViolation, "\(path).\(key) needs at least one element") }
        return a
    }

    /// The object as compact JSON text (DataTransfer's raw record).
    package var jsonText: String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

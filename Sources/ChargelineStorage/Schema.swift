package import ChargelineCore

/// The type of every field of every measurement in a database. A field keeps the type it was
/// first written with (as in InfluxDB 1.x); a point that disagrees is rejected as a whole.
/// Persisted in the manifest; rebuilt from the WAL for fields first seen after the last flush.
package struct Schema: Sendable, Equatable {
    package var measurements: [String: [String: FieldType]] = [:]

    package init() {}

    /// The type of `field` in `measurement`, if known.
    package func type(of field: String, in measurement: String) -> FieldType? {
        measurements[measurement]?[field]
    }

    /// Records the type of a new field.
    package mutating func record(_ field: String, _ type: FieldType, in measurement: String) {
        measurements[measurement, default: [:]][field] = type
    }

    /// InfluxDB's wording, so clients that match on it keep working.
    package static func conflictMessage(field: String, measurement: String, input: FieldType, existing: FieldType) -> String {
        "field type conflict: input field \"\(field)\" on measurement \"\(measurement)\" is type \(input), already exists as type \(existing)"
    }
}

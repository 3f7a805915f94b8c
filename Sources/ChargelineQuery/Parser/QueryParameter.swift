public import Foundation

/// The value of a bound parameter (`$name` in the query text): InfluxDB 1.x's `params=`, a
/// JSON object such as `{"pile":"P000001","limit":10}` as influxdb-python sends it.
///
/// A parameter stands where its value would be written: a string as a string literal, a number
/// as a number, a boolean as TRUE/FALSE; `{"identifier":"name"}` as a (quoted) identifier.
public enum QueryParameter: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    case identifier(String)

    /// Reads the `params` JSON object.
    /// - Throws: `QueryError` (syntax) naming what is wrong, when the text is not a JSON object
    ///   of strings, numbers, booleans or `{"identifier"|"string"|"integer"|"number"|"boolean": v}`.
    public static func parse(json text: String) throws -> [String: QueryParameter] {
        do {
            return try JSONDecoder().decode([String: Decoded].self, from: Data(text.utf8)).mapValues(\.value)
        } catch {
            throw QueryError(.syntax, "error parsing query parameters: params must be a JSON object of strings, numbers and booleans, such as {\"pile\":\"P000001\"}")
        }
    }

    private struct Decoded: Decodable {
        var value: QueryParameter

        private struct Typed: Decodable {
            var identifier: String?
            var string: String?
            var integer: Int64?
            var number: Double?
            var boolean: Bool?
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                value = .boolean(b)
            } else if let i = try? c.decode(Int64.self) {
                value = .integer(i)
            } else if let d = try? c.decode(Double.self) {
                value = .number(d)
            } else if let s = try? c.decode(String.self) {
                value = .string(s)
            } else {
                let t = try c.decode(Typed.self)
                if let v = t.identifier { value = .identifier(v) } else if let v = t.string { value = .string(v) }
                else if let v = t.integer { value = .integer(v) } else if let v = t.number { value = .number(v) }
                else if let v = t.boolean { value = .boolean(v) }
                else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a parameter value") }
            }
        }
    }
}

import Foundation

/// Renders the frames the central system sends. Payload dictionaries hold only JSON values
/// (String, Int, Double, Bool, arrays and dictionaries of them).
package enum OCPPEncoding {
    /// `[3, uniqueId, payload]`.
    package static func callResult(_ uniqueID: String, _ payload: [String: Any]) -> String {
        render([3, uniqueID, payload])
    }

    /// `[4, uniqueId, code, description, {}]`.
    package static func callError(_ uniqueID: String, _ failure: OCPPFailure) -> String {
        render([4, uniqueID, failure.code.rawValue, failure.message, [String: Any]()])
    }

    /// `[2, uniqueId, action, payload]`.
    package static func call(_ uniqueID: String, _ action: String, _ payload: [String: Any]) -> String {
        render([2, uniqueID, action, payload])
    }

    private static func render(_ value: [Any]) -> String {
        do {
            let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        } catch {
            preconditionFailure("BUG: OCPP reply is not JSON-serializable: \(error)")
        }
    }
}

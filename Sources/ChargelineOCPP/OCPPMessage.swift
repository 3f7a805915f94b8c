package import Foundation

/// One OCPP-J message (a JSON array in one WebSocket text frame), decoded.
///
/// Payloads are Foundation JSON objects (`[String: Any]`): read them through `OCPPPayload`,
/// which checks presence, type and range and turns mistakes into the right CALLERROR.
package enum OCPPMessage {
    /// `[2, uniqueId, action, payload]`: a request.
    case call(uniqueID: String, action: String, payload: OCPPPayload)
    /// `[3, uniqueId, payload]`: the answer to a CALL this side sent.
    case callResult(uniqueID: String, payload: OCPPPayload)
    /// `[4, uniqueId, errorCode, description, details]`: the error answer to a CALL this side sent.
    case callError(uniqueID: String, code: String, description: String)

    /// The uniqueId a CALLERROR answers when the frame's own cannot be read ("-1", as OCPP 2.0.1
    /// prescribes and 1.6 implementations commonly use).
    package static let unknownID = "-1"

    /// Longest uniqueId (OCPP-J: "maximum of 36 characters, to allow for GUIDs").
    package static let maxUniqueIDLength = 36

    /// Decodes one text frame.
    /// - Throws: `OCPPDecodeError` carrying the CALLERROR to answer and the uniqueId to answer it under.
    package static func decode(_ bytes: Data) throws(OCPPDecodeError) -> OCPPMessage {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: bytes, options: [])
        } catch {
            throw OCPPDecodeError(uniqueID: unknownID, OCPPFailure(.formationViolation, "the frame is not JSON"))
        }
        guard let array = json as? [Any] else {
            throw OCPPDecodeError(uniqueID: unknownID, OCPPFailure(.protocolError, "the frame is not a JSON array [type, uniqueId, ...]"))
        }
        guard array.count >= 3, let typeNumber = array[0] as? NSNumber, !OCPPPayload.isBoolean(typeNumber) else {
            throw OCPPDecodeError(uniqueID: unknownID, OCPPFailure(.protocolError,
                                                                    "the frame is not [messageTypeId, uniqueId, ...] with a numeric type"))
        }
        guard let uniqueID = array[1] as? String, !uniqueID.isEmpty, uniqueID.utf8.count <= maxUniqueIDLength else {
            throw OCPPDecodeError(uniqueID: unknownID, OCPPFailure(.protocolError, "uniqueId must be a string of 1-36 characters"))
        }
        switch typeNumber.doubleValue {
        case 2:
            guard array.count == 4 else {
                throw OCPPDecodeError(uniqueID: uniqueID, OCPPFailure(.protocolError, "a CALL has 4 elements, this one \(array.count)"))
            }
            guard let action = array[2] as? String else {
                throw OCPPDecodeError(uniqueID: uniqueID, OCPPFailure(.formationViolation, "the CALL's action is not a string"))
            }
            guard let payload = array[3] as? [String: Any] else {
                throw OCPPDecodeError(uniqueID: uniqueID, OCPPFailure(.formationViolation, "the \(action) payload is not a JSON object"))
            }
            return .call(uniqueID: uniqueID, action: action, payload: OCPPPayload(payload, path: action))
        case 3:
            guard array.count == 3, let payload = array[2] as? [String: Any] else {
                throw OCPPDecodeError(uniqueID: uniqueID, OCPPFailure(.protocolError, "a CALLRESULT is [3, uniqueId, {payload}]"))
            }
            return .callResult(uniqueID: uniqueID, payload: OCPPPayload(payload, path: "CALLRESULT"))
        case 4:
            guard array.count >= 4, let code = array[2] as? String else {
                throw OCPPDecodeError(uniqueID: uniqueID, OCPPFailure(.protocolError, "a CALLERROR is [4, uniqueId, code, description, {details}]"))
            }
            return .callError(uniqueID: uniqueID, code: code, description: array[3] as? String ?? "")
        default:
            // The `ocpp` package (mobilityhouse) answers an unknown type id this way; 1.6 has no
            // dedicated code (2.0.1 added MessageTypeNotSupported).
            throw OCPPDecodeError(uniqueID: uniqueID, OCPPFailure(.propertyConstraintViolation,
                                                                   "messageTypeId \(typeNumber) is not 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)"))
        }
    }
}

/// A frame that cannot be handled, with the CALLERROR that answers it.
package struct OCPPDecodeError: Error, Sendable, Equatable {
    /// The uniqueId to answer under (`OCPPMessage.unknownID` when unreadable).
    package var uniqueID: String
    /// The code and description.
    package var failure: OCPPFailure

    package init(uniqueID: String, _ failure: OCPPFailure) {
        self.uniqueID = uniqueID
        self.failure = failure
    }
}

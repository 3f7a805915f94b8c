/// The CALLERROR codes of OCPP 1.6J (section 4.2.3 of the JSON specification), spelled as on
/// the wire: `OccurenceConstraintViolation` keeps 1.6's misspelling, which charge points expect.
package enum OCPPErrorCode: String, Sendable, CaseIterable {
    /// The action is not known to this central system.
    case notImplemented = "NotImplemented"
    /// The action is known but not supported.
    case notSupported = "NotSupported"
    /// The central system failed while handling a valid request (storage, for one).
    case internalError = "InternalError"
    /// The message is not an OCPP message: not an array, missing elements, a second CALL in flight.
    case protocolError = "ProtocolError"
    /// The charge point is not allowed to do this now: a CALL before an accepted BootNotification.
    case securityError = "SecurityError"
    /// The frame is not JSON, or the CALL's action or payload has the wrong JSON type.
    case formationViolation = "FormationViolation"
    /// A field holds a value outside its allowed set or length (also an unknown message type id).
    case propertyConstraintViolation = "PropertyConstraintViolation"
    /// A required field is missing.
    case occurenceConstraintViolation = "OccurenceConstraintViolation"
    /// A field has the wrong JSON type (a string where a number belongs).
    case typeConstraintViolation = "TypeConstraintViolation"
    /// Anything else.
    case genericError = "GenericError"
}

/// Why a frame or a CALL's payload was refused: the CALLERROR to answer.
package struct OCPPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The CALLERROR code.
    package var code: OCPPErrorCode
    /// What was wrong, naming the field; sent as the CALLERROR's description.
    package var message: String

    /// A failure with `code` and `message`.
    package init(_ code: OCPPErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code.rawValue): \(message)" }
}

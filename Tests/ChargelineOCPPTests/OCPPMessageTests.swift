@testable import ChargelineOCPP
import Foundation
import Testing

/// Framing: every malformed frame gets the CALLERROR code and uniqueId the docs promise.
@Suite struct OCPPMessageTests {
    private func decode(_ text: String) throws(OCPPDecodeError) -> OCPPMessage {
        try OCPPMessage.decode(Data(text.utf8))
    }

    @Test func callDecodes() throws {
        guard case .call(let id, let action, let payload) = try decode(#"[2,"19223201","Heartbeat",{}]"#) else {
            Issue.record("not a call")
            return
        }
        #expect(id == "19223201")
        #expect(action == "Heartbeat")
        #expect(payload.object.isEmpty)
    }

    @Test(arguments: [
        ("{not json", "-1", OCPPErrorCode.formationViolation),
        (#"{"a":1}"#, "-1", .protocolError),
        (#"[2]"#, "-1", .protocolError),
        (#"["2","x","Heartbeat",{}]"#, "-1", .protocolError),
        (#"[2,"0123456789012345678901234567890123456","Heartbeat",{}]"#, "-1", .protocolError),
        (#"[5,"u1","Heartbeat",{}]"#, "u1", .propertyConstraintViolation),
        (#"[true,"u1","Heartbeat",{}]"#, "-1", .protocolError),
        (#"[2,"u2","Heartbeat"]"#, "u2", .protocolError),
        (#"[2,"u3",7,{}]"#, "u3", .formationViolation),
        (#"[2,"u4","Heartbeat",[]]"#, "u4", .formationViolation),
    ])
    func malformedFramesGetTheirCode(text: String, uniqueID: String, code: OCPPErrorCode) {
        #expect(throws: OCPPDecodeError.self) { try decode(text) }
        do {
            _ = try decode(text)
        } catch {
            #expect(error.uniqueID == uniqueID)
            #expect(error.failure.code == code)
        }
    }

    @Test func callErrorEncodesAsFiveElements() throws {
        let text = OCPPEncoding.callError("u1", OCPPFailure(.notImplemented, "Foo is not known"))
        #expect(text == #"[4,"u1","NotImplemented","Foo is not known",{}]"#)
        let result = OCPPEncoding.callResult("u2", ["status": "Accepted", "interval": 60])
        #expect(result == #"[3,"u2",{"interval":60,"status":"Accepted"}]"#)
    }

    @Test func payloadChecksTypesAndPresence() throws {
        let p = OCPPPayload(["connectorId": "1", "idTag": String(repeating: "x", count: 21), "flag": true], path: "StartTransaction")
        #expect(throws: OCPPFailure(.typeConstraintViolation, "StartTransaction.connectorId must be an integer")) {
            try p.requiredInteger("connectorId")
        }
        #expect(throws: OCPPFailure(.occurenceConstraintViolation, "StartTransaction.meterStart is required")) {
            try p.requiredInteger("meterStart")
        }
        #expect(throws: OCPPFailure(.propertyConstraintViolation, "StartTransaction.idTag is longer than 20 characters")) {
            try p.requiredString("idTag", maxLength: 20)
        }
        #expect(throws: OCPPFailure.self) { try p.integer("flag") }
    }
}

/// Security profile 1's salted hashes.
@Suite struct OCPPPasswordTests {
    @Test func verifiesOnlyTheRightPassword() {
        let stored = OCPPPassword.hash("s3cret", salt: "b1c2")
        // The value Python's hashlib gives (Tools/ocpp-check writes registries this way).
        #expect(stored == "sha256:b1c2:807c1deaf101d341c3ab58882bde03609f52dfff0ccfea7ceaaf90f4c69de56d")
        #expect(OCPPPassword.verify("s3cret", against: stored))
        #expect(!OCPPPassword.verify("s3cret ", against: stored))
        #expect(!OCPPPassword.verify("s3cret", against: "sha256:b1c3:" + stored.dropFirst(12)))
        #expect(!OCPPPassword.verify("", against: ""))
    }
}

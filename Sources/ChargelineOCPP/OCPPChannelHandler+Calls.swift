import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import Foundation
import NIOCore

/// The CALLs a charge point sends and their answers (docs/ocpp.md).
extension OCPPChannelHandler {
    static let stopReasons: Set<String> = ["EmergencyStop", "EVDisconnected", "HardReset", "Local", "Other", "PowerLoss", "Reboot",
                                           "Remote", "SoftReset", "UnlockCommand", "DeAuthorized"]

    func handleCall(uniqueID: String, action: String, payload: OCPPPayload) throws(OCPPFailure) {
        if action == "BootNotification" {
            try boot(uniqueID, payload)
            return
        }
        guard booted else {
            switch action {
            case "Heartbeat", "StatusNotification", "Authorize", "StartTransaction", "StopTransaction", "MeterValues", "DataTransfer",
                 "DiagnosticsStatusNotification", "FirmwareStatusNotification":
                throw OCPPFailure(.securityError, "\(action) before an accepted BootNotification: send BootNotification first")
            default:
                throw OCPPFailure(.notImplemented, "\(action) is not an action this central system knows")
            }
        }
        switch action {
        case "Heartbeat":
            reply(uniqueID, ["currentTime": Self.now()])
            recordHeartbeat()
        case "StatusNotification": try statusNotification(uniqueID, payload)
        case "Authorize":
            _ = try payload.requiredString("idTag", maxLength: 20)
            reply(uniqueID, ["idTagInfo": ["status": "Accepted"]])
        case "StartTransaction": try startTransaction(uniqueID, payload)
        case "StopTransaction": try stopTransaction(uniqueID, payload)
        case "MeterValues": try meterValues(uniqueID, payload)
        case "DataTransfer": try dataTransfer(uniqueID, payload)
        case "DiagnosticsStatusNotification", "FirmwareStatusNotification":
            _ = try payload.requiredString("status")
            reply(uniqueID, [:])
        default:
            throw OCPPFailure(.notImplemented, "\(action) is not an action this central system knows")
        }
    }

    func reply(_ uniqueID: String, _ payload: [String: Any]) {
        send(OCPPEncoding.callResult(uniqueID, payload))
    }

    /// Now in UTC to the millisecond: some charge point firmware rejects longer fractions.
    static func now() -> String {
        let ns = WallClock.nowNanoseconds()
        return CivilTime(nanoseconds: ns - ns % 1_000_000).rfc3339
    }

    private func connector(_ payload: OCPPPayload, minimum: Int64 = 0) throws(OCPPFailure) -> Int {
        let c = try payload.requiredInteger("connectorId")
        guard c >= minimum, c <= 1000 else {
            throw OCPPFailure(.propertyConstraintViolation, "\(payload.path).connectorId \(c) is outside \(minimum)...1000")
        }
        return Int(c)
    }

    // MARK: Boot

    private func boot(_ uniqueID: String, _ payload: OCPPPayload) throws(OCPPFailure) {
        let vendor = try payload.requiredString("chargePointVendor", maxLength: 20)
        let model = try payload.requiredString("chargePointModel", maxLength: 20)
        let firmware = try payload.string("firmwareVersion", maxLength: 50)
        // Re-read the registry: an entry added since the connection opened counts at once.
        let (registered, _) = shared.directory.registered(id: id)
        if let registered, registered != info {
            info = registered
            keys = OCPPSeriesKeys(id: id, info: registered)
        }
        let status: String
        if info != nil || shared.configuration.unknownChargePoints == .accept {
            status = "Accepted"
        } else {
            status = shared.configuration.unknownChargePoints == .pending ? "Pending" : "Rejected"
        }
        let accepted = status == "Accepted"
        booted = accepted
        shared.sessions.setBooted(id, accepted)
        shared.stats.update {
            switch status {
            case "Accepted": $0.bootsAccepted += 1
            case "Pending": $0.bootsPending += 1
            default: $0.bootsRejected += 1
            }
        }
        let interval = accepted ? shared.configuration.heartbeatIntervalSeconds : shared.configuration.retryIntervalSeconds
        reply(uniqueID, ["status": status, "currentTime": Self.now(), "interval": interval])
        guard accepted else {
            shared.logger.notice("BootNotification of an unregistered charge point answered \(status)", metadata: [
                "chargePoint": "\(id)", "peer": "\(peer)", "vendor": "\(vendor)", "model": "\(model)",
            ])
            return
        }
        let now = WallClock.nowNanoseconds()
        let key = keys.connection
        let peer = self.peer
        shared.batcher.add { OCPPTelemetryWriter.addBoot(vendor: vendor, model: model, firmware: firmware, peer: peer, key: key,
                                                         timestamp: now, to: &$0) }
        recordLogin()
        for (k, v) in shared.configuration.configurationAfterBoot {
            call("ChangeConfiguration", ["key": k, "value": v]) { [shared, id] result in
                switch result {
                case .success(let answer):
                    let status = (try? answer.string("status")) ?? nil
                    shared.logger.info("ChangeConfiguration answered", metadata: [
                        "chargePoint": "\(id)", "key": "\(k)", "value": "\(v)", "status": "\(status ?? "?")",
                    ])
                case .failure(let failure):
                    shared.logger.warning("ChangeConfiguration failed", metadata: [
                        "chargePoint": "\(id)", "key": "\(k)", "error": "\(failure)",
                    ])
                }
            }
        }
    }

    // MARK: Status and telemetry

    private func statusNotification(_ uniqueID: String, _ payload: OCPPPayload) throws(OCPPFailure) {
        let gun = try connector(payload)
        let errorCode = try payload.enumeration("errorCode", OCPPConnectorStatus.errorCodes)
        guard let errorCode else { throw OCPPFailure(.occurenceConstraintViolation, "StatusNotification.errorCode is required") }
        guard let statusText = try payload.enumeration("status", Set(OCPPConnectorStatus.allCases.map(\.rawValue))),
              let status = OCPPConnectorStatus(rawValue: statusText) else {
            throw OCPPFailure(.occurenceConstraintViolation, "StatusNotification.status is required")
        }
        let info = try payload.string("info", maxLength: 50)
        let vendorErrorCode = try payload.string("vendorErrorCode", maxLength: 50)
        _ = try payload.string("vendorId", maxLength: 255)
        let timestamp = try payload.time("timestamp") ?? WallClock.nowNanoseconds()
        let key = keys.gun(gun).telemetry
        guard shared.batcher.add({ OCPPTelemetryWriter.addStatus(status, errorCode: errorCode, info: info,
                                                                 vendorErrorCode: vendorErrorCode, key: key, timestamp: timestamp, to: &$0) })
        else { throw OCPPFailure(.internalError, "the central system is overloaded; send StatusNotification again later") }
        reply(uniqueID, [:])
        recordTelemetry()
        recordStatus(gun: gun, code: UInt8(truncatingIfNeeded: status.code))
    }

    private func meterValues(_ uniqueID: String, _ payload: OCPPPayload) throws(OCPPFailure) {
        let gun = try connector(payload)
        let transactionID = try payload.integer("transactionId")
        let values = try payload.requiredObjects("meterValue").map { (v) throws(OCPPFailure) in try OCPPMeterValue(v) }
        let key = keys.gun(gun).telemetry
        guard shared.batcher.add({ b in
            for m in values { OCPPTelemetryWriter.add(m, transactionID: transactionID, key: key, to: &b) }
        }) else { throw OCPPFailure(.internalError, "the central system is overloaded; send MeterValues again later") }
        reply(uniqueID, [:])
        recordTelemetry()
    }

    private func dataTransfer(_ uniqueID: String, _ payload: OCPPPayload) throws(OCPPFailure) {
        let vendorID = try payload.requiredString("vendorId", maxLength: 255)
        let messageID = try payload.string("messageId", maxLength: 50)
        var data: String?
        if let raw = payload.object["data"], !(raw is NSNull) {
            data = raw as? String ?? OCPPPayload(["data": raw], path: "").jsonText
        }
        let now = WallClock.nowNanoseconds()
        let key = keys.dataTransfer
        guard shared.batcher.add({ OCPPTelemetryWriter.addDataTransfer(vendorID: vendorID, messageID: messageID, data: data, key: key,
                                                                       timestamp: now, to: &$0) })
        else { throw OCPPFailure(.internalError, "the central system is overloaded; send DataTransfer again later") }
        reply(uniqueID, ["status": "Accepted"])
    }

    // MARK: Transactions

    private func startTransaction(_ uniqueID: String, _ payload: OCPPPayload) throws(OCPPFailure) {
        let gun = try connector(payload, minimum: 1)
        let idTag = try payload.requiredString("idTag", maxLength: 20)
        let meterStart = try payload.requiredInteger("meterStart")
        let timestamp = try payload.requiredTime("timestamp")
        _ = try payload.integer("reservationId")
        guard let context else { return }
        busy = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let t = OCPPTransaction(id: 0, chargePoint: id, connector: gun, idTag: idTag, meterStart: meterStart, startTime: timestamp)
        shared.ledger.start(t) { result in
            loop.execute {
                let handler = bound.value
                handler.busy = false
                switch result {
                case .success(let t):
                    handler.reply(uniqueID, ["transactionId": t.id, "idTagInfo": ["status": "Accepted"]])
                case .failure(let error):
                    handler.shared.logger.error("StartTransaction not recorded", metadata: ["chargePoint": "\(handler.id)", "error": "\(error)"])
                    handler.reject(uniqueID, OCPPFailure(.internalError, "the transaction could not be recorded; try again"))
                }
            }
        }
    }

    /// Stores transactionData and the `transaction` point, waits until the sink confirms them,
    /// then records the stop in the ledger and answers. If storing fails, the CALLERROR makes
    /// the charge point send StopTransaction again (it queues transaction messages until answered).
    private func stopTransaction(_ uniqueID: String, _ payload: OCPPPayload) throws(OCPPFailure) {
        let transactionID = try payload.requiredInteger("transactionId")
        let meterStop = try payload.requiredInteger("meterStop")
        let timestamp = try payload.requiredTime("timestamp")
        let idTag = try payload.string("idTag", maxLength: 20)
        let reason = try payload.enumeration("reason", Self.stopReasons)
        let data = try (payload.objects("transactionData") ?? []).map { (v) throws(OCPPFailure) in try OCPPMeterValue(v) }
        guard let context else { return }
        let known = shared.ledger.transaction(transactionID)
        let t = known ?? OCPPTransaction(id: transactionID, chargePoint: id, connector: 0, idTag: idTag, meterStart: nil, startTime: nil)
        let gunKeys = keys.gun(t.connector)
        if !data.isEmpty { recordTelemetry() }
        busy = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let ledger = shared.ledger
        shared.batcher.add({ b in
            for m in data { OCPPTelemetryWriter.add(m, transactionID: transactionID, key: gunKeys.telemetry, to: &b) }
            OCPPTelemetryWriter.addTransaction(t, meterStop: meterStop, stopTime: timestamp, reason: reason, key: gunKeys.transaction, to: &b)
        }, onDurable: { ok in
            guard ok else {
                loop.execute {
                    let handler = bound.value
                    handler.busy = false
                    handler.reject(uniqueID, OCPPFailure(.internalError, "the transaction could not be stored; send StopTransaction again"))
                }
                return
            }
            ledger.stop(transactionID) { _ in
                loop.execute {
                    let handler = bound.value
                    handler.busy = false
                    handler.reply(uniqueID, idTag == nil ? [:] : ["idTagInfo": ["status": "Accepted"]])
                }
            }
        })
    }
}

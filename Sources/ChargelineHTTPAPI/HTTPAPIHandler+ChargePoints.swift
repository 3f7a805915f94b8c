import ChargelineCore
import ChargelineFrontEnd
import NIOCore

extension HTTPAPIHandler {
    /// The messages TriggerMessage may ask for (OCPP 1.6 MessageTrigger).
    static let triggerableMessages: Set<String> = ["BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
                                                   "Heartbeat", "MeterValues", "StatusNotification"]

    /// `POST /ocpp/trigger?chargePoint=ID&message=MeterValues[&connectorId=N]`: sends
    /// TriggerMessage and answers 200 `{"status":"Accepted"}` with the charge point's answer;
    /// 404 when OCPP is off or the charge point is not connected, 502 for a CALLERROR or no answer.
    func handleOCPPTrigger(chargePoint: String, message: String, connectorId: Int?, context: ChannelHandlerContext) {
        guard Self.triggerableMessages.contains(message) else {
            respond(status: 400, json: JSON.error("message \(JSON.quoteForMessage(message)) cannot be triggered; use one of "
                                                  + Self.triggerableMessages.sorted().joined(separator: ", ")), context: context)
            return
        }
        guard let control = api.chargePoints.control else {
            respond(status: 404, json: JSON.error("OCPP is off on this server (serve --ocpp HOST:PORT)"), context: context)
            return
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        control.trigger(chargePoint: chargePoint, message: message, connectorId: connectorId) { result in
            loop.execute {
                let (handler, context) = bound.value
                switch result {
                case .success(let status):
                    handler.respond(status: 200, json: "{\"status\":\(JSON.string(status))}", context: context)
                case .failure(let error):
                    handler.respond(status: error.code == .notFound ? 404 : 502, json: JSON.error(error.message), context: context)
                }
            }
        }
    }
}

import ChargelineFrontEnd
import Dispatch
import NIOCore

extension HTTPAPIHandler {
    /// `GET /api/v1/rules`, `/api/v1/alerts`: the rule manager's answer, built off the event loop.
    func handleRules(path: String, context: ChannelHandlerContext) {
        guard let handler = api.rules?.current else {
            respond(status: 404, json: JSON.error("no alert rules here: start serve with --rules FILE (docs/alerting.md)"), context: context)
            return
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        DispatchQueue.global().async {
            let json = handler.rulesAPI(path: path)
            loop.execute {
                let (h, context) = bound.value
                h.respond(status: 200, json: json, context: context)
            }
        }
    }
}

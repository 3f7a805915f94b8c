import ChargelineFrontEnd
import NIOCore

extension HTTPAPIHandler {
    /// `POST /api/v1/snapshot`: hands the request to the snapshot handler and answers with what
    /// it says, on the connection's event loop.
    func handleSnapshot(context: ChannelHandlerContext) {
        guard let snapshots = api.snapshotHandler else {
            respond(status: 404, json: JSON.error("snapshots are not taken here (serve takes them; a gateway holds no store)"), context: context)
            return
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        snapshots.takeSnapshot { response in
            loop.execute {
                let (handler, context) = bound.value
                let buffer = context.channel.allocator.buffer(bytes: response.body)
                handler.respond(status: response.status, body: (response.contentType, buffer), context: context)
            }
        }
    }
}

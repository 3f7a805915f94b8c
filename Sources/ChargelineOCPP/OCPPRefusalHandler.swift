import ChargelineFrontEnd
import Logging
import NIOCore
import NIOHTTP1

/// Answers HTTP requests the WebSocket upgrader refused (wrong path, no `ocpp1.6`
/// subprotocol, bad credentials, or no upgrade at all) with the status and reason, then closes.
final class OCPPRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let shared: OCPPFrontEndContext

    init(shared: OCPPFrontEndContext) { self.shared = shared }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let status: HTTPResponseStatus
        let reason: String
        var challenge = false
        if head.headers["Upgrade"].first?.lowercased() != "websocket" {
            (status, reason) = (.badRequest, "this port speaks OCPP 1.6J over WebSocket only: ws://HOST:PORT/ocpp/{chargePointId}")
        } else {
            switch OCPPHandshake.decide(head, directory: shared.directory, requirePassword: shared.configuration.requirePassword) {
            case .refuse(let s, let r, let c): (status, reason, challenge) = (s, r, c)
            case .accept: (status, reason) = (.badRequest, "not a valid WebSocket upgrade request")
            }
        }
        shared.stats.update { $0.handshakesRefused += 1 }
        shared.logger.notice("OCPP handshake refused", metadata: [
            "peer": "\(context.remoteAddress?.description ?? "?")", "uri": "\(head.uri)", "status": "\(status.code)", "reason": "\(reason)",
        ])
        var headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close"),
                                   ("Content-Length", "\(reason.utf8.count + 1)")])
        if challenge { headers.add(name: "WWW-Authenticate", value: "Basic realm=\"chargeline-ocpp\", charset=\"UTF-8\"") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: reason + "\n")))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

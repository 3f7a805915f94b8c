import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import Foundation
import Logging
import NIOCore
import NIOWebSocket

/// One charge point's WebSocket connection after the upgrade: decodes each text message,
/// answers CALLs (`OCPPChannelHandler+Calls`), sends the central system's own CALLs one at a
/// time, and answers protocol violations with a CALLERROR or a close code.
///
/// One CALL in flight per direction: a CALL that arrives while the previous one's answer is
/// still pending (StartTransaction and StopTransaction wait for the disk) is answered with a
/// ProtocolError CALLERROR; this side sends its next CALL only after the previous one was
/// answered or timed out.
final class OCPPChannelHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    struct OutgoingCall {
        var action: String
        var payload: [String: Any]
        var completion: (Result<OCPPPayload, OCPPFailure>) -> Void
    }

    let shared: OCPPFrontEndContext
    let id: String
    var info: YKCPileInfo?
    var keys: OCPPSeriesKeys
    var peer = "?"
    /// BootNotification accepted (here or on an earlier connection of this process).
    var booted: Bool
    /// A CALL from the charge point waits for its answer.
    var busy = false
    var context: ChannelHandlerContext?
    private var outgoing: [OutgoingCall] = []
    private var inFlight: (uniqueID: String, call: OutgoingCall, timeout: Scheduled<Void>)?
    private var nextCallNumber = 1
    private var closeEvent = "closed"
    private var badMessages = 0
    /// `pile_state` (as YKC writes it): telemetry (MeterValues, StatusNotification,
    /// StopTransaction) and heartbeat activity, sampled; each connector's last status written;
    /// whether this connection's login is written; the task that samples quiet activity.
    var telemetryActivity: PileActivity
    var heartbeatActivity: PileActivity
    var stateStatus: [Int: UInt8] = [:]
    var loggedIn = false
    private var quietTask: RepeatedTask?

    init(shared: OCPPFrontEndContext, id: String, info: YKCPileInfo?) {
        self.shared = shared
        self.id = id
        self.info = info
        keys = OCPPSeriesKeys(id: id, info: info ?? .unregistered)
        booted = shared.sessions.hasBooted(id)
        telemetryActivity = PileActivity(periodSeconds: shared.configuration.stateSampleSeconds)
        heartbeatActivity = PileActivity(periodSeconds: shared.configuration.stateSampleSeconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        peer = context.remoteAddress?.description ?? "?"
        shared.stats.connectionOpened()
        if let old = shared.sessions.register(id, context.channel) {
            shared.stats.update { $0.replaced += 1 }
            shared.logger.notice("charge point connected again; closing its previous connection", metadata: ["chargePoint": "\(id)"])
            old.eventLoop.execute { old.pipeline.fireUserInboundEventTriggered(OCPPReplacedEvent()) }
        }
        shared.logger.debug("charge point connected", metadata: ["chargePoint": "\(id)", "peer": "\(peer)"])
        // Quiet activity is written once it has stopped for a sample period: look every period.
        let period = TimeAmount.seconds(Int64(max(1, shared.configuration.stateSampleSeconds)))
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        quietTask = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in bound.value.recordQuiet() }
        // Booted on an earlier connection of this process: connected again without a new boot.
        if booted { recordLogin() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        quietTask?.cancel()
        quietTask = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        shared.sessions.remove(id, context.channel)
        shared.stats.update { $0.connections -= 1 }
        inFlight?.timeout.cancel()
        let pending = (inFlight.map { [$0.call] } ?? []) + outgoing
        inFlight = nil
        outgoing = []
        for call in pending { call.completion(.failure(OCPPFailure(.genericError, "charge point \(id) disconnected"))) }
        quietTask?.cancel()
        quietTask = nil
        if booted {
            let now = WallClock.nowNanoseconds()
            var k = keys
            let event = closeEvent
            let guns = k.connectors.map { k.gun($0).telemetry }
            // pile_state: the activity not written yet, the disconnect and why, each gun offline.
            let state = loggedIn ? k.pileState : nil
            let telemetry = telemetryActivity.quiet(at: now, force: true), beats = heartbeatActivity.quiet(at: now, force: true)
            let gunStates = stateStatus.keys.sorted().map { k.gun($0) }
            loggedIn = false
            shared.batcher.add { b in
                OCPPTelemetryWriter.addDisconnect(event: event, key: k.connection, timestamp: now, to: &b)
                for key in guns { OCPPTelemetryWriter.addOffline(key: key, timestamp: now, to: &b) }
                guard let state else { return }
                if let t = telemetry { YKCPileStateWriter.addTelemetry(frames: t.count, pileKey: state, timestamp: t.time, to: &b) }
                if let h = beats { YKCPileStateWriter.addHeartbeats(h.count, pileKey: state, timestamp: h.time, to: &b) }
                YKCPileStateWriter.addDisconnect(reason: event, pileKey: state, timestamp: now, to: &b)
                for g in gunStates { YKCPileStateWriter.addStatus(0, keys: g, timestamp: now, to: &b) }
            }
        }
        shared.logger.debug("charge point disconnected", metadata: ["chargePoint": "\(id)", "event": "\(closeEvent)"])
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is OCPPReplacedEvent {
            closeEvent = "replaced"
            close(context, code: .goingAway)
        } else if event is ChannelShouldQuiesceEvent {
            closeEvent = "shutdown"
            close(context, code: .goingAway)
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            closeEvent = "timeout"
            shared.logger.notice("charge point silent too long; closing", metadata: [
                "chargePoint": "\(id)", "seconds": "\(shared.configuration.idleTimeoutSeconds)",
            ])
            close(context, code: .goingAway)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if (error as? NIOWebSocketError) == .invalidFrameLength {
            // WebSocketProtocolErrorHandler (added by the upgrader) has sent close 1009 already.
            shared.logger.warning("OCPP frame larger than the limit; closed with 1009", metadata: [
                "chargePoint": "\(id)", "limitBytes": "\(shared.configuration.maxMessageBytes)",
            ])
            closeEvent = "error"
            return
        }
        if error is NIOWebSocketFrameAggregator.Error {
            shared.logger.warning("OCPP message too large; closing with 1009", metadata: [
                "chargePoint": "\(id)", "limitBytes": "\(shared.configuration.maxMessageBytes)", "error": "\(error)",
            ])
            closeEvent = "error"
            close(context, code: .messageTooLarge)
            return
        }
        shared.logger.debug("OCPP connection error", metadata: ["chargePoint": "\(id)", "error": "\(error)"])
        closeEvent = "error"
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            receive(Data(frame.unmaskedData.readableBytesView), context: context)
        case .ping:
            var payload = frame.unmaskedData
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: payload.readSlice(length: payload.readableBytes) ?? payload)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var payload = frame.unmaskedData
            let code = payload.readWebSocketErrorCode() ?? .normalClosure
            close(context, code: code == .normalClosure || code == .goingAway ? code : .normalClosure)
        case .binary:
            shared.logger.warning("binary WebSocket frame; OCPP-J is text only; closing with 1003", metadata: ["chargePoint": "\(id)"])
            closeEvent = "error"
            close(context, code: .unacceptableData)
        default:
            break
        }
    }

    private func receive(_ bytes: Data, context: ChannelHandlerContext) {
        let message: OCPPMessage
        do {
            message = try OCPPMessage.decode(bytes)
        } catch {
            reject(error.uniqueID, error.failure, text: bytes)
            return
        }
        switch message {
        case .call(let uniqueID, let action, let payload):
            shared.stats.update { $0.calls += 1 }
            guard !busy else {
                reject(uniqueID, OCPPFailure(.protocolError, "a CALL is already in flight: wait for its answer before sending \(action)"),
                       text: bytes)
                return
            }
            do {
                try handleCall(uniqueID: uniqueID, action: action, payload: payload)
            } catch {
                reject(uniqueID, error, text: bytes)
            }
        case .callResult(let uniqueID, let payload):
            finishOutgoing(uniqueID, .success(payload))
        case .callError(let uniqueID, let code, let description):
            finishOutgoing(uniqueID, .failure(OCPPFailure(OCPPErrorCode(rawValue: code) ?? .genericError, "\(code): \(description)")))
        }
    }

    /// Answers with a CALLERROR and logs it with the charge point id (the first 20 in full,
    /// then every 100th, so a broken charge point cannot flood the log).
    func reject(_ uniqueID: String, _ failure: OCPPFailure, text: Data? = nil) {
        badMessages += 1
        shared.stats.update { $0.callErrors += 1 }
        if badMessages <= 20 || badMessages % 100 == 0 {
            var metadata: Logger.Metadata = ["chargePoint": "\(id)", "uniqueId": "\(uniqueID)", "code": "\(failure.code.rawValue)",
                                             "error": "\(failure.message)", "count": "\(badMessages)"]
            if let text { metadata["message"] = "\(String(decoding: text.prefix(200), as: UTF8.self))" }
            shared.logger.warning("OCPP CALLERROR sent", metadata: metadata)
        }
        send(OCPPEncoding.callError(uniqueID, failure))
    }

    /// Writes one text message.
    func send(_ text: String) {
        guard let context else { return }
        let buffer = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    /// Sends a close frame with `code`, then closes the connection.
    func close(_ context: ChannelHandlerContext, code: WebSocketErrorCode) {
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    // MARK: CALLs from the central system

    /// Queues a CALL to the charge point; `completion` gets its CALLRESULT payload or the
    /// failure (CALLERROR, timeout, disconnect). Runs on the channel's event loop.
    func call(_ action: String, _ payload: [String: Any], completion: @escaping (Result<OCPPPayload, OCPPFailure>) -> Void) {
        outgoing.append(OutgoingCall(action: action, payload: payload, completion: completion))
        sendNextCall()
    }

    private func sendNextCall() {
        guard inFlight == nil, !outgoing.isEmpty, let context else { return }
        let call = outgoing.removeFirst()
        let uniqueID = "cs-\(nextCallNumber)"
        nextCallNumber += 1
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let timeout = context.eventLoop.scheduleTask(in: .seconds(Int64(shared.configuration.callTimeoutSeconds))) {
            bound.value.finishOutgoing(uniqueID, .failure(OCPPFailure(.genericError, "no answer to \(call.action) within "
                                                                      + "\(bound.value.shared.configuration.callTimeoutSeconds) s")))
        }
        inFlight = (uniqueID, call, timeout)
        send(OCPPEncoding.call(uniqueID, call.action, call.payload))
    }

    private func finishOutgoing(_ uniqueID: String, _ result: Result<OCPPPayload, OCPPFailure>) {
        guard let current = inFlight, current.uniqueID == uniqueID else {
            shared.logger.notice("answer to no CALL in flight ignored", metadata: ["chargePoint": "\(id)", "uniqueId": "\(uniqueID)"])
            return
        }
        current.timeout.cancel()
        inFlight = nil
        current.call.completion(result)
        sendNextCall()
    }
}

/// Asks the older connection of a charge point that connected again to close.
struct OCPPReplacedEvent: Sendable {}

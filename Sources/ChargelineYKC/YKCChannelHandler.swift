import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import Logging
import NIOCore

/// One pile's TCP connection: frames the byte stream, answers the frames a pile waits for
/// (login, heartbeat, billing model, transaction record) straight from the event loop, and
/// hands decoded telemetry to the batcher. Replies never wait for storage, except 0x40,
/// which confirms the transaction record is durable at the next hop (see `handleTransaction`).
///
/// - Nothing but a login is accepted before login; bad input before login closes the
///   connection, after login it is counted and logged (pile code + frame hex) and the
///   connection stays.
/// - The event loop's sweeper closes the connection after `heartbeatTimeoutSeconds` without a frame
///   (three missed heartbeats), or `loginTimeoutSeconds` without a login.
/// - Bytes are framed in place: a read holding whole frames is not copied; only a partial
///   frame's bytes are kept until the rest arrives.
final class YKCChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let shared: YKCFrontEndContext
    /// A partial frame waiting for the rest (`nil` when none, so idle connections hold no buffer).
    private var pending: ByteBuffer?
    private var encoder = YKCFrameEncoder()
    private var peer = "?"
    private var loggedIn = false
    private var pileCode: UInt64 = 0
    private var pileText = ""
    private var info = YKCPileInfo.unregistered
    private var generation = -1
    private var keys: [Int: YKCSeriesKeys] = [:]
    private var connectionKey: [UInt8] = []
    private var pileStateKey: [UInt8] = []
    /// Telemetry (0x13, 0x23, 0x25) and heartbeat activity, sampled for `pile_state`.
    private var telemetryActivity: PileActivity
    private var heartbeatActivity: PileActivity
    /// Each gun's last 0x13 status, for `pile_state` status transitions.
    private var gunStatus: [Int: UInt8] = [:]
    private var heartbeatStates: [Int: UInt8] = [:]
    private var lastFrame = NIODeadline.now()
    private var context: ChannelHandlerContext?
    private var badFrames = 0
    private var closeReason = "closed"
    private var closing = false

    init(shared: YKCFrontEndContext) {
        self.shared = shared
        telemetryActivity = PileActivity(periodSeconds: shared.configuration.stateSampleSeconds)
        heartbeatActivity = PileActivity(periodSeconds: shared.configuration.stateSampleSeconds)
    }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        peer = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        shared.stats.connectionOpened()
        lastFrame = .now()
        self.context = context
        shared.sweepers.sweeper(for: context.eventLoop).add(self)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        shared.sweepers.sweeper(for: context.eventLoop).remove(self)
        self.context = nil
        shared.stats.update { $0.connections -= 1 }
        if loggedIn {
            shared.sessions.remove(pileCode, context.channel)
            let now = WallClock.nowNanoseconds()
            let reason = closeReason
            let guns = keys
            let connectionKey = self.connectionKey
            let stateKey = pileStateKey
            let telemetry = telemetryActivity.quiet(at: now, force: true)
            let beats = heartbeatActivity.quiet(at: now, force: true)
            let statuses = gunStatus
            shared.batcher.add { b in
                YKCTelemetryWriter.addDisconnect(reason: reason, connectionKey: connectionKey, timestamp: now, to: &b)
                for k in guns.values { YKCTelemetryWriter.addOffline(keys: k, timestamp: now, to: &b) }
                if let t = telemetry { YKCPileStateWriter.addTelemetry(frames: t.count, pileKey: stateKey, timestamp: t.time, to: &b) }
                if let h = beats { YKCPileStateWriter.addHeartbeats(h.count, pileKey: stateKey, timestamp: h.time, to: &b) }
                YKCPileStateWriter.addDisconnect(reason: reason, pileKey: stateKey, timestamp: now, to: &b)
                for (gun, status) in statuses where status != 0 {
                    if let k = guns[gun] { YKCPileStateWriter.addStatus(0, keys: k, timestamp: now, to: &b) }
                }
            }
            shared.logger.debug("pile disconnected", metadata: ["pile": "\(pileText)", "peer": "\(peer)", "reason": "\(reason)"])
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is YKCReplacedEvent {
            shared.stats.update { $0.replaced += 1 }
            close(context, reason: "replaced")
        } else if event is ChannelShouldQuiesceEvent {
            close(context, reason: "shutdown")
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.logger.debug("YKC connection error", metadata: ["pile": "\(pileText)", "peer": "\(peer)", "error": "\(error)"])
        close(context, reason: "error")
    }

    /// Called by the loop's sweeper: records activity that has gone quiet in `pile_state`, and
    /// closes the connection after the heartbeat (or login) timeout.
    func checkTimeout(now: NIODeadline) {
        guard let context else { return }
        if loggedIn { recordQuietActivity() }
        let limit = loggedIn ? shared.configuration.heartbeatTimeoutSeconds : shared.configuration.loginTimeoutSeconds
        guard now - lastFrame > .seconds(Int64(limit)) else { return }
        shared.stats.update { $0.timeouts += 1 }
        shared.logger.info(loggedIn ? "pile silent, closing (missed heartbeats)" : "no login, closing", metadata: [
            "pile": "\(pileText)", "peer": "\(peer)", "seconds": "\(limit)",
        ])
        close(context, reason: "timeout")
    }

    private func close(_ context: ChannelHandlerContext, reason: String) {
        guard !closing else { return }
        closing = true
        closeReason = reason
        context.close(promise: nil)
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        guard !closing else { return }
        if pending != nil {
            pending!.writeBuffer(&chunk)
            var buffer = pending!
            pending = nil
            process(&buffer, context: context)
            if buffer.readableBytes > 0 { buffer.discardReadBytes(); pending = buffer }
        } else {
            process(&chunk, context: context)
            if chunk.readableBytes > 0 {
                var keep = context.channel.allocator.buffer(capacity: max(chunk.readableBytes, 64))
                keep.writeBuffer(&chunk)
                pending = keep
            }
        }
        // A pile cannot legitimately hold more than one frame (<= 204 bytes) unfinished.
        if let p = pending, p.readableBytes > 4096 {
            reportBad(context, kind: "unframeable input", bytes: p.readableBytesView.prefix(64).map { $0 }, detail: "\(p.readableBytes) bytes")
            pending = nil
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    private func process(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        // The bytes skipped while resyncing after a bad frame belong to that frame: not
        // counted again.
        var resyncing = false
        while !closing {
            let step = buffer.withUnsafeReadableBytes { raw -> YKCFramer.Step in
                let step = YKCFramer.next(in: raw)
                switch step {
                case .frame(let n, _):
                    resyncing = false
                    handle(YKCFrame(UnsafeRawBufferPointer(rebasing: raw[0..<n])), context: context)
                case .badCRC(let n):
                    if !resyncing { reportBad(context, kind: "bad CRC", bytes: Array(raw[0..<n]), detail: nil) }
                    resyncing = true
                case .badLength(let length):
                    if !resyncing { reportBad(context, kind: "bad length byte", bytes: Array(raw.prefix(16)), detail: "L=\(length)") }
                    resyncing = true
                case .garbage(let n):
                    if !resyncing { reportBad(context, kind: "bytes outside a frame", bytes: Array(raw[0..<min(n, 64)]), detail: "\(n) bytes") }
                case .needMore:
                    break
                }
                return step
            }
            if step == .needMore { return }
            buffer.moveReaderIndex(forwardBy: step.consumed)
        }
    }

    // MARK: Frames

    private func handle(_ frame: YKCFrame, context: ChannelHandlerContext) {
        lastFrame = .now()
        let type = frame.type
        shared.stats.frameReceived(type: type)
        guard loggedIn || type == YKCFrameType.login else {
            reportBad(context, kind: "frame before login", bytes: Array(frame.bytes), detail: nil)
            return
        }
        guard frame.encryption == 0 else {
            reportBad(context, kind: "encrypted frame (3DES not supported)", bytes: Array(frame.bytes), detail: nil)
            return
        }
        do {
            switch type {
            case YKCFrameType.login: try handleLogin(frame, context: context)
            case YKCFrameType.heartbeat: try handleHeartbeat(frame, context: context)
            case YKCFrameType.billingModelCheck:
                let check = try YKCBillingModelCheck(payload: frame.payload)
                let model = shared.configuration.billingModel
                encoder.billingModelCheckReply(sequence: frame.sequence, pileCode: check.pileCode,
                                               modelNumber: check.modelNumber, matches: check.modelNumber == model.modelNumber)
                reply(context)
            case YKCFrameType.billingModelRequest:
                let request = try YKCBillingModelRequest(payload: frame.payload)
                encoder.billingModelReply(sequence: frame.sequence, pileCode: request.pileCode,
                                          model: shared.configuration.billingModel)
                reply(context)
            case YKCFrameType.realtimeData:
                let data = try YKCRealtimeData(payload: frame.payload)
                let k = seriesKeys(gun: data.gun)
                let now = WallClock.nowNanoseconds()
                let sample = telemetryActivity.frame(at: now)
                let changed = gunStatus.updateValue(data.status, forKey: data.gun) != data.status
                let stateKey = pileStateKey
                shared.batcher.add { b in
                    YKCTelemetryWriter.add(data, keys: k, timestamp: now, to: &b)
                    if let t = sample { YKCPileStateWriter.addTelemetry(frames: t.count, pileKey: stateKey, timestamp: t.time, to: &b) }
                    if changed { YKCPileStateWriter.addStatus(data.status, keys: k, timestamp: now, to: &b) }
                }
            case YKCFrameType.bmsDemand:
                let data = try YKCBMSDemand(payload: frame.payload)
                let k = seriesKeys(gun: data.gun)
                let now = WallClock.nowNanoseconds()
                let sample = telemetryActivity.frame(at: now)
                let stateKey = pileStateKey
                shared.batcher.add { b in
                    YKCTelemetryWriter.add(data, keys: k, timestamp: now, to: &b)
                    if let t = sample { YKCPileStateWriter.addTelemetry(frames: t.count, pileKey: stateKey, timestamp: t.time, to: &b) }
                }
            case YKCFrameType.bmsStatus:
                let data = try YKCBMSStatus(payload: frame.payload)
                let k = seriesKeys(gun: data.gun)
                let now = WallClock.nowNanoseconds()
                let sample = telemetryActivity.frame(at: now)
                let stateKey = pileStateKey
                shared.batcher.add { b in
                    YKCTelemetryWriter.add(data, keys: k, timestamp: now, to: &b)
                    if let t = sample { YKCPileStateWriter.addTelemetry(frames: t.count, pileKey: stateKey, timestamp: t.time, to: &b) }
                }
            case YKCFrameType.transactionRecord: try handleTransaction(frame, context: context)
            default:
                if !YKCFrameType.isKnownUnstored(type) {
                    reportBad(context, kind: "unknown frame type 0x\(String(type, radix: 16, uppercase: true))",
                              bytes: Array(frame.bytes), detail: nil)
                }
            }
        } catch {
            reportBad(context, kind: "undecodable payload", bytes: Array(frame.bytes), detail: "\(error)")
        }
    }

    private func handleLogin(_ frame: YKCFrame, context: ChannelHandlerContext) throws(YKCDecodeError) {
        let login = try YKCLogin(payload: frame.payload)
        let text = YKCBytes.packedText(login.pileCode, digits: 14)
        let (found, generation) = shared.directory.lookup(login.pileCode)
        guard let found else {
            encoder.loginReply(sequence: frame.sequence, pileCode: login.pileCode, accepted: false)
            reply(context)
            context.flush()
            shared.stats.update { $0.loginsRejected += 1 }
            shared.logger.warning("login rejected: pile not in the registry", metadata: [
                "pile": "\(text)", "peer": "\(peer)", "registry": "\(shared.directory.path ?? "none")",
            ])
            close(context, reason: "rejected")
            return
        }
        if loggedIn && login.pileCode != pileCode {
            shared.sessions.remove(pileCode, context.channel)
        }
        pileCode = login.pileCode
        pileText = text
        adopt(found, generation: generation)
        loggedIn = true
        if let old = shared.sessions.register(login.pileCode, context.channel) {
            old.pipeline.fireUserInboundEventTriggered(YKCReplacedEvent())
        }
        encoder.loginReply(sequence: frame.sequence, pileCode: login.pileCode, accepted: true)
        reply(context)
        shared.stats.update { $0.logins += 1 }
        let now = WallClock.nowNanoseconds()
        let key = connectionKey
        let stateKey = pileStateKey
        let peer = self.peer
        // A pile the registry does not list has no `registered` baseline: its first login here
        // is, unless its state is already stored (a login after a restart).
        let firstSeen = shared.known.insert(login.pileCode, key: stateKey)
        shared.batcher.add { b in
            YKCTelemetryWriter.addLogin(login, connectionKey: key, peer: peer, timestamp: now, to: &b)
            if firstSeen { YKCPileStateWriter.addRegistered(pileKey: stateKey, timestamp: now, to: &b) }
            YKCPileStateWriter.addLogin(pileKey: stateKey, timestamp: now, to: &b)
        }
        shared.logger.debug("pile logged in", metadata: [
            "pile": "\(text)", "peer": "\(peer)", "version": "\(login.protocolVersion)", "firmware": "\(login.firmware)",
        ])
    }

    private func handleHeartbeat(_ frame: YKCFrame, context: ChannelHandlerContext) throws(YKCDecodeError) {
        let beat = try YKCHeartbeat(payload: frame.payload)
        encoder.heartbeatReply(sequence: frame.sequence, pileCode: beat.pileCode, gun: beat.gun)
        reply(context)
        if let h = heartbeatActivity.frame(at: WallClock.nowNanoseconds()) {
            let stateKey = pileStateKey
            shared.batcher.add { YKCPileStateWriter.addHeartbeats(h.count, pileKey: stateKey, timestamp: h.time, to: &$0) }
        }
        if heartbeatStates[beat.gun] != beat.gunState {
            heartbeatStates[beat.gun] = beat.gunState
            let k = seriesKeys(gun: beat.gun)
            let now = WallClock.nowNanoseconds()
            let state = beat.gunState
            shared.batcher.add { YKCTelemetryWriter.addHeartbeat(gunState: state, keys: k, timestamp: now, to: &$0) }
        }
    }

    /// Stores the record and answers 0x40 once the batch holding it is confirmed: in a
    /// gateway that is the local spool (milliseconds); in `serve` the store's WAL. If it fails
    /// no 0x40 goes out and the pile sends the record again (every 30 s, 3 times).
    private func handleTransaction(_ frame: YKCFrame, context: ChannelHandlerContext) throws(YKCDecodeError) {
        let record = try YKCTransactionRecord(payload: frame.payload, utcOffsetSeconds: shared.configuration.pileUTCOffsetSeconds)
        let k = seriesKeys(gun: record.gun)
        let now = WallClock.nowNanoseconds()
        let sequence = frame.sequence
        let channel = context.channel
        let stats = shared.stats
        shared.batcher.add({ YKCTelemetryWriter.add(record, keys: k, receivedAt: now, to: &$0) }, onDurable: { ok in
            guard ok else { return }
            channel.eventLoop.execute {
                guard channel.isActive else { return }
                var encoder = YKCFrameEncoder()
                encoder.transactionRecordAck(sequence: sequence, trade: record.trade, accepted: true)
                var out = channel.allocator.buffer(capacity: encoder.count)
                encoder.withFrame { out.writeBytes($0) }
                channel.writeAndFlush(out, promise: nil)
                stats.update { $0.replies += 1 }
            }
        })
    }

    // MARK: Helpers

    private func reply(_ context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: encoder.count)
        encoder.withFrame { out.writeBytes($0) }
        context.write(wrapOutboundOut(out), promise: nil)
        shared.stats.update { $0.replies += 1 }
    }

    private func adopt(_ found: YKCPileInfo, generation: Int) {
        info = found
        self.generation = generation
        keys.removeAll(keepingCapacity: true)
        connectionKey = YKCSeriesKeys.connection(pileText: pileText, info: found)
        pileStateKey = YKCSeriesKeys.pileState(pileText: pileText, info: found)
    }

    /// Writes the telemetry/heartbeat samples of frames that have stopped coming.
    private func recordQuietActivity() {
        let now = WallClock.nowNanoseconds()
        let telemetry = telemetryActivity.quiet(at: now)
        let beats = heartbeatActivity.quiet(at: now)
        guard telemetry != nil || beats != nil else { return }
        let stateKey = pileStateKey
        shared.batcher.add { b in
            if let t = telemetry { YKCPileStateWriter.addTelemetry(frames: t.count, pileKey: stateKey, timestamp: t.time, to: &b) }
            if let h = beats { YKCPileStateWriter.addHeartbeats(h.count, pileKey: stateKey, timestamp: h.time, to: &b) }
        }
    }

    /// The keys for `gun`, rebuilt when the registry was reloaded.
    private func seriesKeys(gun: Int) -> YKCSeriesKeys {
        if shared.directory.generation != generation {
            let (found, generation) = shared.directory.lookup(pileCode)
            adopt(found ?? info, generation: generation)
        }
        if let k = keys[gun] { return k }
        let k = YKCSeriesKeys(pileText: pileText, gun: gun, info: info)
        keys[gun] = k
        return k
    }

    private func reportBad(_ context: ChannelHandlerContext, kind: String, bytes: [UInt8], detail: String?) {
        badFrames += 1
        shared.stats.update { $0.badFrames += 1 }
        if badFrames <= shared.configuration.badFrameLogLimit || badFrames % 100 == 0 {
            var metadata: Logger.Metadata = [
                "pile": "\(loggedIn ? pileText : "not logged in")", "peer": "\(peer)", "count": "\(badFrames)",
                "hex": "\(bytes.withUnsafeBytes { YKCBytes.hexDump($0) })",
            ]
            if let detail { metadata["detail"] = "\(detail)" }
            shared.logger.warning("YKC bad input: \(kind)", metadata: metadata)
        }
        if !loggedIn { close(context, reason: "bad input before login") }
    }
}

@available(*, unavailable)
extension YKCChannelHandler: Sendable {}
